import Crypto
import Foundation
import Logging
import MirrorAPI
import MirrorConfig
import MirrorCore
import MirrorImaging
import MirrorRecorder
import MirrorSession
import MirrorStore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The clip library: start-up reconciliation, consents, saved looks and earlier looks, playback, share
/// links, the end of a session and exports.
extension ClipRecorder {
    // MARK: Start-up reconciliation

    /// Makes the disk and the database agree after a crash: partial clips are recovered or removed,
    /// orphan files deleted, rows without a file dropped, sessions left open are ended.
    func reconcile() throws {
        do {
            let ended = try store.endOpenSessions()
            let files = Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            let found = try store.reconcile(filesOnDisk: files)
            for file in found.orphanFiles {
                unlink("\(folder)/\(file)")
            }
            if !found.rowsWithoutFile.isEmpty { try store.deleteClips(found.rowsWithoutFile.map(\.id)) }
            var recovered = 0
            var removed = 0
            for clip in found.partialRows {
                let partial = "\(folder)/\(clip.file).partial"
                let path = "\(folder)/\(clip.file)"
                do {
                    let key = try deviceKey.unwrap(Array(clip.wrappedKey))
                    let frames =
                        FileManager.default.fileExists(atPath: partial)
                        ? try EncryptedClip.recover(partial, to: path, key: key) : 0
                    if frames > 0 {
                        try store.markReady(clip.id, frames: frames, bytes: fileSize(path))
                        recovered += 1
                    } else {
                        unlink(partial)
                        try store.deleteClip(clip.id)
                        removed += 1
                    }
                } catch {
                    logger.warning(
                        "clip could not be recovered; removed", metadata: ["clip": "\(clip.id)", "error": "\(error)"])
                    unlink(partial)
                    unlink(path)
                    try store.deleteClip(clip.id)
                    removed += 1
                }
            }
            let summary =
                "sessions ended \(ended.count), clips recovered \(recovered), removed \(removed), "
                + "orphan files \(found.orphanFiles.count), rows without file \(found.rowsWithoutFile.count)"
            if recovered + removed + found.orphanFiles.count + found.rowsWithoutFile.count > 0 {
                try store.audit(actor: .system, action: .reconcile, detail: summary)
                logger.notice("recorder: start-up reconciliation", metadata: ["result": "\(summary)"])
            }
        } catch {
            throw DaemonError(.cannotStart, "recorder: \(error)")
        }
    }

    // MARK: SessionRecorder

    func recordConsent(session: String, accepted: Bool) throws {
        try consent(.record, granted: accepted, session: session)
        event(.consentAnswered, session: session, detail: accepted ? "granted" : "declined")
    }

    func note(_ kind: SessionEventKind, session: String) { event(kind, session: session) }

    func rate(_ face: Int, session: String) {
        do {
            try store.addEvent(SessionEventRecord(sessionId: session, kind: .rated, sku: nil, rating: face))
        } catch {
            logger.error("rating not stored", metadata: ["error": "\(error)"])
        }
    }

    /// A session event for the hub's figures; one that cannot be stored is logged, never fails the visit.
    func event(_ kind: SessionEventKind, session: String, detail: String = "") {
        do {
            try store.addEvent(SessionEventRecord(sessionId: session, kind: kind, sku: nil, detail: detail))
        } catch {
            logger.error("session event not stored", metadata: ["kind": "\(kind.rawValue)", "error": "\(error)"])
        }
    }

    /// The shopper's agreement that staff may export this session's clips.
    func recordShare(session: String) throws {
        try consent(.share, granted: true, session: session)
    }

    func saveLook(session: String, number: Int, loyaltyId: String, garments: [String]) throws -> String {
        guard let clipID = clipID(session: session, number: number) else {
            throw DaemonError(.refused, "no clip \(number) in this session")
        }
        // Six digits, shown once on the glass; the store keeps it salted and hashed, the log never sees it.
        let code = String(format: "%06d", Int.random(in: 0..<1_000_000))
        try store.saveLook(clipID, loyaltyId: loyaltyId, garments: garments, code: code)
        event(.lookSaved, session: session)
        logger.info("look saved to the shopper's profile", metadata: ["clip": "\(clipID)"])
        return code
    }

    func earlierLooks(session: String, loyaltyId: String) -> Int {
        do {
            return try store.earlierLookCount(loyaltyId: loyaltyId, excludingSession: session)
        } catch {
            logger.error("saved looks not readable", metadata: ["error": "\(error)"])
            return 0
        }
    }

    func openEarlierLook(session: String, loyaltyId: String, code: String) throws -> LookCodeOutcome {
        let outcome = try store.openEarlierLook(loyaltyId: loyaltyId, code: code, excludingSession: session)
        switch outcome {
        case .opened(let look):
            try store.audit(
                actor: .shopper, action: .view, clipID: look.clipID,
                detail: "saved look opened with its code at a later visit")
        case .locked:
            logger.warning("saved look codes locked after wrong tries", metadata: ["session": "\(session)"])
        case .wrong: break
        }
        return outcome
    }

    func pickLook(session: String, look: String, picked: Bool) throws {
        try store.addEvent(
            SessionEventRecord(
                sessionId: session, kind: picked ? .favouriteLook : .unfavouriteLook, sku: nil, detail: look))
    }

    /// Stores a consent decision given on the mirror; the session's row is made on its first decision.
    func consent(_ kind: ConsentKind, granted: Bool, session: String) throws {
        if try store.session(session) == nil { try store.startSession(id: session) }
        try store.recordConsent(session: session, kind: kind, granted: granted, source: "mirror")
    }
    /// The id of clip `number` of `session`, while the session lasts.
    func clipID(session: String, number: Int) -> String? { numbered.withLock { $0[session]?[number] } }

    /// Clip `id` opened for a share link; nil when it is gone or its shopper did not agree to share it.
    func sharedLook(_ id: String, what: String) -> SharedClip? {
        do {
            guard let clip = try store.clip(id), clip.state == .ready,
                try store.consents(session: clip.sessionId).last(where: { $0.kind == .share })?.granted == true
            else { return nil }
            let key = try deviceKey.unwrap(Array(clip.wrappedKey))
            let reader = try EncryptedClip.open(path: "\(folder)/\(clip.file)", key: key)
            try store.audit(actor: .shopper, action: .export, clipID: id, detail: "share link: \(what) on a phone")
            return SharedClip(reader: reader)
        } catch {
            logger.error("shared look cannot be opened", metadata: ["clip": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    func playback(session: String, number: Int) -> (any PlayableClip)? {
        guard let clipID = numbered.withLock({ $0[session]?[number] }) else { return nil }
        return playback(clipID: clipID)
    }

    func playback(clipID: String) -> (any PlayableClip)? {
        do {
            guard let clip = try store.clip(clipID), clip.state == .ready else { return nil }
            let key = try deviceKey.unwrap(Array(clip.wrappedKey))
            let reader = try EncryptedClip.open(path: "\(folder)/\(clip.file)", key: key)
            let turn = try store.turn(clip: clipID)
            let alignment = turn.flatMap { $0.complete ? TurnAlignment(phases: $0.phases) : nil }
            try store.audit(actor: .shopper, action: .view, clipID: clipID, detail: "played on the mirror")
            return ClipPlayback(reader: reader, start: .now(), alignment: alignment)
        } catch {
            logger.error("clip cannot be played", metadata: ["clip": "\(clipID)", "error": "\(error)"])
            return nil
        }
    }

    func deleteLooks(session: String, numbers: [Int]) throws -> Int {
        let ids = Set(numbers.compactMap { clipID(session: session, number: $0) })
        let clips = try store.clips(session: session).filter { ids.contains($0.id) && !$0.saved }
        try delete(clips, action: .purge, actor: .shopper, detail: "deleted by the shopper on the mirror")
        numbered.withLock { table in
            for number in numbers { table[session]?.removeValue(forKey: number) }
        }
        return clips.count
    }

    func endSession(_ session: String, erase: Visit.Erase) {
        numbered.withLock { _ = $0.removeValue(forKey: session) }
        do {
            guard try store.session(session) != nil else { return }
            try store.endSession(session)
            guard erase != .keep else { return }
            let clips = try store.clips(session: session)
            switch erase {
            case .keep: break
            case .unsaved:
                try delete(
                    clips.filter { !$0.saved }, action: .purge, actor: .shopper,
                    detail: "consent withdrawn; looks saved to the profile kept")
            case .all:
                try delete(clips, action: .purge, actor: .shopper, detail: "consent withdrawn, saved looks too")
            }
        } catch {
            logger.error("session end not stored", metadata: ["session": "\(session)", "error": "\(error)"])
        }
    }

    /// Clip `id` as a plain MJPEG AVI made while it is sent, decrypted frame by frame; refused without the
    /// shopper's share consent, and refused whole (before anything is sent) when it does not decrypt.
    func export(_ id: String) throws -> AVIStream {
        guard let clip = try store.clip(id) else { throw LocalAPIError.clipNotFound(id) }
        let shared = try store.consents(session: clip.sessionId).last { $0.kind == .share }?.granted ?? false
        guard shared else {
            try store.audit(actor: .staff, action: .export, clipID: id, detail: "refused: no share consent")
            throw DaemonError(.refused, "the shopper has not agreed to share clip \(id); it cannot be exported")
        }
        let key = try deviceKey.unwrap(Array(clip.wrappedKey))
        let stream = try AVIStream(reader: try EncryptedClip.open(path: "\(folder)/\(clip.file)", key: key))
        try stream.verify()
        try store.audit(
            actor: .staff, action: .export, clipID: id, detail: "\(stream.frameCount) frames sent to mirrorctl")
        return stream
    }

    /// mirrorctl could not write the clip it was sent (a full disk, say): the audit says so beside the export, so
    /// it never reads as a file that exists somewhere.
    func exportNotWritten(_ id: String, reason: String) throws {
        guard try store.clip(id) != nil else { throw LocalAPIError.clipNotFound(id) }
        try store.audit(
            actor: .staff, action: .export, clipID: id, detail: "not written at the destination: \(reason.prefix(300))")
    }
}
