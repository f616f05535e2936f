import Foundation
@testable import SluiceLanguageServer
import SluiceDiagnostics
import SluicePlan
import SluiceSpec
import Testing

/// The compiler's position (Testing has a `SourceLocation` of its own).
private typealias Location = SluiceDiagnostics.SourceLocation

/// The pieces of `sluice lsp` below the protocol: framing, positions,
/// completion contexts. The protocol itself is tested end to end with a real
/// client (scripts/test-lsp).
struct MessageFramingTests {
    @Test func readsFramesSplitAnywhereAndSkipsBrokenOnes() {
        let first = MessageFraming.encode(.object([("id", .int(1)), ("method", .string("initialize"))]))
        let broken = Array("Content-Length: 3\r\n\r\n{x}".utf8)
        let noLength = Array("X-Other: 1\r\n\r\n".utf8)
        let last = MessageFraming.encode(.object([("text", .string("é🚀"))]))
        let stream = first + broken + noLength + last
        // Byte by byte: no frame is read before it is complete.
        var framing = MessageFraming()
        var frames: [MessageFraming.Frame] = []
        for byte in stream {
            framing.append([byte])
            while let frame = framing.next() { frames.append(frame) }
        }
        #expect(frames.count == 4)
        #expect(frames.first == .message(.object([("id", .int(1)), ("method", .string("initialize"))])))
        if case .malformed = frames[1] {} else { Issue.record("a body that is not JSON must be reported, got \(frames[1])") }
        if case .malformed = frames[2] {} else { Issue.record("a header without Content-Length must be reported, got \(frames[2])") }
        #expect(frames.last == .message(.object([("text", .string("é🚀"))])))
    }

    @Test func contentLengthCountsBytes() {
        let encoded = MessageFraming.encode(.string("é"))
        // "é" quoted is 4 bytes of UTF-8 (2 characters of text).
        #expect(String(decoding: encoded, as: UTF8.self).hasPrefix("Content-Length: 4\r\n\r\n"))
    }

    @Test func anOversizedLengthIsRefusedNotAllocated() {
        var framing = MessageFraming()
        framing.append(Array("Content-Length: 99999999999\r\n\r\n".utf8))
        if case .malformed = framing.next() {} else { Issue.record("an oversized Content-Length must be refused") }
    }
}

struct PositionMapTests {
    // Columns are Unicode scalars (libyaml's count); LSP counts UTF-16 units.
    @Test func convertsScalarColumnsToUTF16AndBack() {
        let map = PositionMap("plain\n  é🚀x: 1\r\nlast")
        // `x` is column 5 of line 2 (two spaces, é, 🚀): 5 UTF-16 units in (🚀 is two).
        #expect(map.position(Location(line: 2, column: 5)) == LSPPosition(line: 1, character: 5))
        #expect(map.location(LSPPosition(line: 1, character: 5)) == Location(line: 2, column: 5))
        // Inside the surrogate pair: the column of the emoji itself.
        #expect(map.location(LSPPosition(line: 1, character: 4)) == Location(line: 2, column: 4))
        // Past the end, and lines that do not exist, never trap.
        #expect(map.position(Location(line: 3, column: 9)) == LSPPosition(line: 2, character: 8))
        #expect(map.location(LSPPosition(line: 40, character: 3)) == Location(line: 41, column: 1))
        #expect(map.position(Location(line: 0, column: 0)) == LSPPosition(line: 0, character: 0))
    }

    @Test func aDiagnosticAfterNonASCIITextLandsOnItsToken() throws {
        let text = """
            pipeline: p
            tasks:
              a:
                run: echo "é🚀 ü" {{ params.nope }}

            """
        let analysis = Analysis(path: "/nonexistent/p.yaml", text: text, files: EditorFiles(open: [:]))
        let diagnostic = try #require(analysis.result.diagnostics.first { $0.rule.id == "unknown-param" })
        let line = try #require(text.split(separator: "\n").map(String.init).first { $0.contains("nope") })
        let nope = try #require(line.range(of: "nope"))
        let json = DiagnosticConversion.json(diagnostic, analysis.positions)
        #expect(json["range"]?["start"]?["line"]?.intValue == 3)
        #expect(json["range"]?["start"]?["character"]?.intValue == Int64(line.utf16.distance(from: line.startIndex, to: nope.lowerBound)))
        #expect(json["range"]?["end"]?["character"]?.intValue == Int64(line.utf16.distance(from: line.startIndex, to: nope.upperBound)))
    }
}

struct CompletionContextTests {
    static let spec = """
        pipeline: p
        defaults:
          re
        tasks:
          load:
            needs: [a, 
            outputs:
              rows: 
            run: echo {{ params.sec.
          report:
            needs:
              - 
            ru
        """

    func context(line: Int, column: Int) -> CompletionContext {
        CompletionContext.at(Location(line: line, column: column), in: PositionMap(Self.spec))
    }

    @Test func readsTheContextFromTheLineText() {
        #expect(context(line: 3, column: 5) == .key(ancestors: ["defaults"]))
        #expect(context(line: 6, column: 17) == .value(key: "needs", ancestors: ["tasks", "load"]))
        #expect(context(line: 8, column: 13) == .value(key: "rows", ancestors: ["tasks", "load", "outputs"]))
        #expect(context(line: 9, column: 33) == .reference(parents: ["params", "sec"]))
        #expect(context(line: 12, column: 9) == .value(key: "needs", ancestors: ["tasks", "report"]))
        #expect(context(line: 13, column: 7) == .key(ancestors: ["tasks", "report"]))
        #expect(context(line: 1, column: 1) == .key(ancestors: []))
    }
}

struct NoteLocationTests {
    @Test func findsAPositionANoteNames() {
        let set = DiagnosticConversion.namedLocation(in: "params.a is set at pipelines/p.yaml:12:5")
        #expect(set?.0 == "pipelines/p.yaml" && set?.1 == 12 && set?.2 == 5)
        let declared = DiagnosticConversion.namedLocation(in: "first declared here (x.yml:3:9)")
        #expect(declared?.0 == "x.yml" && declared?.1 == 3 && declared?.2 == 9)
        #expect(DiagnosticConversion.namedLocation(in: "it declares: a, b") == nil)
    }
}
