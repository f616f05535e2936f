import SluiceSpec
import Testing

struct ScalarResolutionTests {
    static let plainCases: [(String, ResolvedScalar)] = [
        ("", .null), ("~", .null), ("null", .null), ("NULL", .null),
        ("true", .bool(true)), ("False", .bool(false)),
        ("yes", .string("yes")), ("off", .string("off")),  // no YAML 1.1 "Norway problem"
        ("42", .int(42)), ("-7", .int(-7)), ("+3", .int(3)), ("0x1F", .int(31)), ("0o17", .int(15)),
        ("3.5", .float(3.5)), ("-0.25", .float(-0.25)), ("1e3", .float(1000)), (".5", .float(0.5)), ("2.", .float(2)),
        (".inf", .float(.infinity)), ("-.Inf", .float(-.infinity)),
        ("nan", .string("nan")), ("infinity", .string("infinity")), ("1e", .string("1e")), ("1.2.3", .string("1.2.3")),
        ("30s", .string("30s")), ("-", .string("-")), ("+", .string("+")), ("99999999999999999999999", .float(1e23)),
        ("AAPL", .string("AAPL")),
    ]

    @Test(arguments: plainCases)
    func plainScalars(_ text: String, _ expected: ResolvedScalar) {
        #expect(YAMLScalar(text: text, style: .plain).resolved == expected)
    }

    @Test(arguments: [ScalarStyle.singleQuoted, .doubleQuoted, .literal, .folded])
    func quotedScalarsAreStrings(_ style: ScalarStyle) {
        #expect(YAMLScalar(text: "42", style: style).resolved == .string("42"))
        #expect(YAMLScalar(text: "true", style: style).resolved == .string("true"))
    }
}
