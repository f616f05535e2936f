import Testing
@testable import SluicePlan

@Suite("WorkspacePaths")
struct WorkspacePathsTests {
    /// `normalize` returns a path its bytes show to be normal as it is, and
    /// takes every other path apart: both give what the rule says.
    @Test(arguments: [
        ("scripts/step.py", "scripts/step.py"), ("a", "a"), ("/a/b", "/a/b"), (".hidden/x", ".hidden/x"), ("a/..b/c.", "a/..b/c."),
        ("", "."), (".", "."), ("./a", "a"), ("a/.", "a"), ("a/", "a"), ("a//b", "a/b"), ("/", "/"), ("//a", "/a"),
        ("a/../b", "b"), ("../a", "../a"), ("a/b/../../..", ".."), ("/..", "/"), ("/a/../..", "/"), ("a/\u{301}b", "a/\u{301}b"),
        ("ü/./ñ/", "ü/ñ"),
    ])
    func normalizes(path: String, expected: String) {
        #expect(WorkspacePaths.normalize(path) == expected)
        // The shortcut is taken only for a path that comes back unchanged.
        #expect(!WorkspacePaths.isNormal(path) || path == expected)
    }

    /// The common spellings take the shortcut (`.`, `/` and a leading `..` need not).
    @Test(arguments: ["scripts/step.py", "a", "/a/b", ".hidden/x", "a/..b/c.", "a/\u{301}b", "ü/ñ"])
    func commonPathsAreSeenNormal(path: String) {
        #expect(WorkspacePaths.isNormal(path))
    }
}
