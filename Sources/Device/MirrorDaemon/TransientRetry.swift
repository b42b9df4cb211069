import MirrorCore

/// Works through `items` with `attempt`, and tries again, after a wait that doubles from `firstWait` up to
/// `longestWait`, those that failed for want of a resource (``SystemCallError/isTransient``: the process ran out
/// of descriptors, say) until none is left or the task is cancelled; any other failure is final for its item.
/// `retrying` hears how many wait and why before each wait. Answers the items that failed for good, with why.
func retryingTransient<Item: Sendable>(
    _ items: [Item], firstWait: Duration = .seconds(2), longestWait: Duration = .seconds(60),
    sleep: (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
    retrying: (_ count: Int, _ wait: Duration, _ error: SystemCallError) -> Void = { _, _, _ in },
    _ attempt: (Item) async throws -> Void
) async -> [(item: Item, error: any Error)] {
    var pending = items
    var failed: [(item: Item, error: any Error)] = []
    var wait = firstWait
    while !pending.isEmpty, !Task.isCancelled {
        var again: [Item] = []
        var reason: SystemCallError?
        for item in pending {
            if Task.isCancelled { break }
            do {
                try await attempt(item)
            } catch let error as SystemCallError where error.isTransient {
                again.append(item)
                reason = error
            } catch {
                failed.append((item, error))
            }
        }
        guard let reason, !again.isEmpty else { break }
        retrying(again.count, wait, reason)
        do { try await sleep(wait) } catch { break }
        wait = min(wait * 2, longestWait)
        pending = again
    }
    return failed
}
