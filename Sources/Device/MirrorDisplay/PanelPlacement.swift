/// Where the panel hangs: its visible size in millimetres and the height of its bottom edge above the floor. The
/// layout places every control a shopper operates between ``reachLow`` and ``reachHigh`` above the floor, from
/// this and the panel's size in pixels.
public struct PanelPlacement: Sendable, Equatable {
    public var widthMM: Double
    public var heightMM: Double
    /// The bottom edge's height above the floor.
    public var bottomMM: Double

    public init(widthMM: Double, heightMM: Double, bottomMM: Double) {
        self.widthMM = widthMM
        self.heightMM = heightMM
        self.bottomMM = bottomMM
    }

    /// The lowest and highest an operable part of a public terminal may sit, in millimetres above the floor, so
    /// that it is within reach standing or from a wheelchair (EN 301 549 and ADA §308: 380 to 1220 mm).
    public static let reachLow = 380.0
    public static let reachHigh = 1220.0
    /// The shortest side a control may have (EN 301 549 asks for targets a finger finds: 9 mm).
    public static let minimumControlMM = 9.0

    /// The fitting-room mirror the demo and the test guest model: a portrait panel 2 m tall standing on the
    /// floor, as wide as `width` by `height` pixels make it.
    public static func floorStanding(width: Int, height: Int) -> PanelPlacement {
        PanelPlacement(widthMM: 2000 * Double(width) / Double(height), heightMM: 2000, bottomMM: 0)
    }

    /// Millimetres per pixel, vertically, on a panel `height` pixels tall.
    public func millimetresPerPixel(height: Int) -> Double { heightMM / Double(height) }

    /// The pixel row (from the top) at `millimetres` above the floor, on a panel `height` pixels tall (outside
    /// 0…height when the panel does not reach that high or low).
    public func row(atMM millimetres: Double, height: Int) -> Double {
        (bottomMM + heightMM - millimetres) / millimetresPerPixel(height: height)
    }

    /// The rows within reach, clamped to the panel.
    public func reachRows(height: Int) -> ClosedRange<Double> {
        let top = max(0, row(atMM: Self.reachHigh, height: height))
        let bottom = min(Double(height), row(atMM: Self.reachLow, height: height))
        return top...max(top, bottom)
    }
}
