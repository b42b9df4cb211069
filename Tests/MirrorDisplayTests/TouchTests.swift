import CLinuxUAPI
import MirrorDisplay
import Testing

/// Kernel-style event sequences for one finger (protocol B), fed to the recognizer.
private struct Finger {
    var recognizer: TouchRecognizer
    var time = 0.0
    var gestures: [TouchGesture] = []

    init(rotation: Int = 0) {
        recognizer = TouchRecognizer(
            x: .init(minimum: 0, maximum: 1000), y: .init(minimum: 0, maximum: 2000), rotation: rotation)
    }

    mutating func send(_ type: Int32, _ code: Int32, _ value: Int32) {
        if let gesture = recognizer.handle(type: UInt16(type), code: UInt16(code), value: value, time: time) {
            gestures.append(gesture)
        }
    }

    mutating func down(_ x: Int32, _ y: Int32, slot: Int32 = 0, id: Int32 = 7) {
        send(EV_ABS, ABS_MT_SLOT, slot)
        send(EV_ABS, ABS_MT_TRACKING_ID, id)
        send(EV_ABS, ABS_MT_POSITION_X, x)
        send(EV_ABS, ABS_MT_POSITION_Y, y)
        send(EV_SYN, SYN_REPORT, 0)
    }

    mutating func move(_ x: Int32, _ y: Int32, after seconds: Double) {
        time += seconds
        send(EV_ABS, ABS_MT_POSITION_X, x)
        send(EV_ABS, ABS_MT_POSITION_Y, y)
        send(EV_SYN, SYN_REPORT, 0)
    }

    mutating func up(after seconds: Double, slot: Int32 = 0) {
        time += seconds
        send(EV_ABS, ABS_MT_SLOT, slot)
        send(EV_ABS, ABS_MT_TRACKING_ID, -1)
        send(EV_SYN, SYN_REPORT, 0)
    }
}

@Suite struct TouchTests {
    @Test func quickStillContactIsATapAtItsPosition() {
        var finger = Finger()
        finger.down(250, 1500)
        finger.up(after: 0.1)
        #expect(finger.gestures == [.tap(x: 0.25, y: 0.75)])
    }

    @Test func longPressOrDragIsNotATap() {
        var finger = Finger()
        finger.down(500, 1000)
        finger.up(after: 1.2)
        finger.down(500, 1000)
        finger.move(500, 1400, after: 0.1)
        finger.up(after: 0.1)
        #expect(finger.gestures.isEmpty)
    }

    @Test func horizontalMovesAreSwipes() {
        var finger = Finger()
        finger.down(800, 1000)
        finger.move(500, 1050, after: 0.1)
        finger.move(200, 1100, after: 0.1)
        finger.up(after: 0.05)
        finger.down(100, 1000)
        finger.move(700, 1000, after: 0.2)
        finger.up(after: 0.05)
        #expect(finger.gestures == [.swipeLeft, .swipeRight])
    }

    @Test func sensorRotationIsUndone() {
        // A sensor mounted a quarter turn clockwise: its +y runs along the picture's -x.
        var finger = Finger(rotation: 90)
        finger.down(500, 1800)
        finger.move(500, 200, after: 0.2)
        finger.up(after: 0.05)
        #expect(finger.gestures == [.swipeRight])
    }

    @Test func secondFingerAndDroppedEventsAreIgnored() {
        var finger = Finger()
        finger.down(250, 1500)
        finger.down(900, 100, slot: 1, id: 8)
        finger.up(after: 0.05, slot: 1)
        finger.up(after: 0.05)
        #expect(finger.gestures == [.tap(x: 0.25, y: 0.75)])
        finger.down(250, 1500)
        finger.send(EV_SYN, SYN_DROPPED, 0)
        finger.up(after: 0.05)
        #expect(finger.gestures.count == 1, "the contact broken by SYN_DROPPED gives nothing")
    }
}
