import GRDB
public import MirrorCore

/// Why the device database refused or failed an operation.
public enum StoreErrorCode: String, Sendable {
    /// The state directory or the database file cannot be created or opened.
    case io
    /// The file is not a database, or SQLite found it damaged.
    case corrupt
    /// The database was written by a newer version of this software.
    case schemaTooNew
    /// SQLite failed for another reason (disk full, read-only file system, ...).
    case database
    /// No session or clip has that id.
    case notFound
    /// The shopper has not granted (or has withdrawn) the consent the operation needs.
    case noConsent
    /// The session has ended; it can no longer record or grant anything.
    case sessionEnded
    /// The clip is not in the state the operation expects.
    case invalidState
    /// An argument is out of range.
    case invalidArgument
}

/// The error thrown by ``DeviceStore``.
public typealias StoreError = MirrorError<StoreErrorCode>

extension StoreError {
    /// Wraps anything thrown inside a database access: store errors pass through, SQLite errors are explained.
    static func wrapping(_ error: any Error, while action: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else {
            return StoreError(.database, "cannot \(action): \(error)")
        }
        switch error.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(
                .corrupt,
                "cannot \(action): the device database is damaged; stop the daemon, move mirror.sqlite aside "
                    + "and restart (clips it listed cannot be decrypted any more and should be deleted)",
                underlying: error)
        case .SQLITE_FULL:
            return StoreError(
                .database, "cannot \(action): the disk is full; free space in the state directory", underlying: error)
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_IOERR:
            return StoreError(
                .io, "cannot \(action): check that the state directory is writable and its disk healthy",
                underlying: error)
        default:
            return StoreError(.database, "cannot \(action)", underlying: error)
        }
    }
}
