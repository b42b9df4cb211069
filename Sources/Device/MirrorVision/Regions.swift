public import MirrorCore

/// Garment regions from a person's bounding box.
///
/// Proportions of a standing adult seen whole, as fractions of the person box's height from its top:
/// head and neck take the first ~15 %, the upper body runs from the shoulders (15 %) to the hips
/// (55 %), the lower body from the waist (48 %) to the ankles (95 %), and a full-length garment (dress,
/// coat, suit) from the shoulders to the ankles. Widths are the person box's.
public enum GarmentRegions {
    /// The regions worth analysing for `person` (normalised box of the person in the frame).
    ///
    /// When the box touches the top or bottom of the frame the person is cut off there, so proportions
    /// cannot be trusted from that edge: a box touching the top (head out of view) starts the upper body at
    /// the box top; a box touching the bottom (legs cut off) gives no lower-body region unless the box is
    /// tall enough to show the hips and part of the legs. Boxes too small to hold a garment give nothing.
    public static func boxes(person: NormalizedBox) -> [(region: GarmentRegion, box: NormalizedBox)] {
        let box = person.clamped
        guard box.width >= 0.05, box.height >= 0.15 else { return [] }
        let cutTop = box.y <= 0.01
        let cutBottom = box.y + box.height >= 0.99
        func band(_ from: Float, _ to: Float) -> NormalizedBox {
            NormalizedBox(x: box.x, y: box.y + from * box.height, width: box.width, height: (to - from) * box.height)
                .clamped
        }
        let shoulders: Float = cutTop ? 0 : 0.15
        var result: [(GarmentRegion, NormalizedBox)] = []
        if cutBottom && !cutTop {
            // Head visible, feet not: the box ends somewhere down the legs.
            result.append((.upperBody, band(shoulders, 0.58)))
            if box.height >= 0.5 { result.append((.lowerBody, band(0.5, 1))) }
            result.append((.fullLength, band(shoulders, 1)))
        } else {
            result.append((.upperBody, band(shoulders, cutTop ? 0.5 : 0.55)))
            result.append((.lowerBody, band(cutTop ? 0.45 : 0.48, 0.95)))
            result.append((.fullLength, band(shoulders, 0.95)))
        }
        return result.filter { $0.1.area > 0 }
    }
}
