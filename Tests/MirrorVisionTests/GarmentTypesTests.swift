import MirrorCore
import Testing

@Suite struct GarmentTypesTests {
    @Test func boxIsClampedToTheFrame() {
        let box = NormalizedBox(x: -0.2, y: 0.5, width: 0.5, height: 0.8).clamped
        #expect(box == NormalizedBox(x: 0, y: 0.5, width: 0.3, height: 0.5))
        #expect(NormalizedBox(x: 1.2, y: 0, width: 0.3, height: 1).clamped.area == 0)
    }
}
