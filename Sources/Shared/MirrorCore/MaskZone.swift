/// A part of the camera's view that must never be seen (a cubicle's gap, a till, a window onto the
/// street), as fractions of the frame as the camera delivers it (before any rotation).
public struct MaskZone: Sendable, Equatable {
    public var name: String
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(name: String, x: Double, y: Double, width: Double, height: Double) {
        self.name = name
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The zone in pixels of a `width`×`height` frame, rounded outwards (a pixel partly inside is inside).
    public func pixels(width frameWidth: Int, height frameHeight: Int) -> PixelRect {
        let left = Int((x * Double(frameWidth)).rounded(.down))
        let top = Int((y * Double(frameHeight)).rounded(.down))
        let right = Int(((x + width) * Double(frameWidth)).rounded(.up))
        let bottom = Int(((y + height) * Double(frameHeight)).rounded(.up))
        return PixelRect(
            left: max(0, left), top: max(0, top), right: min(frameWidth, right), bottom: min(frameHeight, bottom))
    }
}

/// A rectangle of pixels, `left..<right` × `top..<bottom`.
public struct PixelRect: Sendable, Equatable {
    public var left: Int
    public var top: Int
    public var right: Int
    public var bottom: Int

    public init(left: Int, top: Int, right: Int, bottom: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    public var isEmpty: Bool { right <= left || bottom <= top }

    public func contains(x: Int, y: Int) -> Bool { x >= left && x < right && y >= top && y < bottom }
}
