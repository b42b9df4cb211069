import Foundation
import MirrorCore
import MirrorDisplay
import MirrorImaging
import Testing

/// The mirror drawn on the guest's real framebuffer, read back through the device file (not through
/// the code under test) and compared pixel for pixel. scripts/test runs this suite once with
/// bochs-drm (XRGB8888) and once with vfb (XBGR8888, red and blue swapped).
extension HardwareTests {
    @Suite struct FramebufferTests {
        /// What the guest was started with (scripts/vm/run --fb), passed as MIRROR_VM_FB.
        static let kind = ProcessInfo.processInfo.environment["MIRROR_VM_FB"] ?? "bochs"

        @Test func panelGeometryAndLayoutComeFromTheDriver() throws {
            let framebuffer = try LinuxFramebuffer("/dev/fb0", graphicsConsole: false)
            #expect(framebuffer.geometry.width == 1080 && framebuffer.geometry.height == 1920)
            #expect(framebuffer.geometry.stride >= 1080 * 4)
            switch Self.kind {
            case "vfb":
                #expect(framebuffer.driverName == "Virtual FB")
                #expect(framebuffer.geometry.layout == .xbgr8888)
            default:
                #expect(framebuffer.driverName == "bochs-drmdrmfb")
                #expect(framebuffer.geometry.layout == .xrgb8888)
            }
            let byName = try LinuxFramebuffer("name:\(framebuffer.driverName)", graphicsConsole: false)
            #expect(byName.path == "/dev/fb0")
        }

        @Test func mirrorFrameOnThePanelMatchesTheCanvas() throws {
            let framebuffer = try LinuxFramebuffer("/dev/fb0", graphicsConsole: false)
            let geometry = framebuffer.geometry
            // A camera frame with a distinct colour per quadrant, so channel order and mirroring both show.
            let frame = PixelBuffer(width: 64, height: 64)
            for y in 0..<64 {
                for x in 0..<64 {
                    let colour: UInt32 = y < 32 ? (x < 32 ? 0xE0_1020 : 0x10_E020) : (x < 32 ? 0x20_10E0 : 0xF0_F0F0)
                    frame.base.storeBytes(of: colour, toByteOffset: y * frame.stride + x * 4, as: UInt32.self)
                }
            }
            let renderer = MirrorRenderer(width: geometry.width, height: geometry.height, rotation: 0, mirror: true)
            renderer.drawLive(frame, overlay: .init())
            framebuffer.show(renderer.canvas.pixels)

            // Read the visible screen back with plain read(2) at the panned offset.
            let screen = try Self.readVisible(geometry: geometry)
            let expectedLayout: PixelLayout = Self.kind == "vfb" ? .xbgr8888 : .xrgb8888
            var mismatches = 0
            for y in stride(from: 0, to: geometry.height, by: 7) {
                for x in stride(from: 0, to: geometry.width, by: 5) {
                    let raw = screen.withUnsafeBytes {
                        $0.load(fromByteOffset: y * geometry.stride + x * 4, as: UInt32.self)
                    }
                    let red = (raw >> UInt32(expectedLayout.red.offset)) & 0xFF
                    let green = (raw >> UInt32(expectedLayout.green.offset)) & 0xFF
                    let blue = (raw >> UInt32(expectedLayout.blue.offset)) & 0xFF
                    let want = renderer.canvas.pixels.pixel(x: x, y: y)
                    if red << 16 | green << 8 | blue != want & 0xFF_FFFF { mismatches += 1 }
                }
            }
            print(
                "fb0 \(Self.kind): \(geometry.width)x\(geometry.height) \(geometry.layout), mismatched samples: \(mismatches)"
            )
            #expect(mismatches == 0)
            // Mirrored: the camera's left (red-ish) quadrant is on the panel's right.
            let right = renderer.canvas.pixels.pixel(x: geometry.width - 40, y: 300) & 0xFF_FFFF
            #expect(right >> 16 > 0xB0, "top right of the panel shows the camera's top left")
        }

        /// The visible screen: the pan offset from FBIOGET_VSCREENINFO via sysfs, then read(2) of the device.
        static func readVisible(geometry: FramebufferGeometry) throws -> [UInt8] {
            let pan = (try? String(contentsOfFile: "/sys/class/graphics/fb0/pan", encoding: .utf8)) ?? "0,0"
            let yOffset =
                Int(pan.split(separator: ",").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
            let fd = open("/dev/fb0", O_RDONLY)
            guard fd >= 0 else { throw GuestError("open /dev/fb0: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var bytes = [UInt8](repeating: 0, count: geometry.stride * geometry.height)
            let got = bytes.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress, $0.count, off_t(yOffset * geometry.stride))
            }
            guard got == bytes.count else { throw GuestError("read /dev/fb0: got \(got) bytes") }
            return bytes
        }
    }
}
