@testable import SluiceCompiler
import SluicePlan
import Testing

/// `ParsedTypes` answers each output type text as `ValueType.parse` does,
/// whether it found the text among the first spellings, in its dictionary, or parsed it.
struct ParsedTypesTests {
    @Test func outputTypesAreParsedAsEachSpellingParses() {
        var types = ParsedTypes()
        let spellings = ["int", "table(ts: timestamp, v: float64)", "int", "string", "nosuch", "list(int)", "float64",
                         "table(ts: timestamp, v: float64)", "bool", "nosuch", "", "list(int)", "json", "int", "bool"]
        #expect(Set(spellings).count > ParsedTypes.compareFirst)
        for text in spellings + spellings.reversed() {
            #expect(types.type(of: text) == ValueType.parse(text), "\(text)")
        }
    }
}
