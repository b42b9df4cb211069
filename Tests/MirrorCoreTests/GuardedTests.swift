import Foundation
import MirrorCore
import Testing

@Suite struct GuardedTests {
    final class Counter { var count = 0 }

    @Test func changesFromManyThreadsAreNotLost() {
        let counter = Guarded(Counter())
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0.count += 1 } }
        }
        #expect(counter.withLock { $0.count } == 80_000)
    }

    @Test func aValueCanBeTakenOutAndAnErrorPassesThrough() throws {
        struct Refused: Error {}
        let slot = Guarded<Counter?>(Counter())
        let taken = slot.withLock { value -> Counter? in
            defer { value = nil }
            return value
        }
        #expect(taken != nil)
        #expect(slot.withLock { $0 } == nil)
        #expect(throws: Refused.self) { try slot.withLock { _ throws(Refused) in throw Refused() } }
        let optional: Int?? = Guarded(Int??.some(nil)).withLock { $0 }
        #expect(optional == .some(nil))
    }
}
