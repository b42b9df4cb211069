public import MirrorCore
public import MirrorImaging
import Synchronization

/// Why the display could not be used.
public enum DisplayErrorCode: String, Sendable {
    case open, layout, drawing
}

public typealias DisplayError = MirrorError<DisplayErrorCode>

/// The shape of a framebuffer's visible memory, as `FBIOGET_VSCREENINFO`/`FBIOGET_FSCREENINFO` give it.
public struct FramebufferGeometry: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Bytes per row, which may exceed `width × bytes per pixel`.
    public var stride: Int
    public var layout: PixelLayout

    public init(width: Int, height: Int, stride: Int, layout: PixelLayout) {
        self.width = width
        self.height = height
        self.stride = stride
        self.layout = layout
    }
}

/// Somewhere the mirror's picture goes: `/dev/fbN`, or a file shaped like one.
///
/// Implementations are shared between the display service (which writes) and the API (which reads
/// screenshots).
public protocol Framebuffer: AnyObject, Sendable {
    /// A device path, or `file:<path>`.
    var name: String { get }
    var geometry: FramebufferGeometry { get }
    /// Puts a finished canvas on the screen.
    func show(_ canvas: PixelBuffer)
    /// Reads back what the screen shows now, as XRGB8888.
    func snapshot(into canvas: PixelBuffer)
    /// How it shows frames, for `mirrorctl display info` (buffering, vsync, console).
    var features: [String] { get }
}

extension Framebuffer {
    public var features: [String] { ["file-backed (demo and tests)"] }
}

/// A framebuffer backed by a memory-mapped file: the demo's and the tests' panel, drawn by the same
/// code as `/dev/fb0` (same geometry, stride and bitfields).
///
/// Sendable: the mapped memory (a raw pointer) is only read or written under `access`.
public final class FileFramebuffer: Framebuffer, @unchecked Sendable {
    public let path: String
    public let geometry: FramebufferGeometry
    private let memory: UnsafeMutableRawPointer
    private let length: Int
    /// Serialises drawing and reading back, so a screenshot never shows half of two frames.
    private let access = Mutex(())

    /// Creates or reuses the file at `path`, sized to exactly one frame, and maps it.
    public init(path: String, width: Int, height: Int, layout: PixelLayout) throws(DisplayError) {
        guard layout.isSupported else {
            throw DisplayError(.layout, "pixel layout \(layout) is not supported (16 or 32 bits per pixel)")
        }
        let stride = width * layout.bytesPerPixel
        let length = stride * height
        let fd: Int32
        do {
            fd = try systemCall("open", path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        } catch {
            throw DisplayError(
                .open, "cannot open the framebuffer file (make its folder writable or change state_dir)",
                underlying: error)
        }
        defer { close(fd) }
        do {
            try systemCall("ftruncate", path) { ftruncate(fd, off_t(length)) }
        } catch {
            throw DisplayError(.open, "cannot size the framebuffer file to \(length) bytes", underlying: error)
        }
        guard let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw DisplayError(
                .open, "cannot map the framebuffer file",
                underlying: SystemCallError(call: "mmap", subject: path, errno: errno))
        }
        self.path = path
        self.memory = mapped
        self.length = length
        self.geometry = FramebufferGeometry(width: width, height: height, stride: stride, layout: layout)
    }

    deinit { munmap(memory, length) }

    public var name: String { "file:\(path)" }

    public func show(_ canvas: PixelBuffer) {
        access.withLock { _ in
            PixelPacking.pack(
                canvas, into: memory, stride: geometry.stride, width: geometry.width, height: geometry.height,
                layout: geometry.layout)
        }
    }

    public func snapshot(into canvas: PixelBuffer) {
        access.withLock { _ in
            PixelPacking.unpack(
                memory, stride: geometry.stride, width: geometry.width, height: geometry.height,
                layout: geometry.layout, into: canvas)
        }
    }
}
