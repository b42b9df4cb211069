public import Crypto
import Foundation
public import MirrorCore

/// The encrypted clip container: a byte stream sealed in independently authenticated AES-GCM chunks.
///
/// Layout (integers little-endian):
/// - file header, 24 bytes: magic `MCLP`, version 1, 3 zero bytes, a random 4-byte file id, the head
///   length (u32), and an 8-byte key check (HMAC-SHA256 of the first 16 bytes, so a wrong key is told apart
///   from a damaged chunk);
/// - chunks, each: plaintext length (u32), generation (u8), flags (u8, bit 0 = final), 2 zero bytes, the
///   ciphertext, and the 16-byte GCM tag.
///
/// Chunk 0 is the head (the AVI header); it is written with generation 0 and rewritten once, in place, with
/// generation 1 when the clip is finished. Later chunks hold at most ``chunkSize`` bytes and always have
/// generation 0; a finished file ends with a chunk flagged final. Chunks are sealed with a key derived from
/// the clip key and the file id (HKDF-SHA256); the nonce is file id ‖ chunk index ‖ generation, so no
/// (key, nonce) pair repeats, and the additional data is the first 16 header bytes ‖ chunk index ‖ length ‖
/// generation ‖ final flag, so truncation, reordering, swapping and rolling back the head are all detected.
public enum ClipCipher {
    /// The largest plaintext of a chunk after the head.
    public static let chunkSize = 64 * 1024
    static let magic = Array("MCLP".utf8)
    static let version: UInt8 = 1
    static let headerSize = 24
    static let chunkHeaderSize = 8
    static let tagSize = 16

    /// The per-file chunk key and the key check.
    struct Keys {
        let chunks: SymmetricKey
        let check: [UInt8]

        init(clipKey: SymmetricKey, header: ArraySlice<UInt8>) {
            let fileID = header[header.startIndex + 8..<header.startIndex + 12]
            chunks = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: clipKey, salt: Array(fileID), info: Array("mirror clip chunks v1".utf8),
                outputByteCount: 32)
            let checkKey = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: clipKey, salt: Array(fileID), info: Array("mirror clip key check v1".utf8),
                outputByteCount: 32)
            check = Array(HMAC<SHA256>.authenticationCode(for: Array(header.prefix(16)), using: checkKey).prefix(8))
        }
    }

    static func nonce(fileID: ArraySlice<UInt8>, index: UInt32, generation: UInt8) -> AES.GCM.Nonce {
        var bytes = Array(fileID)
        bytes += withUnsafeBytes(of: index.bigEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(generation).bigEndian, Array.init)
        return try! AES.GCM.Nonce(data: bytes)  // 12 bytes: always valid
    }

    static func additionalData(
        header: ArraySlice<UInt8>, index: UInt32, length: Int, generation: UInt8, final: Bool
    ) -> [UInt8] {
        var bytes = Array(header.prefix(16))
        bytes += withUnsafeBytes(of: index.littleEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(length).littleEndian, Array.init)
        bytes += [generation, final ? 1 : 0]
        return bytes
    }

    static func u32(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt32 {
        let at = bytes.startIndex + offset
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
            | UInt32(bytes[at + 3]) << 24
    }

    static func le32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian, Array.init) }
}

/// Writes a byte stream as an encrypted clip container (see ``ClipCipher``).
///
/// The file is `path + ".partial"` until ``finish(head:)``. Bytes are sealed in chunks of
/// ``ClipCipher/chunkSize`` as they accumulate and on ``flush()``, so a killed process loses only what came
/// after the last flush; ``EncryptedClip/recover(_:to:key:)`` turns such a partial file into a clip.
public final class EncryptedClipWriter: ClipSink {
    public let path: String
    public let temporaryPath: String
    /// The random id of this file, part of every nonce.
    public let fileID: UInt32
    private let clipKey: SymmetricKey
    private let file: RawFile
    private var header: [UInt8] = []
    private var keys: ClipCipher.Keys?
    private var buffer: [UInt8] = []
    private var nextIndex: UInt32 = 0
    private var position = 0
    private var finished = false

    /// Creates `temporaryPath` (by default `path + ".partial"`) for a clip sealed under `key`; `avoiding` is a
    /// file id not to reuse.
    public init(
        path: String, key: SymmetricKey, temporaryPath: String? = nil, avoiding: UInt32? = nil
    ) throws(RecorderError) {
        guard key.bitCount == 256 else {
            throw RecorderError(.crypto, "a clip key must be 256 bits, not \(key.bitCount)")
        }
        self.path = path
        self.temporaryPath = temporaryPath ?? path + ".partial"
        clipKey = key
        var id = UInt32.random(in: .min ... .max)
        while id == avoiding { id = UInt32.random(in: .min ... .max) }
        fileID = id
        file = try RawFile(creating: self.temporaryPath, mode: 0o600)
    }

    /// Appends bytes; the first call's bytes become the head chunk and are written at once.
    public func write(_ bytes: [UInt8]) throws(RecorderError) {
        precondition(!finished, "write after finish")
        guard keys != nil else {
            try start(head: bytes)
            return
        }
        buffer += bytes
        while buffer.count >= ClipCipher.chunkSize {
            try seal(Array(buffer.prefix(ClipCipher.chunkSize)), final: false)
            buffer.removeFirst(ClipCipher.chunkSize)
        }
    }

    /// Seals what is buffered as a (short) chunk, so a killed process keeps it.
    public func flush() throws(RecorderError) {
        precondition(!finished, "flush after finish")
        guard keys != nil, !buffer.isEmpty else { return }
        try seal(buffer, final: false)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Seals the rest as the final chunk, rewrites the head (generation 1), fsyncs, renames, fsyncs the folder.
    public func finish(head: [UInt8]) throws(RecorderError) {
        precondition(!finished, "finish twice")
        guard keys != nil, head.count == Int(ClipCipher.u32(header[...], 12)) else {
            throw RecorderError(.io, "cannot finish \(temporaryPath): the new head is not the size of the old one")
        }
        finished = true
        try seal(buffer, final: true)
        buffer = []
        try file.sync()  // the tail is on disk before the head says the clip is whole
        try file.write(sealed(head, index: 0, generation: 1, final: false), at: ClipCipher.headerSize)
        try file.sync()
        file.close()
        try Durable.rename(temporaryPath, to: path)
    }

    private func start(head: [UInt8]) throws(RecorderError) {
        header = ClipCipher.magic + [ClipCipher.version, 0, 0, 0]
        header += withUnsafeBytes(of: fileID.littleEndian, Array.init)
        header += ClipCipher.le32(head.count)
        let keys = ClipCipher.Keys(clipKey: clipKey, header: header[...])
        self.keys = keys
        header += keys.check
        try file.write(header, at: 0)
        position = header.count
        try seal(head, final: false)
    }

    private func seal(_ plaintext: [UInt8], final: Bool) throws(RecorderError) {
        let record = try sealed(plaintext, index: nextIndex, generation: 0, final: final)
        try file.write(record, at: position)
        position += record.count
        nextIndex += 1
    }

    private func sealed(_ plaintext: [UInt8], index: UInt32, generation: UInt8, final: Bool) throws(RecorderError)
        -> [UInt8]
    {
        guard let keys, index < UInt32.max else {
            throw RecorderError(.crypto, "cannot seal chunk \(index) of \(temporaryPath)")
        }
        let nonce = ClipCipher.nonce(fileID: header[8..<12], index: index, generation: generation)
        let aad = ClipCipher.additionalData(
            header: header[...], index: index, length: plaintext.count, generation: generation, final: final)
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(plaintext, using: keys.chunks, nonce: nonce, authenticating: aad)
        } catch {
            throw RecorderError(.crypto, "cannot seal chunk \(index) of \(temporaryPath)", underlying: error)
        }
        var record = ClipCipher.le32(plaintext.count) + [generation, final ? 1 : 0, 0, 0]
        record += box.ciphertext
        record += box.tag
        return record
    }
}

/// Reads the plaintext of an encrypted clip container, decrypting only the chunks a read touches.
///
/// Opening scans the chunk headers (not the contents) to map plaintext offsets to chunks and checks the
/// head and final chunks; every other chunk is authenticated when first read, and a damaged one is reported
/// by number. At most two decrypted chunks are kept.
public final class EncryptedClipReader: ClipSource {
    /// Where one chunk lies in the file and in the plaintext.
    public struct Chunk: Sendable, Equatable {
        /// The chunk's bytes in the file, header and tag included.
        public var fileRange: Range<Int>
        /// The plaintext bytes it holds.
        public var plainRange: Range<Int>
        public var generation: UInt8
        public var isFinal: Bool
    }

    public var name: String { path }
    public let path: String
    /// The random id of this file, part of every nonce.
    public let fileID: UInt32
    /// Whether the file ends with its final chunk and its head was rewritten (a finished clip).
    public private(set) var isFinished = false
    /// The chunks that can be read: all of them for a finished clip, the authenticated prefix of a partial one.
    public private(set) var chunks: [Chunk] = []
    public private(set) var length = 0
    private let file: RawFile
    private let header: [UInt8]
    private let keys: ClipCipher.Keys
    private var cache: [(index: Int, plain: [UInt8])] = []

    /// Opens a clip sealed under `key`.
    ///
    /// Without `partial`, the file must be a finished clip. With `partial` (recovering after a crash), the
    /// readable part is the leading chunks that authenticate; a torn or damaged chunk ends it.
    public init(path: String, key: SymmetricKey, partial: Bool = false) throws(RecorderError) {
        self.path = path
        file = try RawFile(reading: path)
        let size = try file.size()
        let header = try file.read(at: 0, count: ClipCipher.headerSize)
        if header.count < ClipCipher.headerSize,
            header.starts(with: ClipCipher.magic) || ClipCipher.magic.starts(with: header)
        {
            throw RecorderError(.truncated, "\(path) ends inside its header: nothing of the clip was written")
        }
        guard header.starts(with: ClipCipher.magic) else {
            throw RecorderError(.invalidClip, "\(path) is not an encrypted clip (no MCLP header)")
        }
        guard header[4] == ClipCipher.version else {
            throw RecorderError(
                .invalidClip, "\(path) is an encrypted clip of version \(header[4]); this build reads version 1")
        }
        self.header = header
        keys = ClipCipher.Keys(clipKey: key, header: header[...])
        guard keys.check == Array(header[16..<24]) else {
            throw RecorderError(
                .crypto, "wrong clip key for \(path) (or its header is damaged): use the key stored with this clip")
        }
        fileID = ClipCipher.u32(header[...], 8)
        let headLength = Int(ClipCipher.u32(header[...], 12))

        // Map the chunks from their headers alone.
        var found: [Chunk] = []
        var offset = ClipCipher.headerSize
        var plain = 0
        var sawFinal = false
        scan: while offset < size {
            let index = found.count
            let fields = try file.read(at: offset, count: ClipCipher.chunkHeaderSize)
            let damage: String?
            let count = fields.count == 8 ? Int(ClipCipher.u32(fields[...], 0)) : 0
            if fields.count < 8 {
                damage = "ends inside the header of chunk \(index)"
            } else if fields[6] != 0 || fields[7] != 0 || fields[5] & ~1 != 0 || fields[4] > 1
                || (fields[4] == 1 && index != 0) || (index == 0 ? count != headLength : count > ClipCipher.chunkSize)
            {
                damage = "has a damaged header for chunk \(index) at byte \(offset)"
            } else if offset + 8 + count + ClipCipher.tagSize > size {
                damage = "ends inside chunk \(index)"
            } else {
                damage = nil
            }
            if let damage {
                if partial { break scan }
                guard damage.hasPrefix("ends") else {
                    throw RecorderError(.corrupt, "\(path) \(damage): the clip is damaged; recover or delete it")
                }
                throw RecorderError(.truncated, "\(path) \(damage): the clip was cut short; recover it before playing")
            }
            let end = offset + 8 + count + ClipCipher.tagSize
            found.append(
                Chunk(
                    fileRange: offset..<end, plainRange: plain..<(plain + count), generation: fields[4],
                    isFinal: fields[5] & 1 == 1))
            plain += count
            offset = end
            if fields[5] & 1 == 1 {
                sawFinal = true
                break scan
            }
        }
        chunks = found
        length = plain

        if partial {
            // Keep the leading chunks that authenticate; drop the rest.
            var good = 0
            for index in found.indices {
                guard (try? decrypt(index)) != nil else { break }
                good = index + 1
            }
            isFinished = sawFinal && good == found.count && offset == size && found[0].generation == 1
            chunks = Array(found.prefix(good))
            length = chunks.last?.plainRange.upperBound ?? 0
            cache = []
            return
        }
        guard sawFinal else {
            throw RecorderError(
                .truncated, "\(path) has no final chunk: the clip was cut short; recover it before playing")
        }
        guard offset == size else {
            throw RecorderError(.corrupt, "\(path) has \(size - offset) bytes after its final chunk: it is damaged")
        }
        guard found[0].generation == 1 else {
            throw RecorderError(
                .corrupt, "\(path) has the head of an unfinished clip: it is damaged or was tampered with")
        }
        isFinished = true
        _ = try plaintext(of: 0)
        _ = try plaintext(of: found.count - 1)  // proves the final flag, so truncation cannot pass
    }

    public func read(offset: Int, count: Int) throws(RecorderError) -> [UInt8] {
        let end = min(length, offset + max(0, count))
        guard offset >= 0, offset < end else { return [] }
        var result: [UInt8] = []
        result.reserveCapacity(end - offset)
        var index = chunkIndex(containing: offset)
        var at = offset
        while at < end {
            let chunk = chunks[index]
            let plain = try plaintext(of: index)
            let from = at - chunk.plainRange.lowerBound
            let to = min(end, chunk.plainRange.upperBound) - chunk.plainRange.lowerBound
            result += plain[from..<to]
            at = chunk.plainRange.lowerBound + to
            index += 1
        }
        return result
    }

    private func chunkIndex(containing offset: Int) -> Int {
        var low = 0
        var high = chunks.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if chunks[middle].plainRange.lowerBound <= offset { low = middle } else { high = middle - 1 }
        }
        // Skip empty chunks (a flush with nothing new, or an empty final chunk) that share a start.
        while low < chunks.count - 1, chunks[low].plainRange.upperBound <= offset { low += 1 }
        return low
    }

    private func plaintext(of index: Int) throws(RecorderError) -> [UInt8] {
        if let hit = cache.first(where: { $0.index == index }) { return hit.plain }
        let plain = try decrypt(index)
        cache.append((index, plain))
        if cache.count > 2 { cache.removeFirst() }
        return plain
    }

    private func decrypt(_ index: Int) throws(RecorderError) -> [UInt8] {
        let chunk = chunks.indices.contains(index) ? chunks[index] : nil
        guard let chunk else { throw RecorderError(.corrupt, "\(path) has no chunk \(index)") }
        let sealed = try file.read(at: chunk.fileRange.lowerBound + 8, count: chunk.fileRange.count - 8)
        let count = chunk.plainRange.count
        let nonce = ClipCipher.nonce(fileID: header[8..<12], index: UInt32(index), generation: chunk.generation)
        let aad = ClipCipher.additionalData(
            header: header[...], index: UInt32(index), length: count, generation: chunk.generation,
            final: chunk.isFinal)
        do {
            guard sealed.count == count + ClipCipher.tagSize else { throw RecorderError(.truncated, "short read") }
            let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: sealed[..<count], tag: sealed[count...])
            return Array(try AES.GCM.open(box, using: keys.chunks, authenticating: aad))
        } catch {
            throw RecorderError(
                .crypto,
                "chunk \(index) of \(path) (bytes \(chunk.fileRange.lowerBound)..<\(chunk.fileRange.upperBound)) "
                    + "failed authentication: the clip is damaged or was tampered with; recover or delete it")
        }
    }
}
