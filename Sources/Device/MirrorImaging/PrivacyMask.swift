import CJPEG
public import MirrorCore
import Synchronization

/// Blacks out the profile's mask zones in camera frames before anything else sees them: display, vision,
/// pre-roll and recording all take frames from the bus after this, so nothing masked is shown, analysed,
/// encoded or stored.
///
/// MJPEG frames are masked in the DCT domain with libjpeg-turbo's lossless transform (`tjTransform` and its
/// coefficient callback): the entropy-coded data is decoded to coefficients and written again, with every
/// 8×8 block that touches a zone replaced by a flat black one (luma) or a flat neutral one (chroma). That
/// costs about what a decode and re-encode would (entropy coding dominates; `scripts/bench mask`), but leaves
/// every other block bit-exact, with no second generation of JPEG loss. Chroma blocks are
/// neutralised one chroma sample beyond the zone because decoders interpolate chroma from the neighbouring
/// sample; luma blocks are independent. YUYV frames are masked in place.
///
/// Sendable: the TurboJPEG handle is only used under the lock (the capture loop is its one user in practice).
public final class PrivacyMasker: @unchecked Sendable {
    public let zones: [MaskZone]
    private let handle: tjhandle
    private let lock = Mutex(())

    public init(zones: [MaskZone]) throws(ImagingError) {
        guard let handle = tjInitTransform() else { throw ImagingError(.outOfMemory, "tjInitTransform failed") }
        self.handle = handle
        self.zones = zones
    }

    deinit { tjDestroy(handle) }

    /// `frame` with its zones blacked out. A frame that cannot be masked throws: it must not be passed on.
    public func apply(_ frame: Frame) throws(ImagingError) -> Frame {
        guard !zones.isEmpty else { return frame }
        var masked = frame
        switch frame.format {
        case .yuyv: masked.bytes = try maskYUYV(frame, rects(width: frame.width, height: frame.height))
        case .mjpeg: masked.bytes = try lock.withLock { _ throws(ImagingError) in try maskJPEG(frame) }
        }
        return masked
    }

    private func rects(width: Int, height: Int) -> [PixelRect] {
        zones.map { $0.pixels(width: width, height: height) }.filter { !$0.isEmpty }
    }

    private func maskYUYV(_ frame: Frame, _ rects: [PixelRect]) throws(ImagingError) -> FrameBytes {
        let rowBytes = max(frame.stride, frame.width * 2)
        var bytes = frame.bytes.array
        guard frame.width > 0, frame.width % 2 == 0, frame.height > 0,
            bytes.count >= rowBytes * (frame.height - 1) + frame.width * 2
        else {
            throw ImagingError(
                .invalidJPEG, "YUYV frame of \(frame.width)x\(frame.height) in \(bytes.count) bytes cannot be masked")
        }
        for rect in rects {
            // Whole Y0 U Y1 V pairs: the pair's chroma is shared, so a half-covered pair is covered.
            let first = rect.left / 2
            let last = (rect.right + 1) / 2
            for y in rect.top..<rect.bottom {
                for pair in first..<last {
                    let at = y * rowBytes + pair * 4
                    bytes[at] = 16  // limited-range black
                    bytes[at + 1] = 128
                    bytes[at + 2] = 16
                    bytes[at + 3] = 128
                }
            }
        }
        return FrameBytes(bytes)
    }

    private func maskJPEG(_ frame: Frame) throws(ImagingError) -> FrameBytes {
        let info = try frame.bytes.withUnsafeBytes { JPEGMarkers.inspect($0) }.get()
        guard info.width <= 8192, info.height <= 8192 else {
            throw ImagingError(.tooLarge, "image of \(info.width)x\(info.height) exceeds 8192x8192")
        }
        // The zones in the image's own size, whatever the frame claims: a camera that sends another size
        // than it negotiated is still masked where the zones are.
        let rects = rects(width: info.width, height: info.height)
        guard info.lumaDCQuantizer > 0, !info.sampling.isEmpty else {
            throw ImagingError(.invalidJPEG, "no quantization table for the image's first component")
        }
        let maxH = Int(info.sampling.map { $0 >> 4 }.max()!)
        let maxV = Int(info.sampling.map { $0 & 0x0F }.max()!)
        // Whole ratios only (every camera's 4:4:4, 4:2:2, 4:2:0): a zone then maps exactly onto each plane.
        guard
            info.sampling.allSatisfy({
                let h = Int($0 >> 4)
                let v = Int($0 & 0x0F)
                return (1...4).contains(h) && (1...4).contains(v) && maxH % h == 0 && maxV % v == 0
            })
        else {
            throw ImagingError(.invalidJPEG, "chroma sampling the mask cannot map exactly")
        }
        var context = MaskContext(
            rects: rects,
            factors: info.sampling.map { (maxH / Int($0 >> 4), maxV / Int($0 & 0x0F)) },
            // The quantized DC that takes a flat luma block to at most 0 after the decoder adds 128 back:
            // DC × Q / 8 ≤ −128, and no further (decoders wrap values far out of range).
            lumaBlack: Int16(-((1024 + info.lumaDCQuantizer - 1) / info.lumaDCQuantizer)))
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize: UInt = 0
        defer { if let output { tjFree(output) } }
        let status = withUnsafeMutablePointer(to: &context) { pointer in
            var transform = tjtransform()
            transform.op = Int32(TJXOP_NONE.rawValue)
            // No markers copied: EXIF and other application data from the camera go nowhere.
            transform.options = TJXOPT_COPYNONE
            transform.data = UnsafeMutableRawPointer(pointer)
            transform.customFilter = maskBlocks
            return frame.bytes.withUnsafeBytes { bytes in
                tjTransform(
                    handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(info.length), 1, &output,
                    &outputSize, &transform, 0)
            }
        }
        // A warning (e.g. extraneous bytes before a marker, common from UVC cameras) still produced a whole
        // image, and every coefficient array of it passed through the callback.
        let usable = status == 0 || tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
        guard usable, let output else {
            throw ImagingError(.codec, "cannot mask the frame: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return FrameBytes(Array(UnsafeBufferPointer(start: output, count: Int(outputSize))))
    }
}

/// What the coefficient callback needs, passed through `tjtransform.data`.
private struct MaskContext {
    var rects: [PixelRect]
    /// Per component, how many image pixels one of its samples spans (2, 2 for 4:2:0 chroma).
    var factors: [(Int, Int)]
    var lumaBlack: Int16
}

/// libjpeg-turbo calls this for each component's coefficient arrays; it flattens the blocks that touch a zone.
private func maskBlocks(
    _ coefficients: UnsafeMutablePointer<Int16>?, _ array: tjregion, _ plane: tjregion, _ component: Int32,
    _ transformIndex: Int32, _ transform: UnsafeMutablePointer<tjtransform>?
) -> Int32 {
    guard let coefficients, let data = transform?.pointee.data else { return -1 }
    let context = data.assumingMemoryBound(to: MaskContext.self).pointee
    let index = Int(component)
    guard index < context.factors.count else { return -1 }
    let (fx, fy) = context.factors[index]
    let luma = index == 0
    // Chroma one sample wider on each side: decoders interpolate each pixel's chroma from its neighbours.
    let margin = luma ? 0 : 1
    let blocksPerRow = Int(array.w) / 8
    let blockRows = Int(array.h) / 8
    for rect in context.rects {
        // The zone in this component's samples, rounded outwards, then in blocks of this array.
        let left = rect.left / fx - margin
        let right = (rect.right + fx - 1) / fx + margin
        let top = rect.top / fy - margin - Int(array.y)
        let bottom = (rect.bottom + fy - 1) / fy + margin - Int(array.y)
        let firstColumn = max(0, (left - Int(array.x)) / 8)
        let lastColumn = min(blocksPerRow - 1, (right - 1 - Int(array.x)) / 8)
        let firstRow = max(0, top >= 0 ? top / 8 : 0)
        let lastRow = min(blockRows - 1, bottom <= 0 ? -1 : (bottom - 1) / 8)
        guard firstColumn <= lastColumn, firstRow <= lastRow else { continue }
        for row in firstRow...lastRow {
            for column in firstColumn...lastColumn {
                let block = coefficients + (row * blocksPerRow + column) * 64
                block.update(repeating: 0, count: 64)
                if luma { block[0] = context.lumaBlack }
            }
        }
    }
    return 0
}
