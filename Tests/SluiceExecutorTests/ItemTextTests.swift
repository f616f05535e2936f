import Testing
import SluiceBasics
@testable import SluiceExecutor

/// A map item's text (its label, its `tasks.arrow` cell) is `compact()`'s:
/// its direct path for integers and booleans gives the JSON writer's text.
@Test func anItemsCompactTextIsItsCompactJSON() {
    let items: [JSON] = [.int(0), .int(-1), .int(7), .int(Int64.max), .int(Int64.min), .bool(true), .bool(false), .null,
                         .double(1.5), .double(-0.0), .string("a\"b\n"), .array([.int(1), .string("x")]), .object([("k", .bool(true))])]
    for item in items {
        #expect(item.compact() == String(decoding: item.compactUTF8(), as: UTF8.self))
    }
}

/// A label taken by an earlier instance gets `#index`, again until it is free
/// (`a#1` may itself have been an earlier instance's label).
@Test func uniqueLabelsGrowUntilFreeInMapIndexOrder() {
    #expect(InstanceKey.uniqueLabels(["a", "a", "a#1", "a", "b", ""]) == ["a", "a#1", "a#1#2", "a#3", "b", ""])
    #expect(InstanceKey.uniqueLabels([]) == [])
    #expect(InstanceKey.uniqueLabels(["1", "1", "1"]) == ["1", "1#1", "1#2"])
}
