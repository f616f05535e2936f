import Testing
@testable import SluicePlan

@Suite("ValueType")
struct ValueTypeTests {
    @Test(arguments: [
        ("string", "string"), ("int", "int"), (" float ", "float"), ("bool", "bool"), ("json", "json"), ("file", "file"),
        ("list[int]", "list[int]"), ("list[ list[string] ]", "list[list[string]]"),
        ("table(a: int64, b: float64)", "table(a: int64, b: float64)"),
        ("table( ts:timestamp ,d: date,s: string,ok: bool )", "table(ts: timestamp, d: date, s: string, ok: bool)"),
    ])
    func parsesAndPrintsCanonically(text: String, canonical: String) throws {
        let type = try ValueType.parse(text).get()
        #expect(type.description == canonical)
        #expect(try ValueType.parse(canonical).get() == type)
    }

    @Test(arguments: [
        ("", "the type is empty", 0, 0),
        ("integer", "unknown type \"integer\"; expected one of string, int, float, bool, json, file, list[T], table(col: type, ...)", 0, 7),
        ("float64", "unknown type \"float64\"; \"float64\" is a column type, for use inside table(...)", 0, 7),
        ("list(int)", "expected \"[\" after list, found \"(\"", 4, 1),
        ("list[int", "expected \"]\" to close list[...], found the end", 8, 0),
        ("table()", "a table needs at least one column", 6, 1),
        ("table(a: float)", "unknown column type \"float\" for \"a\"; expected one of int64, float64, bool, string, date, timestamp", 9, 5),
        ("table(a: int64, a: bool)", "column \"a\" is declared twice", 16, 1),
        ("table(a int64)", "expected \":\" after column \"a\", found \"i\"", 8, 1),
        ("table(a: int64", "expected \",\" or \")\" in table(...), found the end", 14, 0),
        ("int extra", "unexpected \"extra\" after the type", 4, 5),
    ])
    func reportsTheBadPart(text: String, message: String, offset: Int, length: Int) {
        #expect(ValueType.parse(text) == .failure(LiteralError(message: message, offset: offset, length: length)))
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        let text = String(repeating: "list[", count: 10_000) + "int" + String(repeating: "]", count: 10_000)
        guard case .failure = ValueType.parse(text) else { Issue.record("accepted 10,000 levels"); return }
    }
}
