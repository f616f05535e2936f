import Testing
@testable import SluiceGraph

@Test func everyFormatHasAName() {
    #expect(GraphFormat.allCases.map(\.rawValue) == ["dot", "svg", "png", "mermaid", "ascii"])
}
