import CCairo
import Foundation
public import MirrorImaging

/// Renders a shopper turning once in front of the mirror: a stylised figure in a fitting-room
/// corridor, seen by a portrait camera. The demo's replay sample and test inputs are made from it.
///
/// Everything is drawn from the frame index, so the same index always gives the same picture.
public struct TurntableScene: Sendable {
    public var width: Int
    public var height: Int
    /// Frames for one full turn.
    public var framesPerTurn: Int

    public init(width: Int = 360, height: Int = 640, framesPerTurn: Int = 48) {
        self.width = width
        self.height = height
        self.framesPerTurn = framesPerTurn
    }

    /// The figure's heading in radians for frame `index`: 0 faces the camera.
    public func angle(at index: Int) -> Double {
        2 * .pi * Double(index % framesPerTurn) / Double(framesPerTurn)
    }

    /// Draws frame `index` into `image` (resized to the scene); without the figure when `figure` is
    /// false (the empty fitting-room view the vision core calibrates on).
    public func render(_ index: Int, into image: PixelBuffer, figure: Bool = true) {
        image.reshape(width: width, height: height)
        let surface = cairo_image_surface_create_for_data(
            image.base.assumingMemoryBound(to: UInt8.self), CAIRO_FORMAT_RGB24, Int32(width), Int32(height),
            Int32(image.stride))
        let cr = cairo_create(surface)!
        defer {
            cairo_destroy(cr)
            cairo_surface_flush(surface)
            cairo_surface_destroy(surface)
        }
        let w = Double(width)
        let h = Double(height)
        // Wall: warm grey with soft light from above; floor: oak.
        let wall = cairo_pattern_create_linear(0, 0, 0, h * 0.78)!
        cairo_pattern_add_color_stop_rgb(wall, 0, 0.86, 0.83, 0.79)
        cairo_pattern_add_color_stop_rgb(wall, 1, 0.70, 0.66, 0.61)
        cairo_set_source(cr, wall)
        cairo_paint(cr)
        cairo_pattern_destroy(wall)
        cairo_set_source_rgb(cr, 0.55, 0.42, 0.30)
        cairo_rectangle(cr, 0, h * 0.78, w, h * 0.22)
        cairo_fill(cr)
        cairo_set_source_rgb(cr, 0.47, 0.35, 0.25)
        for board in stride(from: 0.0, to: w, by: w / 6) {
            cairo_rectangle(cr, board, h * 0.78, 1.5, h * 0.22)
        }
        cairo_fill(cr)
        // A curtain at the left edge, a rail of hangers at the right.
        cairo_set_source_rgb(cr, 0.42, 0.16, 0.20)
        cairo_rectangle(cr, 0, 0, w * 0.09, h * 0.78)
        cairo_fill(cr)
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.27)
        cairo_rectangle(cr, w * 0.84, h * 0.12, w * 0.16, 3)
        cairo_fill(cr)
        guard figure else { return }

        let theta = angle(at: index)
        let facing = cos(theta)  // 1 front, -1 back
        let side = sin(theta)  // which side turns towards the camera
        let breadth = 0.55 + 0.45 * abs(facing)  // silhouette width: narrowest in profile
        let cx = w / 2
        let unit = h / 640

        // Shadow on the floor.
        cairo_save(cr)
        cairo_translate(cr, cx, h * 0.80)
        cairo_scale(cr, 70 * unit * breadth + 20 * unit, 12 * unit)
        cairo_arc(cr, 0, 0, 1, 0, 2 * .pi)
        cairo_restore(cr)
        cairo_set_source_rgba(cr, 0, 0, 0, 0.22)
        cairo_fill(cr)

        // Legs: dark denim.
        let hip = h * 0.50
        let foot = h * 0.79
        cairo_set_source_rgb(cr, 0.16, 0.22, 0.36)
        for leg in [-1.0, 1.0] {
            let x = cx + leg * 22 * unit * breadth
            cairo_rectangle(cr, x - 15 * unit, hip, 30 * unit, foot - hip)
        }
        cairo_fill(cr)
        // Arms behind or in front depending on the heading.
        func arm(_ leftRight: Double) {
            let x = cx + leftRight * (62 * unit * breadth + 4 * unit)
            cairo_set_source_rgb(cr, 0.80, 0.62, 0.50)
            cairo_rectangle(cr, x - 11 * unit, h * 0.27, 22 * unit, h * 0.25)
            cairo_fill(cr)
        }
        arm(side >= 0 ? 1 : -1)
        // Torso: a knit top in terracotta, a lighter front panel that only shows from the front.
        let shoulder = h * 0.25
        let top = 68 * unit * breadth
        let waist = 54 * unit * breadth
        cairo_move_to(cr, cx - top, shoulder)
        cairo_line_to(cr, cx + top, shoulder)
        cairo_line_to(cr, cx + waist, hip + 8 * unit)
        cairo_line_to(cr, cx - waist, hip + 8 * unit)
        cairo_close_path(cr)
        let shade = 0.80 + 0.20 * abs(facing)
        cairo_set_source_rgb(cr, 0.78 * shade, 0.36 * shade, 0.24 * shade)
        cairo_fill(cr)
        if facing > 0.15 {
            let panel = 22 * unit * facing
            cairo_set_source_rgba(cr, 0.97, 0.93, 0.86, min(1, facing * 1.5))
            cairo_rectangle(cr, cx - panel + side * 10 * unit, shoulder + 18 * unit, 2 * panel, h * 0.17)
            cairo_fill(cr)
        }
        arm(side >= 0 ? -1 : 1)
        // Head and hair: hair covers the back of the head.
        let headY = h * 0.19
        cairo_set_source_rgb(cr, 0.80, 0.62, 0.50)
        cairo_arc(cr, cx, headY, 30 * unit, 0, 2 * .pi)
        cairo_fill(cr)
        cairo_set_source_rgb(cr, 0.20, 0.13, 0.10)
        if facing < 0.3 {
            cairo_arc(cr, cx - side * 8 * unit, headY - 2 * unit, 31 * unit, 0, 2 * .pi)
            cairo_fill(cr)
        } else {
            cairo_arc(cr, cx, headY - 10 * unit, 31 * unit, .pi, 2 * .pi)
            cairo_fill(cr)
        }
    }
}
