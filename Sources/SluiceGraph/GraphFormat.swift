import SluicePlan

/// The drawings `sluice graph` can make. `svg` and `png` are DOT handed to
/// Graphviz by the CLI; this library only writes text.
public enum GraphFormat: String, Sendable, CaseIterable {
    case dot, svg, png, mermaid, ascii
}

/// One pipeline to draw, and the run to colour it by, if any.
public struct GraphSubject: Sendable {
    public var plan: Plan
    public var overlay: RunOverlay?

    public init(plan: Plan, overlay: RunOverlay? = nil) {
        self.plan = plan
        self.overlay = overlay
    }
}
