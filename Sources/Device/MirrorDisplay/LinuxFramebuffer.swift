import CLinuxUAPI
import Foundation
public import MirrorCore
public import MirrorImaging
import Synchronization

/// A Linux framebuffer device (`/dev/fbN`), drawn through its memory map.
///
/// Geometry and pixel layout come from `FBIOGET_VSCREENINFO`/`FBIOGET_FSCREENINFO`, never from
/// assumptions (see the kernel's Documentation/fb/api.rst). When the virtual height holds two screens
/// the next frame is drawn off-screen and shown with `FBIOPAN_DISPLAY`; otherwise frames are copied in
/// one pass. The console is switched to graphics mode while the mirror owns the panel.
///
/// Sendable: the mapped memory (a raw pointer) is only touched under `access`; the rest is constant.
public final class LinuxFramebuffer: Framebuffer, @unchecked Sendable {
    public let path: String
    public let geometry: FramebufferGeometry
    /// The driver's name (`fix.id`), e.g. `bochs-drmdrmfb` or `Virtual FB`.
    public let driverName: String
    /// Whether frames are flipped by panning between two buffers.
    public let doubleBuffered: Bool
    /// Whether the driver waits for vertical blank (FBIO_WAITFORVSYNC); without it frames may tear.
    public let vsync: Bool
    private let fd: Int32
    private let memory: UnsafeMutableRawPointer
    private let length: Int
    private let access = Mutex(0)  // the buffer currently shown: 0 or 1
    private let console: ConsoleMode?
    private let variable: fb_var_screeninfo

    /// Opens `path` (`/dev/fb0`), or the device whose `/sys/class/graphics/fbN/name` is `name:<driver>`.
    public init(_ device: String, graphicsConsole: Bool = true) throws(DisplayError) {
        let path = try Self.resolve(device)
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw DisplayError(
                .open, "cannot open the framebuffer (is the panel connected, and mirrord in the video group?)",
                underlying: SystemCallError(call: "open", subject: path, errno: errno))
        }
        var variable = fb_var_screeninfo()
        var fixed = fb_fix_screeninfo()
        do {
            try systemCall("ioctl(FBIOGET_VSCREENINFO)", path) { ioctl(fd, UInt(FBIOGET_VSCREENINFO), &variable) }
            try systemCall("ioctl(FBIOGET_FSCREENINFO)", path) { ioctl(fd, UInt(FBIOGET_FSCREENINFO), &fixed) }
        } catch {
            close(fd)
            throw DisplayError(.open, "\(path) is not a framebuffer", underlying: error)
        }
        let layout = PixelLayout(
            bitsPerPixel: Int(variable.bits_per_pixel),
            red: .init(offset: Int(variable.red.offset), length: Int(variable.red.length)),
            green: .init(offset: Int(variable.green.offset), length: Int(variable.green.length)),
            blue: .init(offset: Int(variable.blue.offset), length: Int(variable.blue.length)))
        guard layout.isSupported else {
            close(fd)
            throw DisplayError(.layout, "\(path) uses pixel layout \(layout), which the mirror cannot draw")
        }
        let length = Int(fixed.smem_len)
        guard let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            close(fd)
            throw DisplayError(
                .open, "cannot map \(path)", underlying: SystemCallError(call: "mmap", subject: path, errno: errno))
        }
        let stride = Int(fixed.line_length)
        let height = Int(variable.yres)
        self.path = path
        self.fd = fd
        self.memory = mapped
        self.length = length
        self.variable = variable
        self.driverName = String(cTuple: fixed.id)
        self.geometry = FramebufferGeometry(
            width: Int(variable.xres), height: height, stride: stride, layout: layout)
        // Two screens fit: try to pan; drivers that cannot pan fail the ioctl and we copy instead.
        var canPan = false
        if Int(variable.yres_virtual) >= 2 * height && length >= 2 * height * stride && fixed.ypanstep > 0 {
            var probe = variable
            probe.yoffset = 0
            canPan = ioctl(fd, UInt(FBIOPAN_DISPLAY), &probe) == 0
        }
        self.doubleBuffered = canPan
        var zero: UInt32 = 0
        self.vsync = ioctl(fd, clinux_fbio_waitforvsync(), &zero) == 0
        self.console = graphicsConsole ? ConsoleMode.enterGraphics() : nil
    }

    deinit {
        console?.restore()
        munmap(memory, length)
        close(fd)
    }

    public var name: String { path }

    public var features: [String] {
        [
            doubleBuffered ? "double-buffered (pan)" : "single buffer (copy)", vsync ? "vsync" : "no vsync",
            console != nil ? "console in graphics mode" : "no console",
        ]
    }

    /// `/dev/fbN` for `name:<driver>` (matched against /sys/class/graphics/fbN/name), else `device` itself.
    static func resolve(_ device: String) throws(DisplayError) -> String {
        guard device.hasPrefix("name:") else { return device }
        let wanted = String(device.dropFirst(5))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/graphics")) ?? []
        var seen: [String] = []
        for entry in names.sorted() where entry.hasPrefix("fb") {
            let name =
                (try? String(contentsOfFile: "/sys/class/graphics/\(entry)/name", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            seen.append("\(entry)=\(name)")
            if name == wanted { return "/dev/\(entry)" }
        }
        throw DisplayError(
            .open, "no framebuffer named '\(wanted)' (found: \(seen.isEmpty ? "none" : seen.joined(separator: ", ")))")
    }

    public func show(_ canvas: PixelBuffer) {
        access.withLock { shown in
            let target = doubleBuffered ? 1 - shown : 0
            PixelPacking.pack(
                canvas, into: memory + target * geometry.height * geometry.stride, stride: geometry.stride,
                width: geometry.width, height: geometry.height, layout: geometry.layout)
            if doubleBuffered {
                var pan = variable
                pan.xoffset = 0
                pan.yoffset = UInt32(target * geometry.height)
                var zero: UInt32 = 0
                if vsync { _ = ioctl(fd, clinux_fbio_waitforvsync(), &zero) }
                if ioctl(fd, UInt(FBIOPAN_DISPLAY), &pan) == 0 { shown = target }
            }
        }
    }

    public func snapshot(into canvas: PixelBuffer) {
        access.withLock { shown in
            PixelPacking.unpack(
                memory + shown * geometry.height * geometry.stride, stride: geometry.stride, width: geometry.width,
                height: geometry.height, layout: geometry.layout, into: canvas)
        }
    }
}

/// Keeps the text console from drawing over the mirror (`KDSETMODE` on the active virtual terminal).
final class ConsoleMode: Sendable {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Switches to graphics mode; nil where there is no console to switch (no /dev/tty0, no permission).
    static func enterGraphics() -> ConsoleMode? {
        let fd = open("/dev/tty0", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard ioctl(fd, UInt(KDSETMODE), Int32(KD_GRAPHICS)) == 0 else {
            close(fd)
            return nil
        }
        // A crash must not leave the panel on a frozen picture with no console: see the shim.
        clinux_restore_console_on_crash(fd)
        return ConsoleMode(fd: fd)
    }

    func restore() {
        clinux_restore_console_on_crash(-1)
        _ = ioctl(fd, UInt(KDSETMODE), Int32(KD_TEXT))
        close(fd)
    }
}
