import MirrorSession
import Testing

/// The code keyboard as a value: each case is a run of events, then what the keyboard shows, whether the last
/// event meant anything, and what it asked the daemon to check. Interleavings included: an answer arriving after
/// the shopper typed on, cancelled or left the screen.
@Suite struct CodeKeyboardTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var events: [CodeKeyboard.Event]
        var shows: CodeKeyboard.Entry?
        var handled = true
        var effects: [CodeKeyboard.Effect] = []
        var testDescription: String { name }
    }

    typealias Entry = CodeKeyboard.Entry
    static let loyalty: CodeKeyboard.Event = .open(.loyalty, allowed: true)
    static let savedLook: CodeKeyboard.Event = .open(.savedLook, allowed: true)
    static func typing(_ text: String) -> [CodeKeyboard.Event] { text.map { .key($0) } }

    static let cases: [Case] = [
        Case(name: "opens when the screen offers it", events: [loyalty], shows: Entry(purpose: .loyalty)),
        Case(
            name: "stays shut when it does not", events: [.open(.savedLook, allowed: false)], shows: nil,
            handled: false),
        Case(name: "a key with nothing open", events: [.key("1")], shows: nil, handled: false),
        Case(name: "keys", events: [loyalty] + typing("DEMO-12"), shows: Entry(purpose: .loyalty, typed: "DEMO-12")),
        Case(
            name: "no lower case or symbols", events: [loyalty, .key("a")], shows: Entry(purpose: .loyalty),
            handled: false),
        Case(
            name: "24 characters at most", events: [loyalty] + typing(String(repeating: "7", count: 25)),
            shows: Entry(purpose: .loyalty, typed: String(repeating: "7", count: 24)), handled: false),
        Case(name: "delete", events: [loyalty] + typing("AB") + [.delete], shows: Entry(purpose: .loyalty, typed: "A")),
        Case(name: "OK with nothing typed", events: [loyalty, .ok], shows: Entry(purpose: .loyalty), handled: false),
        Case(
            name: "OK checks the loyalty code", events: [loyalty] + typing("DEMO-1234") + [.ok],
            shows: Entry(purpose: .loyalty, typed: "DEMO-1234", message: "Checking…"),
            effects: [.checkLoyalty("DEMO-1234")]),
        Case(
            name: "OK opens a saved look", events: [savedLook] + typing("K7") + [.ok],
            shows: Entry(purpose: .savedLook, typed: "K7", message: "Checking…"), effects: [.openSavedLook("K7")]),
        Case(
            name: "a profile found closes it",
            events: [loyalty] + typing("D1") + [.ok, .loyaltyChecked(code: "D1", found: true)],
            shows: nil),
        Case(
            name: "none found says so",
            events: [loyalty] + typing("D1") + [.ok, .loyaltyChecked(code: "D1", found: false)],
            shows: Entry(purpose: .loyalty, typed: "D1", message: "No opted-in profile with that code")),
        Case(
            name: "an answer after typing on is ignored",
            events: [loyalty] + typing("D1") + [.ok, .key("2"), .loyaltyChecked(code: "D1", found: true)],
            shows: Entry(purpose: .loyalty, typed: "D12"), handled: false),
        Case(
            name: "an answer after cancel is ignored",
            events: [loyalty] + typing("D1") + [.ok, .cancel, .loyaltyChecked(code: "D1", found: false)], shows: nil,
            handled: false),
        Case(
            name: "an answer after leaving the screen is ignored",
            events: [loyalty] + typing("D1") + [
                .ok, .screenChanged(toSuggestions: false),
                .loyaltyChecked(code: "D1", found: false),
            ], shows: nil, handled: false),
        Case(
            name: "the loyalty keyboard stays over the suggestions",
            events: [loyalty, .key("D"), .screenChanged(toSuggestions: true)],
            shows: Entry(purpose: .loyalty, typed: "D"), handled: false),
        Case(
            name: "a saved look's keyboard closes with its screen",
            events: [savedLook, .screenChanged(toSuggestions: true)], shows: nil),
        Case(
            name: "a wrong look code counts down",
            events: [savedLook] + typing("K7") + [
                .ok,
                .lookChecked(code: "K7", .wrong(triesLeft: 1)),
            ],
            shows: Entry(purpose: .savedLook, typed: "K7", message: "That code opens none of your looks · 1 try left")),
        Case(
            name: "locked", events: [savedLook] + typing("K7") + [.ok, .lookChecked(code: "K7", .locked)],
            shows: Entry(purpose: .savedLook, typed: "K7", message: "Too many wrong codes: try again tomorrow")),
        Case(
            name: "the store failed",
            events: [savedLook] + typing("K7") + [.ok, .lookChecked(code: "K7", .unavailable)],
            shows: Entry(purpose: .savedLook, typed: "K7", message: "The mirror cannot open saved looks just now")),
        Case(
            name: "a look opened closes it",
            events: [savedLook] + typing("K7") + [.ok, .lookChecked(code: "K7", .opened)],
            shows: nil),
        Case(
            name: "a look's answer is not a loyalty answer",
            events: [loyalty] + typing("K7") + [.ok, .lookChecked(code: "K7", .opened)],
            shows: Entry(purpose: .loyalty, typed: "K7", message: "Checking…"), handled: false),
        Case(
            name: "a scanned code is tidied and checked", events: [loyalty, .scanned("  demo-1234\n")],
            shows: Entry(purpose: .loyalty, typed: "DEMO-1234", message: "Checking…"),
            effects: [.checkLoyalty("DEMO-1234")]),
        Case(
            name: "the same code scanned again is not asked again",
            events: [loyalty, .scanned("X1"), .loyaltyChecked(code: "X1", found: false), .scanned("X1")],
            shows: Entry(purpose: .loyalty, typed: "X1", message: "No opted-in profile with that code"), handled: false),
        Case(
            name: "a link is no loyalty code", events: [loyalty, .scanned("https://example.com")],
            shows: Entry(purpose: .loyalty), handled: false),
        Case(
            name: "scans are not read over a saved look's keyboard", events: [savedLook, .scanned("X1")],
            shows: Entry(purpose: .savedLook), handled: false),
        Case(
            name: "opening again forgets the scans",
            events: [loyalty, .scanned("X1"), .cancel, loyalty, .scanned("X1")],
            shows: Entry(purpose: .loyalty, typed: "X1", message: "Checking…"), effects: [.checkLoyalty("X1")]),
    ]

    @Test(arguments: cases)
    func keyboard(_ test: Case) {
        var keyboard = CodeKeyboard()
        var last: (handled: Bool, effects: [CodeKeyboard.Effect]) = (false, [])
        for event in test.events { last = keyboard.handle(event) }
        #expect(keyboard.entry == test.shows)
        #expect(last.handled == test.handled)
        #expect(last.effects == test.effects)
    }
}
