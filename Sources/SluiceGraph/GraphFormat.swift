/// The drawings `sluice graph` can make.
public enum GraphFormat: String, Sendable, CaseIterable {
    case dot, svg, png, mermaid, ascii
}
