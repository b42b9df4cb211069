import Logging
import MirrorCore
import MirrorImaging
import ServiceLifecycle

/// Reads a loyalty QR code the shopper holds up to the camera (on their phone or card), as another way to give
/// the code the loyalty keyboard asks for, and the barcode of a garment's price tag held up to it (the exact SKU
/// and size tried, when the catalog has tag barcodes). It looks a few frames a second, only while the keyboard is
/// open or a shopper stands at the live mirror or its suggestions; the rest of the time it lets every frame go
/// untouched. Nothing it sees is kept, and it reads codes only: the mirror never identifies anyone by their face.
final class CodeScanner: Service, Sendable {
    static let interval = Duration.milliseconds(250)

    let bus: FrameBus
    let controller: SessionController
    let logger: Logger

    init(bus: FrameBus, controller: SessionController, logger: Logger) {
        self.bus = bus
        self.controller = controller
        self.logger = logger
    }

    func run() async throws {
        let frames = bus.subscribe("codes", capacity: 1)
        await cancelWhenGracefulShutdown {
            await LoopThread.run("mirror-codes") { await self.scan(frames) }
        }
    }

    private func scan(_ frames: AsyncStream<Frame>) async {
        let decoder: FrameDecoder
        let reader: CodeReader
        do {
            decoder = try FrameDecoder()
            reader = try CodeReader([.qr, .ean13, .code128])
        } catch {
            logger.error(
                "loyalty QR codes cannot be read; typing the code still works", metadata: ["error": "\(error)"])
            return
        }
        let image = PixelBuffer()
        var next = MonotonicInstant.now()
        for await frame in frames {
            let loyalty = controller.scanningForLoyaltyCode
            guard loyalty || controller.scanningForTags else { continue }
            let now = MonotonicInstant.now()
            guard now >= next else { continue }
            next = now.advanced(by: Self.interval)
            do {
                try decoder.decode(frame, into: image)
            } catch {
                continue  // a damaged frame: the next one will do
            }
            for code in reader.codes(image) {
                if code.symbology == .qr {
                    if loyalty, controller.scanned(code.text) { break }
                } else {
                    controller.scannedTag(code.text)
                }
            }
        }
    }
}
