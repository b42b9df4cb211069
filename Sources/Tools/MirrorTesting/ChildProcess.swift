public import Foundation
import Synchronization

/// A program started by a test or a benchmark, whose standard output and error are read while it runs (a child that
/// writes more than a pipe holds, 64 KiB, would otherwise block until someone reads) and kept for the caller.
/// Killed when dropped.
public final class ChildProcess {
    public let process = Process()
    private let output: PipeCollector
    private let errors: PipeCollector

    /// Starts `executable` with `arguments`, this process's environment overlaid with `environment`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        output = PipeCollector(out.fileHandleForReading)
        errors = PipeCollector(err.fileHandleForReading)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// What the child printed on standard output so far.
    public var stdout: String { output.text }
    /// What the child printed on standard error so far.
    public var stderr: String { errors.text }
    /// The last complete line of standard output, if any.
    public var lastLine: Substring? { output.lastLine }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits until the child exits (at most `timeout`), and until everything it printed has been read; nil when it
    /// is still running.
    public func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard !process.isRunning else { return nil }
        process.waitUntilExit()
        await output.finished()
        await errors.finished()
        return process.terminationStatus
    }

    /// Stops the child with `signal` and waits for it (SIGKILL after `timeout`); its exit status.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async -> Int32 {
        guard process.isRunning else { return await exitStatus(within: .zero) ?? -1 }
        self.signal(signal)
        if let status = await exitStatus(within: timeout) { return status }
        self.signal(SIGKILL)
        return await exitStatus(within: .seconds(10)) ?? -1
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// What a child writes to one pipe, read by a thread of its own until the pipe closes: the child never waits on a
/// full pipe, and a test never blocks on a read (the pool its tasks share has two threads).
public final class PipeCollector: Sendable {
    private let state = Mutex((bytes: [UInt8](), handedOut: 0, closed: false))

    public init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                state.withLock { $0.bytes += chunk }
            }
            state.withLock { $0.closed = true }
        }
        thread.start()
    }

    /// Everything so far.
    public var text: String { String(decoding: state.withLock { $0.bytes }, as: UTF8.self) }

    /// What came since the last call.
    public func unread() -> String {
        state.withLock { state in
            defer { state.handedOut = state.bytes.count }
            return String(decoding: state.bytes[state.handedOut...], as: UTF8.self)
        }
    }

    /// The last complete line so far, if any.
    public var lastLine: Substring? {
        state.withLock { state -> Substring? in
            let bytes = state.bytes
            guard let end = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
            let start = bytes[..<end].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            return Substring(String(decoding: bytes[start..<end], as: UTF8.self))
        }
    }

    /// Returns once the pipe has closed (every writer, grandchildren included, exited), or after `timeout`.
    public func finished(timeout: Duration = .seconds(5)) async {
        let deadline = ContinuousClock.now + timeout
        while !state.withLock({ $0.closed }) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
