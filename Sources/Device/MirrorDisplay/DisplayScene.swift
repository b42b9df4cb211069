public import MirrorCore
import Synchronization

/// A recorded clip the display can show instead of the camera: the frame to show at a given moment.
///
/// Implemented by the daemon over the recorder's clip reader; the display decodes what it returns
/// exactly like a camera frame.
public protocol PlaybackSource: Sendable {
    func frame(at now: MonotonicInstant) -> Frame?
}

/// What the panel should show now: set by the session controller, read by the display loop for
/// every frame it draws. The display publishes back where it drew the buttons, for touch.
public final class DisplayScene: Sendable {
    public struct Content: Sendable {
        public var screen: Screen
        /// Recorded looks to show instead of the camera (one for review, two to four for compare).
        public var playback: [any PlaybackSource]

        public init(screen: Screen, playback: [any PlaybackSource] = []) {
            self.screen = screen
            self.playback = playback
        }
    }

    private let content: Mutex<Content>
    private let buttons = Mutex<[LayoutBox]>([])
    private let diagnosticsShown: Mutex<Bool>

    public init(_ initial: Content = .init(screen: .live(hint: "")), diagnostics: Bool = false) {
        content = Mutex(initial)
        diagnosticsShown = Mutex(diagnostics)
    }

    public var current: Content {
        get { content.withLock { $0 } }
        set { content.withLock { $0 = newValue } }
    }

    /// Whether the staff diagnostic panel is drawn.
    public var diagnostics: Bool {
        get { diagnosticsShown.withLock { $0 } }
        set { diagnosticsShown.withLock { $0 = newValue } }
    }

    /// The buttons of the frame last put on the panel, in panel pixels.
    public var layout: [LayoutBox] { buttons.withLock { $0 } }

    /// The button under a touch at panel pixel (x, y), if any.
    public func button(atX x: Double, y: Double) -> String? {
        buttons.withLock { $0.button(atX: x, y: y) }
    }

    func publish(_ layout: [LayoutBox]) {
        let boxes = layout.filter { if case .text = $0.kind { false } else { true } }
        buttons.withLock { if $0 != boxes { $0 = boxes } }
    }
}
