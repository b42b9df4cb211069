import MirrorDisplay
import MirrorSession
import Testing

/// The keys the panel draws are the keys the visit's keyboard takes.
@Suite struct KeyboardKeysTests {
    @Test func drawnKeysAreTheKeysTaken() {
        let drawn = Set(Screen.CodeEntry.rows.joined())
        let taken = Set((32..<127).compactMap { Unicode.Scalar($0).map(Character.init) }.filter(CodeKeyboard.isKey))
        #expect(drawn == taken)
    }
}
