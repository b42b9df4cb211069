import CLinuxUAPI
import Foundation
import MirrorDisplay
import Synchronization
import Testing

extension HardwareTests {
    /// A virtual multitouch panel made with uinput: the kernel's input core delivers its events through
    /// /dev/input/eventN exactly as a real touch controller's.
    @Suite struct TouchInGuestTests {
        final class VirtualTouchPanel {
            let fd: Int32

            init() throws {
                fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK)
                guard fd >= 0 else { throw GuestError("open /dev/uinput: \(String(cString: strerror(errno)))") }
                for type in [EV_SYN, EV_KEY, EV_ABS] { _ = ioctl(fd, clinux_ui_set_evbit(), Int32(type)) }
                _ = ioctl(fd, clinux_ui_set_keybit(), Int32(BTN_TOUCH))
                _ = ioctl(fd, clinux_ui_set_propbit(), Int32(INPUT_PROP_DIRECT))
                for (code, maximum) in [
                    (ABS_MT_SLOT, 9), (ABS_MT_TRACKING_ID, 65535), (ABS_MT_POSITION_X, 1079),
                    (ABS_MT_POSITION_Y, 1919),
                ] as [(Int32, Int32)] {
                    _ = ioctl(fd, clinux_ui_set_absbit(), code)
                    var axis = uinput_abs_setup()
                    axis.code = UInt16(code)
                    axis.absinfo.maximum = maximum
                    guard ioctl(fd, clinux_ui_abs_setup(), &axis) == 0 else { throw GuestError("UI_ABS_SETUP") }
                }
                var setup = uinput_setup()
                setup.id.bustype = UInt16(BUS_VIRTUAL)
                withUnsafeMutableBytes(of: &setup.name) { $0.copyBytes(from: Array("mirror test touch".utf8)) }
                guard ioctl(fd, clinux_ui_dev_setup(), &setup) == 0, ioctl(fd, clinux_ui_dev_create(), 0) == 0 else {
                    throw GuestError("uinput device not created: \(String(cString: strerror(errno)))")
                }
                Thread.sleep(forTimeInterval: 0.3)  // devtmpfs makes the event node
            }

            deinit {
                _ = ioctl(fd, clinux_ui_dev_destroy(), 0)
                close(fd)
            }

            func send(_ type: Int32, _ code: Int32, _ value: Int32) {
                var event = input_event()
                event.type = UInt16(type)
                event.code = UInt16(code)
                event.value = value
                _ = withUnsafeBytes(of: &event) { write(fd, $0.baseAddress, $0.count) }
            }

            func contact(from: (Int32, Int32), to: (Int32, Int32), steps: Int) {
                send(EV_ABS, ABS_MT_SLOT, 0)
                send(EV_ABS, ABS_MT_TRACKING_ID, 1)
                send(EV_ABS, ABS_MT_POSITION_X, from.0)
                send(EV_ABS, ABS_MT_POSITION_Y, from.1)
                send(EV_KEY, BTN_TOUCH, 1)
                send(EV_SYN, SYN_REPORT, 0)
                for step in 1...max(1, steps) {
                    Thread.sleep(forTimeInterval: 0.02)
                    send(EV_ABS, ABS_MT_POSITION_X, from.0 + (to.0 - from.0) * Int32(step) / Int32(max(1, steps)))
                    send(EV_ABS, ABS_MT_POSITION_Y, from.1 + (to.1 - from.1) * Int32(step) / Int32(max(1, steps)))
                    send(EV_SYN, SYN_REPORT, 0)
                }
                send(EV_ABS, ABS_MT_TRACKING_ID, -1)
                send(EV_KEY, BTN_TOUCH, 0)
                send(EV_SYN, SYN_REPORT, 0)
            }
        }

        @Test func tapsAndSwipesArriveThroughEvdev() throws {
            let panel = try VirtualTouchPanel()
            let nodes = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/input")) ?? []
            let devices = (try? String(contentsOfFile: "/proc/bus/input/devices", encoding: .utf8)) ?? ""
            let screen: TouchScreen
            do {
                screen = try TouchScreen(nil)  // found by capability, not by number
            } catch {
                Issue.record("\(error); /dev/input: \(nodes); devices: \(devices)")
                return
            }
            #expect(screen.name == "mirror test touch")
            let gestures = Mutex<[TouchGesture]>([])
            let reader = Thread { try? screen.run(rotation: 0) { gesture in gestures.withLock { $0.append(gesture) } } }
            reader.start()
            Thread.sleep(forTimeInterval: 0.2)
            panel.contact(from: (540, 480), to: (540, 480), steps: 1)
            Thread.sleep(forTimeInterval: 0.1)
            panel.contact(from: (900, 960), to: (100, 980), steps: 8)
            Thread.sleep(forTimeInterval: 0.5)
            screen.stop()
            Thread.sleep(forTimeInterval: 0.2)
            let seen = gestures.withLock { $0 }
            print("evdev touch: \(seen)")
            #expect(seen.count == 2 && seen.last == .swipeLeft)
            if case .tap(let x, let y) = seen.first {
                #expect(abs(x - 0.5) < 0.01 && abs(y - 0.25) < 0.01)
            } else {
                Issue.record("first gesture is not a tap: \(seen)")
            }
        }
    }
}
