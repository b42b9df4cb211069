import CV4L2
public import MirrorCore

/// An open V4L2 video node, driven through libv4l2. Owned by one thread at a time.
///
/// Each method wraps one or a few `VIDIOC_*` ioctls; see the kernel's V4L2 API documentation
/// (Documentation/userspace-api/media/v4l/).
public final class V4L2Device {
    public let path: String
    public let capabilities: V4L2Capabilities
    let fd: Int32
    private var buffers: [(pointer: UnsafeMutableRawPointer, length: Int)] = []
    private var streaming = false
    private(set) var format: StreamFormat?
    private(set) var bytesPerLine = 0

    /// Opens `path` (a `/dev/videoN` node or a `/dev/v4l/by-id|by-path` link) and checks it can capture.
    public static func open(_ path: String) throws(CaptureError) -> V4L2Device {
        let fd = cv4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw openError(path, errno) }
        let device = V4L2Device(path: path, fd: fd, capabilities: try Self.query(fd, path: path))
        guard device.capabilities.isCapture else {
            throw CaptureError(
                .unsupported,
                "\(path) (\(device.capabilities.card), driver \(device.capabilities.driver)) is not a video capture "
                    + "device (choose another node: mirrorctl camera list)")
        }
        guard device.capabilities.canStream else {
            throw CaptureError(.unsupported, "\(path) cannot stream with mmap buffers")
        }
        return device
    }

    /// What the node at `path` is, whether or not it captures.
    public static func capabilities(of path: String) throws(CaptureError) -> V4L2Capabilities {
        let fd = cv4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw openError(path, errno) }
        let capabilities = try query(fd, path: path)
        v4l2_close(fd)
        return capabilities
    }

    /// libv4l2 queries the node while opening it, so a node that is not V4L2 fails here with ENOTTY.
    private static func openError(_ path: String, _ code: Int32) -> CaptureError {
        let error = SystemCallError(call: "open", subject: path, errno: code)
        switch code {
        case ENOTTY, EINVAL: return CaptureError(.unsupported, "\(path) is not a V4L2 device", underlying: error)
        case ENOENT, ENODEV, ENXIO: return CaptureError(.notFound, "cannot open camera", underlying: error)
        default: return CaptureError(.io, "cannot open camera", underlying: error)
        }
    }

    private init(path: String, fd: Int32, capabilities: V4L2Capabilities) {
        self.path = path
        self.fd = fd
        self.capabilities = capabilities
    }

    deinit {
        stopStreaming()
        v4l2_close(fd)
    }

    /// Runs one ioctl, retrying `EINTR`.
    func ioctl<T>(_ name: String, _ request: UInt, _ argument: inout T) throws(SystemCallError) {
        let fd = self.fd
        try systemCall("ioctl(\(name))", path) {
            withUnsafeMutablePointer(to: &argument) { cv4l2_ioctl(fd, request, $0) }
        }
    }

    private static func query(_ fd: Int32, path: String) throws(CaptureError) -> V4L2Capabilities {
        var caps = v4l2_capability()
        do {
            try systemCall("ioctl(VIDIOC_QUERYCAP)", path) {
                withUnsafeMutablePointer(to: &caps) { cv4l2_ioctl(fd, cv4l2_querycap(), $0) }
            }
        } catch {
            v4l2_close(fd)
            throw CaptureError(.unsupported, "\(path) is not a V4L2 device", underlying: error)
        }
        let flags = caps.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? caps.device_caps : caps.capabilities
        return V4L2Capabilities(
            path: path, driver: String(cTuple: caps.driver), card: String(cTuple: caps.card),
            busInfo: String(cTuple: caps.bus_info),
            isCapture: flags & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0, canStream: flags & UInt32(V4L2_CAP_STREAMING) != 0)
    }

    // MARK: Formats

    /// The camera's own formats (libv4l2's emulated conversions left out), sizes and rates.
    public func formats() throws(CaptureError) -> [V4L2FormatDescription] {
        var result: [V4L2FormatDescription] = []
        var index: UInt32 = 0
        while true {
            var description = v4l2_fmtdesc()
            description.index = index
            description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            do { try ioctl("VIDIOC_ENUM_FMT", cv4l2_enum_fmt(), &description) } catch { break }
            index += 1
            if description.flags & UInt32(V4L2_FMT_FLAG_EMULATED) != 0 { continue }
            result.append(
                V4L2FormatDescription(
                    fourcc: fourccString(description.pixelformat), description: String(cTuple: description.description),
                    compressed: description.flags & UInt32(V4L2_FMT_FLAG_COMPRESSED) != 0,
                    sizes: sizes(description.pixelformat)))
        }
        return result
    }

    private func sizes(_ pixelFormat: UInt32) -> [V4L2FormatDescription.Size] {
        var result: [V4L2FormatDescription.Size] = []
        var index: UInt32 = 0
        while true {
            var size = v4l2_frmsizeenum()
            size.index = index
            size.pixel_format = pixelFormat
            do { try ioctl("VIDIOC_ENUM_FRAMESIZES", cv4l2_enum_framesizes(), &size) } catch { break }
            index += 1
            if size.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
                let width = Int(size.discrete.width)
                let height = Int(size.discrete.height)
                result.append(
                    .init(width: width, height: height, fps: rates(pixelFormat, width: width, height: height)))
            } else {
                // Stepwise or continuous: list the largest, which is what profiles ask for.
                let width = Int(size.stepwise.max_width)
                let height = Int(size.stepwise.max_height)
                result.append(
                    .init(width: width, height: height, fps: rates(pixelFormat, width: width, height: height)))
                break
            }
        }
        return result
    }

    private func rates(_ pixelFormat: UInt32, width: Int, height: Int) -> [Double] {
        var result: [Double] = []
        var index: UInt32 = 0
        while index < 64 {
            var interval = v4l2_frmivalenum()
            interval.index = index
            interval.pixel_format = pixelFormat
            interval.width = UInt32(width)
            interval.height = UInt32(height)
            do { try ioctl("VIDIOC_ENUM_FRAMEINTERVALS", cv4l2_enum_frameintervals(), &interval) } catch { break }
            index += 1
            let fraction =
                interval.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue ? interval.discrete : interval.stepwise.min
            if fraction.numerator > 0 {
                result.append((Double(fraction.denominator) / Double(fraction.numerator) * 100).rounded() / 100)
            }
            if interval.type != V4L2_FRMIVAL_TYPE_DISCRETE.rawValue { break }
        }
        return result
    }

    /// Sets the first preference the camera offers, and its frame rate (`VIDIOC_S_PARM`; vivid and many UVC
    /// cameras otherwise keep a slow default). Returns what the driver granted.
    public func negotiate(_ preferences: [FormatPreference]) throws(CaptureError) -> StreamFormat {
        let offered = try formats()
        for preference in preferences {
            guard let format = offered.first(where: { $0.fourcc == preference.fourcc }),
                format.sizes.contains(where: { $0.width >= preference.width && $0.height >= preference.height })
            else { continue }
            var wanted = v4l2_format()
            wanted.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            wanted.fmt.pix.width = UInt32(preference.width)
            wanted.fmt.pix.height = UInt32(preference.height)
            wanted.fmt.pix.pixelformat = fourccCode(preference.fourcc)
            wanted.fmt.pix.field = V4L2_FIELD_NONE.rawValue
            do {
                try ioctl("VIDIOC_S_FMT", cv4l2_s_fmt(), &wanted)
            } catch {
                throw CaptureError(
                    error.errno == ENODEV ? .disconnected : .io, "cannot set \(preference)", underlying: error)
            }
            guard fourccString(wanted.fmt.pix.pixelformat) == preference.fourcc,
                Int(wanted.fmt.pix.width) == preference.width, Int(wanted.fmt.pix.height) == preference.height
            else { continue }
            guard let pixelFormat = PixelFormat(fourcc: preference.fourcc) else { continue }
            var parameters = v4l2_streamparm()
            parameters.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            parameters.parm.capture.timeperframe = v4l2_fract(
                numerator: 1000, denominator: UInt32(preference.fps * 1000))
            try? ioctl("VIDIOC_S_PARM", cv4l2_s_parm(), &parameters)
            var granted = v4l2_streamparm()
            granted.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            var fps = preference.fps
            if (try? ioctl("VIDIOC_G_PARM", cv4l2_g_parm(), &granted)) != nil,
                granted.parm.capture.timeperframe.numerator > 0
            {
                let fraction = granted.parm.capture.timeperframe
                fps = (Double(fraction.denominator) / Double(fraction.numerator) * 100).rounded() / 100
            }
            let stream = StreamFormat(
                format: pixelFormat, width: preference.width, height: preference.height, fps: fps)
            self.format = stream
            bytesPerLine = Int(wanted.fmt.pix.bytesperline)
            return stream
        }
        let list = offered.flatMap { format in format.sizes.map { "\(format.fourcc) \($0.width)x\($0.height)" } }
        throw CaptureError(
            .unsupported,
            "\(path) offers none of \(preferences.map(\.description).joined(separator: ", ")); it offers "
                + list.prefix(12).joined(separator: ", ") + " (edit the profile's camera.formats)")
    }

    // MARK: Streaming

    /// Allocates `count` mmap buffers, queues them and starts streaming.
    public func startStreaming(buffers count: Int) throws(CaptureError) {
        guard format != nil else { throw CaptureError(.io, "negotiate a format before streaming") }
        do {
            var request = v4l2_requestbuffers()
            request.count = UInt32(count)
            request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            request.memory = V4L2_MEMORY_MMAP.rawValue
            try ioctl("VIDIOC_REQBUFS", cv4l2_reqbufs(), &request)
            guard request.count >= 2 else { throw CaptureError(.io, "\(path) granted only \(request.count) buffers") }
            for index in 0..<request.count {
                var buffer = v4l2_buffer()
                buffer.index = index
                buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
                buffer.memory = V4L2_MEMORY_MMAP.rawValue
                try ioctl("VIDIOC_QUERYBUF", cv4l2_querybuf(), &buffer)
                let length = Int(buffer.length)
                guard
                    let pointer = v4l2_mmap(
                        nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, Int64(buffer.m.offset)),
                    pointer != MAP_FAILED
                else {
                    throw SystemCallError(call: "mmap", subject: path, errno: errno)
                }
                buffers.append((pointer, length))
                try ioctl("VIDIOC_QBUF", cv4l2_qbuf(), &buffer)
            }
            var type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            try ioctl("VIDIOC_STREAMON", cv4l2_streamon(), &type)
            streaming = true
        } catch let error as CaptureError {
            stopStreaming()
            throw error
        } catch {
            stopStreaming()
            throw CaptureError(.io, "cannot start streaming from \(path)", underlying: error as? SystemCallError)
        }
    }

    /// Waits up to `timeout` for a frame; calls `body` with its bytes (valid only during the call), its
    /// sequence number and kernel timestamp, then gives the buffer back to the driver. Returns false on timeout.
    ///
    /// An unplugged camera ends in ``CaptureError/Code/disconnected``.
    public func nextFrame(
        timeout: Duration, _ body: (UnsafeRawBufferPointer, _ sequence: UInt64, _ timestamp: MonotonicInstant) -> Void
    ) throws(CaptureError) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 {
            if errno == EINTR { return false }
            throw CaptureError(
                .io, "poll failed", underlying: SystemCallError(call: "poll", subject: path, errno: errno))
        }
        if ready == 0 { return false }
        if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && descriptor.revents & Int16(POLLIN) == 0 {
            throw CaptureError(.disconnected, "\(path) went away (poll error)")
        }
        var buffer = v4l2_buffer()
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        do {
            try ioctl("VIDIOC_DQBUF", cv4l2_dqbuf(), &buffer)
        } catch {
            if error.errno == EAGAIN { return false }
            throw CaptureError(
                error.errno == ENODEV || error.errno == EIO ? .disconnected : .io, "\(path) stopped delivering frames",
                underlying: error)
        }
        let slot = buffers[Int(buffer.index)]
        let used = min(Int(buffer.bytesused), slot.length)
        let timestamp = MonotonicInstant(
            nanoseconds: UInt64(buffer.timestamp.tv_sec) * 1_000_000_000 + UInt64(buffer.timestamp.tv_usec) * 1000)
        if buffer.flags & UInt32(V4L2_BUF_FLAG_ERROR) == 0 {
            body(UnsafeRawBufferPointer(start: slot.pointer, count: used), UInt64(buffer.sequence), timestamp)
        }
        do {
            try ioctl("VIDIOC_QBUF", cv4l2_qbuf(), &buffer)
        } catch {
            throw CaptureError(
                error.errno == ENODEV ? .disconnected : .io, "cannot requeue a buffer on \(path)", underlying: error)
        }
        return true
    }

    /// Stops streaming and frees the buffers; safe to call twice, and after an unplug.
    public func stopStreaming() {
        if streaming {
            var type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            try? ioctl("VIDIOC_STREAMOFF", cv4l2_streamoff(), &type)
            streaming = false
        }
        for buffer in buffers { v4l2_munmap(buffer.pointer, buffer.length) }
        if !buffers.isEmpty {
            buffers.removeAll()
            var request = v4l2_requestbuffers()
            request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            request.memory = V4L2_MEMORY_MMAP.rawValue
            try? ioctl("VIDIOC_REQBUFS", cv4l2_reqbufs(), &request)
        }
    }

    // MARK: Controls

    /// Every control the camera has, with its range and current value.
    public func controls() -> [CameraControl] {
        var result: [CameraControl] = []
        var query = v4l2_queryctrl()
        query.id = UInt32(V4L2_CTRL_FLAG_NEXT_CTRL)
        while (try? ioctl("VIDIOC_QUERYCTRL", cv4l2_queryctrl(), &query)) != nil {
            defer { query.id |= UInt32(V4L2_CTRL_FLAG_NEXT_CTRL) }
            if query.flags & UInt32(V4L2_CTRL_FLAG_DISABLED) != 0 { continue }
            let kind: String
            switch v4l2_ctrl_type(query.type) {
            case V4L2_CTRL_TYPE_INTEGER: kind = "integer"
            case V4L2_CTRL_TYPE_BOOLEAN: kind = "boolean"
            case V4L2_CTRL_TYPE_MENU: kind = "menu"
            case V4L2_CTRL_TYPE_INTEGER_MENU: kind = "integer-menu"
            case V4L2_CTRL_TYPE_BUTTON: kind = "button"
            default: continue  // classes, strings and compound controls are not camera settings
            }
            var control = CameraControl(
                name: Self.key(String(cTuple: query.name)), label: String(cTuple: query.name), id: query.id, type: kind,
                minimum: Int(query.minimum), maximum: Int(query.maximum), step: Int(query.step),
                defaultValue: Int(query.default_value), value: nil, menu: nil,
                readOnly: query.flags & UInt32(V4L2_CTRL_FLAG_READ_ONLY) != 0)
            if kind != "button" {
                var value = v4l2_control(id: query.id, value: 0)
                if (try? ioctl("VIDIOC_G_CTRL", cv4l2_g_ctrl(), &value)) != nil { control.value = Int(value.value) }
            }
            if kind == "menu" || kind == "integer-menu" { control.menu = menu(query, integer: kind == "integer-menu") }
            result.append(control)
        }
        return result
    }

    private func menu(_ query: v4l2_queryctrl, integer: Bool) -> [String: String] {
        var entries: [String: String] = [:]
        guard query.maximum >= query.minimum, query.maximum - query.minimum < 256 else { return entries }
        for index in query.minimum...query.maximum {
            var item = v4l2_querymenu()
            item.id = query.id
            item.index = UInt32(index)
            guard (try? ioctl("VIDIOC_QUERYMENU", cv4l2_querymenu(), &item)) != nil else { continue }
            entries["\(index)"] = integer ? "\(item.value)" : String(cTuple: item.name)
        }
        return entries
    }

    /// Sets control `name` (as ``controls()`` names it) to `value`, checked against its range first.
    @discardableResult
    public func setControl(_ name: String, to value: Int) throws(CaptureError) -> CameraControl {
        let all = controls()
        guard var control = all.first(where: { $0.name == name }) else {
            throw CaptureError(
                .unsupported,
                "\(path) has no control '\(name)' (it has: \(all.map(\.name).joined(separator: ", ")))")
        }
        guard !control.readOnly else { throw CaptureError(.unsupported, "control '\(name)' is read-only") }
        guard value >= control.minimum, value <= control.maximum else {
            throw CaptureError(
                .unsupported, "\(value) is out of range for '\(name)' (\(control.minimum) to \(control.maximum))")
        }
        if let menu = control.menu, menu["\(value)"] == nil {
            throw CaptureError(
                .unsupported,
                "\(value) is not a choice of '\(name)' (choices: "
                    + menu.sorted { Int($0.key)! < Int($1.key)! }.map { "\($0.key)=\($0.value)" }.joined(
                        separator: ", ")
                    + ")")
        }
        var setting = v4l2_control(id: control.id, value: Int32(value))
        do {
            try ioctl("VIDIOC_S_CTRL", cv4l2_s_ctrl(), &setting)
        } catch {
            throw CaptureError(.io, "cannot set '\(name)' to \(value)", underlying: error)
        }
        var readBack = v4l2_control(id: control.id, value: 0)
        control.value = (try? ioctl("VIDIOC_G_CTRL", cv4l2_g_ctrl(), &readBack)) != nil ? Int(readBack.value) : value
        return control
    }

    /// `White Balance, Automatic` → `white_balance_automatic`.
    static func key(_ label: String) -> String {
        var result = ""
        for character in label.lowercased() {
            if character.isLetter || character.isNumber {
                result.append(character)
            } else if !result.isEmpty && result.last != "_" {
                result.append("_")
            }
        }
        while result.last == "_" { result.removeLast() }
        return result
    }
}

extension PixelFormat {
    /// The project's format for a V4L2 four-character code, when it handles it.
    public init?(fourcc: String) {
        switch fourcc {
        case "MJPG": self = .mjpeg
        case "YUYV": self = .yuyv
        default: return nil
        }
    }
}

func fourccString(_ code: UInt32) -> String {
    String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: code >> ($0 * 8)) }, as: UTF8.self)
}

func fourccCode(_ text: String) -> UInt32 {
    Array(text.utf8.prefix(4)).enumerated().reduce(0) { $0 | UInt32($1.element) << ($1.offset * 8) }
}
