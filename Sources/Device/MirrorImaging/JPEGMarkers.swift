/// The facts of a JPEG image found by walking its markers, without decoding it.
public struct JPEGInfo: Sendable, Equatable {
    /// Bytes from SOI up to and including EOI; drivers pad MJPEG buffers past it.
    public var length: Int
    public var width: Int
    public var height: Int
    public var components: Int
    /// Each component's sampling factors as in the frame header: horizontal in the high nibble, vertical in
    /// the low one (0x22, 0x11, 0x11 for 4:2:0).
    public var sampling: [UInt8] = []
    /// The first component's (luma's) DC quantizer as the first scan uses it; 0 when no table was found.
    public var lumaDCQuantizer: Int = 0
    /// The frame header's marker, which names the coding process: 0xC0 baseline, 0xC1 extended, 0xC2
    /// progressive, 0xC3 lossless, 0xC5–0xC7 hierarchical, 0xC9–0xCF arithmetic-coded.
    public var frameMarker: UInt8 = 0xC0
    /// Bits per sample (8 for every camera the decoder reads; 12 or 16 for some).
    public var precision: Int = 8

    public init(
        length: Int, width: Int, height: Int, components: Int, sampling: [UInt8] = [], lumaDCQuantizer: Int = 0,
        frameMarker: UInt8 = 0xC0, precision: Int = 8
    ) {
        self.length = length
        self.width = width
        self.height = height
        self.components = components
        self.sampling = sampling
        self.lumaDCQuantizer = lumaDCQuantizer
        self.frameMarker = frameMarker
        self.precision = precision
    }

    /// Whether the decoders (libjpeg-turbo built for 8 bits) read this coding: 8-bit baseline, extended or
    /// progressive Huffman; nil when they do, else its name.
    public var unsupportedCoding: String? {
        let process: String? =
            switch frameMarker {
            case 0xC0, 0xC1, 0xC2: nil
            case 0xC3: "lossless"
            case 0xC5, 0xC6, 0xC7: "hierarchical"
            default: "arithmetic-coded"
            }
        if let process { return "\(process) JPEG (SOF\(frameMarker - 0xC0))" }
        return precision == 8 ? nil : "\(precision)-bit JPEG"
    }
}

/// Checks a JPEG cheaply (SOI, segment lengths, a frame header, a scan, EOI) before any decoder sees it.
///
/// Walks the marker structure by hand: libjpeg-turbo has no validate-only call, and decoding to
/// find out whether a frame is whole would cost a full decode on the capture path.
public enum JPEGMarkers {
    /// The image at the start of `bytes`, or why it is not a whole JPEG.
    public static func inspect(_ bytes: UnsafeRawBufferPointer) -> Result<JPEGInfo, ImagingError> {
        let count = bytes.count
        func fail(_ why: String) -> Result<JPEGInfo, ImagingError> { .failure(ImagingError(.invalidJPEG, why)) }
        guard count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return fail("no start-of-image marker") }
        var index = 2
        var width = 0
        var height = 0
        var components = 0
        var sampling: [UInt8] = []
        var lumaTable = -1
        var dcQuantizers = [Int](repeating: 0, count: 4)
        var lumaDCQuantizer = 0
        var frameMarker: UInt8 = 0
        var precision = 8
        var sawScan = false
        while true {
            guard index < count else { return fail("truncated after \(count) bytes (no end-of-image marker)") }
            guard bytes[index] == 0xFF else { return fail("expected a marker at byte \(index)") }
            while index < count && bytes[index] == 0xFF { index += 1 }  // fill bytes
            guard index < count else { return fail("truncated inside a marker") }
            let marker = bytes[index]
            index += 1
            switch marker {
            case 0xD9:  // EOI
                guard width > 0, height > 0 else { return fail("no frame header before end of image") }
                guard sawScan else { return fail("no image data (no scan) before end of image") }
                return .success(
                    JPEGInfo(
                        length: index, width: width, height: height, components: components, sampling: sampling,
                        lumaDCQuantizer: lumaDCQuantizer, frameMarker: frameMarker, precision: precision))
            case 0x01, 0xD0...0xD7:  // TEM, RSTn: no length
                continue
            case 0x00, 0xD8:
                return fail("unexpected marker 0x\(String(marker, radix: 16, uppercase: true)) at byte \(index - 1)")
            default:
                guard index + 2 <= count else { return fail("truncated segment header") }
                let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
                guard length >= 2, index + length <= count else { return fail("truncated segment at byte \(index)") }
                if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {  // SOFn
                    guard length >= 8 else { return fail("short frame header") }
                    frameMarker = marker
                    precision = Int(bytes[index + 2])
                    height = Int(bytes[index + 3]) << 8 | Int(bytes[index + 4])
                    width = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                    components = Int(bytes[index + 7])
                    guard width > 0, height > 0, (1...4).contains(components), length >= 8 + 3 * components else {
                        return fail("frame header with size \(width)x\(height), \(components) components")
                    }
                    sampling = (0..<components).map { bytes[index + 9 + 3 * $0] }
                    lumaTable = Int(bytes[index + 10] & 0x03)
                }
                if marker == 0xDB {  // DQT: one or more tables, each a precision/id byte and 64 entries
                    var table = index + 2
                    while table < index + length {
                        let wide = bytes[table] >> 4 != 0
                        let end = table + 1 + (wide ? 128 : 64)
                        guard end <= index + length else { return fail("short quantization table") }
                        dcQuantizers[Int(bytes[table] & 0x03)] =
                            wide ? Int(bytes[table + 1]) << 8 | Int(bytes[table + 2]) : Int(bytes[table + 1])
                        table = end
                    }
                }
                if marker == 0xDA, !sawScan, lumaTable >= 0 { lumaDCQuantizer = dcQuantizers[lumaTable] }
                index += length
                if marker == 0xDA {  // SOS: entropy-coded data follows up to the next real marker
                    guard width > 0 else { return fail("scan before frame header") }
                    sawScan = true
                    while index + 1 < count {
                        if bytes[index] == 0xFF {
                            let next = bytes[index + 1]
                            if next == 0x00 || (0xD0...0xD7).contains(next) {
                                index += 2
                                continue
                            }
                            if next != 0xFF { break }
                        }
                        index += 1
                    }
                    guard index + 1 < count else { return fail("truncated inside image data") }
                }
            }
        }
    }

    /// Splits a concatenated MJPEG stream (JPEG after JPEG, as `ffmpeg -f mjpeg` writes) into images.
    ///
    /// Bytes between images are skipped; a damaged image is reported with its offset.
    public static func split(_ bytes: UnsafeRawBufferPointer) -> (frames: [Range<Int>], damaged: [Int]) {
        var frames: [Range<Int>] = []
        var damaged: [Int] = []
        var offset = 0
        while offset + 1 < bytes.count {
            guard bytes[offset] == 0xFF, bytes[offset + 1] == 0xD8 else {
                offset += 1
                continue
            }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch inspect(rest) {
            case .success(let info):
                frames.append(offset..<(offset + info.length))
                offset += info.length
            case .failure:
                damaged.append(offset)
                offset += 2
            }
        }
        return (frames, damaged)
    }
}
