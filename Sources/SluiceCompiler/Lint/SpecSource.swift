/// A spec file's path (as the user named it) and its text.
public struct SpecSource: Sendable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}
