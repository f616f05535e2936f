@testable import SluiceCompiler
import SluicePlan
import Testing

/// `sortedUnique()` stands in for `Set(...).sorted()` in a task's `reads`.
struct SortedUniqueTests {
    @Test func givesWhatASortedSetGives() {
        let samples: [[String]] = [[], ["a"], ["b", "a", "b", "a"], ["s2.k", "s1.k", "s2.k", "window.days", "s1.k"], ["x", "x", "x"]]
        for sample in samples {
            #expect(sample.sortedUnique() == Set(sample).sorted(), "\(sample)")
        }
    }

    @Test func keepsUnequalReferencesThatSortTogether() {
        // `<` looks at task, output and by_label only; equality at every field.
        let table = OutputReference(task: "a", output: "n", type: .int, mapped: false)
        let mapped = OutputReference(task: "a", output: "n", type: .int, mapped: true)
        let later = OutputReference(task: "b", output: "n", type: .int, mapped: false)
        let result = [table, later, mapped, table, mapped].sortedUnique()
        #expect(result.count == 3)
        #expect(Set(result) == [table, mapped, later])
        #expect(result.last == later)
    }
}
