import CJPEG

/// The DCT scaling a decode can apply for free: libjpeg-turbo skips the detail it will not output.
public enum JPEGScale: Int, Sendable, CaseIterable {
    case full = 1
    case half = 2
    case quarter = 4
    case eighth = 8

    /// The output size for an image of `size` (rounded up, as libjpeg does).
    public func scaled(_ size: Int) -> Int { (size + rawValue - 1) / rawValue }
}

/// Decodes JPEG (camera MJPEG frames) into a reusable ``PixelBuffer`` with libjpeg-turbo.
///
/// Not thread-safe: each consumer owns one.
public final class JPEGDecoder {
    private let handle: tjhandle

    public init() throws(ImagingError) {
        // tjInitDecompress: https://libjpeg-turbo.org/Documentation/Documentation (TurboJPEG C API)
        guard let handle = tjInitDecompress() else {
            throw ImagingError(.outOfMemory, "tjInitDecompress failed")
        }
        self.handle = handle
    }

    deinit { tjDestroy(handle) }

    /// Decodes `jpeg` at `scale` into `output`, resized to fit; returns the decoded size.
    ///
    /// The bytes are checked with ``JPEGMarkers`` first, so a truncated or damaged frame fails here
    /// with a clear reason and never reaches the decoder.
    @discardableResult
    public func decode(
        _ jpeg: UnsafeRawBufferPointer, into output: PixelBuffer, scale: JPEGScale = .full, fast: Bool = true
    ) throws(ImagingError) -> (width: Int, height: Int) {
        let info = try JPEGMarkers.inspect(jpeg).get()
        guard info.width <= 8192, info.height <= 8192 else {
            throw ImagingError(.tooLarge, "image of \(info.width)x\(info.height) exceeds 8192x8192")
        }
        let width = scale.scaled(info.width)
        let height = scale.scaled(info.height)
        output.reshape(width: width, height: height)
        let flags = (fast ? TJFLAG_FASTDCT : TJFLAG_ACCURATEDCT) | TJFLAG_NOREALLOC
        let source = jpeg.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let status = tjDecompress2(
            handle, source, UInt(info.length), output.base.assumingMemoryBound(to: UInt8.self),
            Int32(width), Int32(output.stride), Int32(height), Int32(TJPF_BGRX.rawValue), Int32(flags))
        if status != 0 {
            // Warnings (e.g. corrupt data the decoder could conceal) still produced an image.
            guard tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) else {
                throw ImagingError(.codec, String(cString: tjGetErrorStr2(handle)))
            }
        }
        return (width, height)
    }
}

/// How much colour detail a JPEG keeps: chroma samples per 2×2 pixels (4:4:4 all, 4:2:2 two, 4:2:0 one).
public enum JPEGSubsampling: Sendable, CaseIterable {
    case s444, s422, s420, gray

    var turbo: TJSAMP {
        switch self {
        case .s444: TJSAMP_444
        case .s422: TJSAMP_422
        case .s420: TJSAMP_420
        case .gray: TJSAMP_GRAY
        }
    }
}

/// Encodes images to JPEG with libjpeg-turbo, reusing its output buffer.
///
/// Not thread-safe: each worker owns one.
public final class JPEGEncoder {
    private let handle: tjhandle
    private let subsampling: TJSAMP
    private var buffer: UnsafeMutablePointer<UInt8>?
    private var bufferSize: UInt = 0

    /// An encoder writing `subsampling` chroma; 4:2:2 is what UVC cameras send.
    public init(subsampling: JPEGSubsampling = .s422) throws(ImagingError) {
        guard let handle = tjInitCompress() else { throw ImagingError(.outOfMemory, "tjInitCompress failed") }
        self.handle = handle
        self.subsampling = subsampling.turbo
    }

    deinit {
        if let buffer { tjFree(buffer) }
        tjDestroy(handle)
    }

    /// Encodes `image` as baseline JPEG at `quality` 1…100.
    ///
    /// `body` sees the encoded bytes only during the call; the buffer is reused by the next encode.
    public func encode<R>(
        _ image: PixelBuffer, quality: Int = 85, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        precondition((1...100).contains(quality))
        let needed = tjBufSize(Int32(image.width), Int32(image.height), Int32(subsampling.rawValue))
        if needed > bufferSize {
            if let buffer { tjFree(buffer) }
            buffer = tjAlloc(Int32(needed))
            guard buffer != nil else { throw ImagingError(.outOfMemory, "tjAlloc(\(needed)) failed") }
            bufferSize = needed
        }
        var output = buffer
        var size = bufferSize
        let status = tjCompress2(
            handle, image.base.assumingMemoryBound(to: UInt8.self), Int32(image.width), Int32(image.stride),
            Int32(image.height), Int32(TJPF_BGRX.rawValue), &output, &size, Int32(subsampling.rawValue),
            Int32(quality), TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT)
        guard status == 0 else { throw ImagingError(.codec, String(cString: tjGetErrorStr2(handle))) }
        return try body(UnsafeRawBufferPointer(start: output, count: Int(size)))
    }

    /// Encodes `image` and returns a copy of the bytes.
    public func encode(_ image: PixelBuffer, quality: Int = 85) throws -> [UInt8] {
        try encode(image, quality: quality) { Array($0) }
    }
}
