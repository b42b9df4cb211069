import MirrorCore
import Synchronization
import Testing

@testable import MirrorDaemon

/// Issue: with its descriptors spent, mirrord skipped 14 catalog photos ("Too many open files"), saved the index
/// without them and never built them again. Now a photo that cannot be read for want of descriptors is tried again
/// after a wait, and only what is wrong with the file itself is skipped.
@Suite struct TransientRetryTests {
    @Test func photosThatCannotBeReadForWantOfDescriptorsAreTriedAgain() async throws {
        let outOfDescriptors = SystemCallError(call: "open", subject: "a.jpg", errno: EMFILE)
        let attempts = Mutex<[String: Int]>([:])
        let waits = Mutex<[Duration]>([])
        let failed = await retryingTransient(
            ["a.jpg", "b.jpg", "broken.jpg", "c.jpg"], firstWait: .seconds(2), longestWait: .seconds(5),
            sleep: { wait in waits.withLock { $0.append(wait) } }
        ) { name in
            let attempt = attempts.withLock { counts in
                counts[name, default: 0] += 1
                return counts[name]!
            }
            if name == "broken.jpg" { throw SystemCallError(call: "open", subject: name, errno: EACCES) }
            // a.jpg fails three times for want of descriptors, c.jpg once; then both read.
            if name == "a.jpg", attempt <= 3 { throw outOfDescriptors }
            if name == "c.jpg", attempt <= 1 { throw outOfDescriptors }
        }
        #expect(failed.map(\.item) == ["broken.jpg"])
        #expect(attempts.withLock { $0 } == ["a.jpg": 4, "b.jpg": 1, "broken.jpg": 1, "c.jpg": 2])
        #expect(waits.withLock { $0 } == [.seconds(2), .seconds(4), .seconds(5)])
    }

    @Test func theErrnosThatAreWorthAnotherTry() {
        for code in [EMFILE, ENFILE, ENOMEM, ENOBUFS, EAGAIN] {
            #expect(SystemCallError(call: "open", errno: code).isTransient)
        }
        for code in [ENOENT, EACCES, EISDIR, EIO] { #expect(!SystemCallError(call: "open", errno: code).isTransient) }
    }
}
