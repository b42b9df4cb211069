import MirrorSession
import Testing

/// What the shopper keeps of their looks, as a value: each case is a run of events, then the favourite, the
/// saved looks and the share agreement, whether the last event meant anything, and what it asked the daemon to
/// store. Interleavings included: a second Save before the first is answered, an answer for a visit that ended.
@Suite struct KeptLooksTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var events: [KeptLooks.Event]
        var favourite: Int?
        var saved: [Int: String] = [:]
        var shared = false
        var handled = true
        var effects: [KeptLooks.Effect] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nothing kept at first", events: [], handled: true),
        Case(name: "a pick", events: [.pick(look: 1)], favourite: 1, effects: [.storePick(look: 1, picked: true)]),
        Case(
            name: "the same look again takes the pick back", events: [.pick(look: 1), .pick(look: 1)],
            effects: [.storePick(look: 1, picked: false)]),
        Case(
            name: "another look moves the pick", events: [.pick(look: 1), .pick(look: 0)], favourite: 0,
            effects: [.storePick(look: 0, picked: true)]),
        Case(
            name: "the earlier visit's look can be picked", events: [.pick(look: KeptLooks.earlierLook)],
            favourite: KeptLooks.earlierLook, effects: [.storePick(look: KeptLooks.earlierLook, picked: true)]),
        Case(name: "Share asks to store the agreement", events: [.share], effects: [.storeShare]),
        Case(name: "shared once stored", events: [.share, .shareAnswered(stored: true)], shared: true),
        Case(
            name: "not shared when it was not stored", events: [.share, .shareAnswered(stored: false)], handled: false),
        Case(
            name: "Save sends the look's garments",
            events: [.recorded(look: 0, garments: ["navy knitwear"]), .save(look: 0, identified: true)],
            effects: [.save(look: 0, garments: ["navy knitwear"])]),
        Case(name: "only an identified shopper saves", events: [.save(look: 0, identified: false)], handled: false),
        Case(
            name: "saved with its code",
            events: [.save(look: 0, identified: true), .saveAnswered(look: 0, code: "K7")],
            saved: [0: "K7"]),
        Case(
            name: "a second tap before the answer saves once",
            events: [.save(look: 0, identified: true), .save(look: 0, identified: true)]),
        Case(
            name: "a look saved already is not saved again",
            events: [
                .save(look: 0, identified: true), .saveAnswered(look: 0, code: "K7"), .save(look: 0, identified: true),
            ],
            saved: [0: "K7"]),
        Case(
            name: "a failed save can be tried again",
            events: [
                .save(look: 0, identified: true), .saveAnswered(look: 0, code: nil), .save(look: 0, identified: true),
            ],
            effects: [.save(look: 0, garments: [])]),
        Case(
            name: "an answer nobody waits for (the visit ended and a new one began)",
            events: [.saveAnswered(look: 0, code: "K7")], handled: false),
    ]

    @Test(arguments: cases)
    func keeps(_ c: Case) {
        var looks = KeptLooks()
        var last: (handled: Bool, effects: [KeptLooks.Effect]) = (true, [])
        for event in c.events { last = looks.handle(event) }
        #expect(looks.favourite == c.favourite)
        #expect(looks.saved == c.saved)
        #expect(looks.shared == c.shared)
        #expect(last.handled == c.handled)
        #expect(last.effects == c.effects)
    }

    @Test func anEarlierVisitsLookIsCountedAndOpened() {
        var looks = KeptLooks()
        #expect(looks.earlierCount == 0 && looks.earlier == nil)
        #expect(looks.handle(.earlierCounted(2)) == (true, []))
        let look = KeptLooks.Earlier(clipID: "c1", day: "16 Nov", garments: ["navy knitwear"])
        #expect(looks.handle(.earlierOpened(look)) == (true, []))
        #expect(looks.earlierCount == 2 && looks.earlier == look)
        _ = looks.handle(.earlierCounted(-1))
        #expect(looks.earlierCount == 0)
        // A new visit starts from an empty value: nothing of the last visit's earlier look is left.
        #expect(KeptLooks().earlier == nil)
    }
}
