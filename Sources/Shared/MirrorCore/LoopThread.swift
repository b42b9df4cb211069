import Foundation

/// A task executor that is one thread of its own, for a loop that works on every camera frame (compose,
/// recognise, record, read codes).
///
/// Swift's cooperative pool has one thread per core: two on a mirror. A frame loop running there holds one of
/// them for as long as it computes, so the local API's handlers, sync and the timers queue behind inference
/// and composing. On a thread of its own the loop competes with them through the kernel's scheduler instead,
/// which time-slices, and the pool stays free for short work. Written here because the standard library has
/// no thread-backed executor and NIO's event loops are meant for non-blocking I/O, not for computing.
public final class LoopThread: TaskExecutor, @unchecked Sendable {
    // Sendable: `jobs` and `stopping` are only touched under `condition`. A condition variable rather than
    // `Mutex` (the project's lock everywhere else): this thread must sleep until a job arrives, and `Mutex`
    // has no wait.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    public init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once the jobs already queued have run.
    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Runs `body` (and the child tasks it starts) on a thread of its own named `name`; the thread ends with
    /// it. With `MIRROR_FRAME_LOOPS=shared` in the environment `body` runs on the shared pool as before, for
    /// the benchmark that compares the two (`scripts/bench api`).
    public static func run<T, Failure: Error>(
        _ name: String, isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        if ProcessInfo.processInfo.environment["MIRROR_FRAME_LOOPS"] == "shared" { return try await body() }
        let thread = LoopThread(name: name)
        defer { thread.stop() }
        return try await withTaskExecutorPreference(thread, isolation: isolation, operation: body)
    }
}
