import SluiceSpec

/// The specs linted (or run) together. Cross-file checks look here.
public struct Project: Sendable {
    /// Parsed specs, in path order.
    public let specs: [PipelineSpec]

    public init(specs: [PipelineSpec]) {
        self.specs = specs
    }
}
