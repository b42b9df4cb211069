import Foundation
public import Logging
public import MirrorConfig
import MirrorCore
import MirrorDisplay
public import ServiceLifecycle

/// Runs the session's timers and, when the profile has one, reads the touch screen.
public struct SessionService: Service {
    let controller: SessionController
    let touch: DeviceProfile.Touch
    let logger: Logger

    public init(controller: SessionController, touch: DeviceProfile.Touch, logger: Logger) {
        self.controller = controller
        self.touch = touch
        self.logger = logger
    }

    public func run() async throws {
        let screen = openTouch()
        let thread = screen.map { screen in
            let controller = self.controller
            let rotation = touch.rotation
            let logger = self.logger
            return Thread {
                do {
                    try screen.run(rotation: rotation) { gesture in
                        switch gesture {
                        case .tap(let x, let y): controller.tap(x: x, y: y)
                        case .swipeLeft: controller.swipe(forward: true)
                        case .swipeRight: controller.swipe(forward: false)
                        }
                    }
                } catch {
                    logger.error(
                        "touch screen stopped; the local API still drives the mirror", metadata: ["error": "\(error)"])
                }
            }
        }
        thread?.start()
        defer { screen?.stop() }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // Cancellation (shutdown) ends the sleep early; the loop condition then stops.
                try? await Task.sleep(for: .milliseconds(100))
                controller.tick(at: .now())
            }
        }
    }

    func openTouch() -> TouchScreen? {
        let path: String?
        switch touch.device {
        case .none: return nil
        case .auto: path = nil
        case .path(let given): path = given
        }
        do {
            let screen = try TouchScreen(path)
            logger.info("touch screen", metadata: ["device": "\(screen.path)", "name": "\(screen.name)"])
            return screen
        } catch {
            logger.warning("no touch screen; the local API drives the mirror", metadata: ["reason": "\(error)"])
            return nil
        }
    }
}
