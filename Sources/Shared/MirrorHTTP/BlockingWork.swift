import Foundation
import NIOPosix

/// Where the servers' handlers do file, database and image work: threads of their own, not the cooperative pool.
/// Swift's cooperative pool has one thread per core (two on the mirror's board); a handler blocked there on SQLite,
/// a decrypting export or a PNG encode holds one of them from every other request and every task the daemon runs.
/// swift-nio's `NIOThreadPool` (the pool NIO's own file I/O uses) rather than an executor of our own: it is
/// well kept, and a job still queued when its request is cancelled never runs.
public enum BlockingWork {
    /// Four threads: a slow export or purge leaves room for the quick reads staff wait on. Started once and kept
    /// for the process's life, as the servers are.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// With `MIRROR_BLOCKING_WORK=inline` in the environment the work runs in the handler as it once did, for the
    /// benchmark that compares the two (`scripts/bench api`).
    static let inline = ProcessInfo.processInfo.environment["MIRROR_BLOCKING_WORK"] == "inline"

    /// Runs `work` on the pool and returns its result; the caller's task waits without holding a thread.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        if inline { return try work() }
        return try await pool.runIfActive(work)
    }
}
