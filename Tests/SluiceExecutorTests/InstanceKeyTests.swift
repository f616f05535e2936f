import Testing
@testable import SluiceExecutor

/// Instance labels as shown and used as keys (`InstanceKey.displayLabel`).
struct InstanceKeyTests {
    /// What the label rule says of one scalar: shown as itself, or as `?`.
    private static func shown(_ scalar: Unicode.Scalar) -> String {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned: "?"
        default: String(scalar)
        }
    }

    /// Printable ASCII takes a shortcut past the scalar-by-scalar look; every
    /// ASCII scalar, alone and amid others, must come out as the rule says.
    @Test func everyASCIIScalarIsShownAsTheRuleSays() throws {
        for value in UInt8(0)...0x7F {
            let scalar = Unicode.Scalar(value)
            #expect(InstanceKey.displayLabel(String(scalar), index: 3) == Self.shown(scalar), "scalar \(value)")
            #expect(InstanceKey.displayLabel("a" + String(scalar) + "b", index: 3) == "a" + Self.shown(scalar) + "b", "scalar \(value)")
        }
        for text in ["é", "a\u{200B}b", "a\u{2028}b", "日本", "x\u{1F600}"] {
            let expected = text.unicodeScalars.map(Self.shown).joined()
            #expect(InstanceKey.displayLabel(text, index: 0) == expected, "\(text)")
        }
        #expect(InstanceKey.displayLabel("", index: 7) == "7")
    }

    /// A label over the limit keeps its start and ends `…#index`, ASCII or not.
    @Test func aLongLabelKeepsItsStartAndEndsWithItsIndex() {
        let ascii = String(repeating: "x", count: 80)
        #expect(InstanceKey.displayLabel(ascii, index: 12) == String(repeating: "x", count: 56) + "…#12")
        let accented = String(repeating: "é", count: 80)
        #expect(InstanceKey.displayLabel(accented, index: 12) == String(repeating: "é", count: 56) + "…#12")
        #expect(InstanceKey.displayLabel(String(repeating: "y", count: 60), index: 1) == String(repeating: "y", count: 60))
    }
}
