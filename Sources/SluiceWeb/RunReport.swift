import SluiceBasics

/// `sluice report`: the run page as one self-contained HTML file. It is
/// index.html with app.css and app.js inlined, and a
/// `<script type="application/json" id="sluice-data">` holding, for each API
/// path the run page asks for, the responder's answer to it (the show JSON,
/// the graph, every attempt's log, every table preview), so the same script
/// renders the same page from the map instead of fetching. A content security
/// policy forbids every fetch: nothing comes from the network.
public enum RunReport {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The most log text one report carries; past it a log is left out (the page says so).
    static let maxLogBytes = 32 << 20

    /// The report of run `runID` (or `latest`) found in `workspaces`.
    public static func html(runID: String, workspaces: [String]) throws(Failure) -> [UInt8] {
        let responder = WebResponder(workspaces: workspaces)
        let base = "/api/runs/" + uriComponent(runID)
        let shown = responder.respond(WebRequest(path: base))
        guard shown.status == 200, let show = try? JSON.parse(String(decoding: shown.body, as: UTF8.self)),
              let id = show["run_id"]?.stringValue, let pipeline = show["pipeline"]?.stringValue else {
            let message = (try? JSON.parse(String(decoding: shown.body, as: UTF8.self)))?["error"]?.stringValue
            throw Failure(description: message ?? "run \(runID) cannot be shown")
        }
        let runBase = "/api/runs/" + uriComponent(id)
        var data: [(String, JSON)] = [("#page", .string("/runs/" + uriComponent(id))), ("#generated", .string("run \(id) of \(pipeline)"))]
        data.append((runBase, show))
        func add(_ path: String, asText: Bool) {
            let response = responder.respond(WebRequest(target: path))
            guard response.status == 200 else { return }
            let text = String(decoding: response.body, as: UTF8.self)
            if asText { data.append((path, .string(text))) } else if let value = try? JSON.parse(text) { data.append((path, value)) }
        }
        add(runBase + "/graph.svg", asText: true)
        var logBytes = 0
        for instance in show["tasks"]?.arrayValue ?? [] {
            guard let task = instance["task"]?.stringValue else { continue }
            let label = instance["label"]?.stringValue
            for attempt in instance["attempts"]?.arrayValue ?? [] where attempt["log"]?.stringValue != nil {
                guard let number = attempt["try"]?.intValue, logBytes < maxLogBytes else { continue }
                let path = query(runBase + "/log", [("task", task), ("label", label), ("try", String(number))])
                add(path, asText: true)
                logBytes += data.last?.1.stringValue?.utf8.count ?? 0
            }
            for (name, value) in instance["outputs"]?.objectValue ?? [] where value.stringValue?.hasSuffix("/" + name + ".arrow") == true {
                add(query(runBase + "/table", [("task", task), ("label", label), ("output", name), ("head", String(WebResponder.defaultHead))]), asText: false)
            }
        }
        return page(data: .object(data), title: "\(pipeline) run \(id)")
    }

    /// The runs page (`/`) or a pipeline's page (`/pipelines/<name>`) as one
    /// file in the same way: the answers that page asks for, embedded. Its
    /// links to other pages are plain text (there is no server to follow them to).
    public static func html(page path: String, workspaces: [String]) throws(Failure) -> [UInt8] {
        let responder = WebResponder(workspaces: workspaces)
        var needed: [(path: String, asText: Bool)] = []
        if path == "/" {
            needed = [("/api/runs", false)]
        } else if path.hasPrefix("/pipelines/") {
            let api = "/api" + path
            needed = [(api, false), (api + "/graph.svg", true)]
        } else {
            throw Failure(description: "\(path) is not a page a file can hold: write / or /pipelines/NAME")
        }
        var data: [(String, JSON)] = [("#page", .string(path)), ("#generated", .string(path == "/" ? "the runs" : String(path.dropFirst())))]
        for (api, asText) in needed {
            let response = responder.respond(WebRequest(target: api))
            let text = String(decoding: response.body, as: UTF8.self)
            guard response.status == 200 else {
                throw Failure(description: (try? JSON.parse(text))?["error"]?.stringValue ?? "\(api) cannot be answered")
            }
            if asText { data.append((api, .string(text))) } else if let value = try? JSON.parse(text) { data.append((api, value)) }
        }
        return page(data: .object(data), title: path == "/" ? "Runs" : String(path.dropFirst()))
    }

    /// index.html with the stylesheet and script inlined and the data before the script.
    static func page(data: JSON, title: String) -> [UInt8] {
        var html = String(decoding: WebAssets.indexHTML, as: UTF8.self)
        // `<` never appears raw inside the data script, so no text in it can end the element.
        let json = data.compact().replacingOccurrences(of: "<", with: "\\u003c")
        let policy = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            + "script-src 'unsafe-inline'; img-src data:\">"
        html = html.replacingOccurrences(of: "<title>Sluice</title>", with: policy + "\n<title>" + escapeText(title) + " · Sluice report</title>")
        html = html.replacingOccurrences(of: "<link rel=\"stylesheet\" href=\"/assets/app.css\">",
                                         with: "<style>\n" + String(decoding: WebAssets.appCSS, as: UTF8.self) + "</style>")
        html = html.replacingOccurrences(of: "<script src=\"/assets/app.js\"></script>",
                                         with: "<script type=\"application/json\" id=\"sluice-data\">" + json + "</script>\n<script>\n"
                                            + String(decoding: WebAssets.appJS, as: UTF8.self) + "</script>")
        return Array(html.utf8)
    }

    /// `path?k=v&…` spelled as the page's `apiPath` spells it (keys in order, nil values left out).
    static func query(_ path: String, _ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { key, value in value.map { uriComponent(key) + "=" + uriComponent($0) } }
        return parts.isEmpty ? path : path + "?" + parts.joined(separator: "&")
    }

    /// JavaScript's `encodeURIComponent`: every byte of the UTF-8 but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` as `%XX`.
    static func uriComponent(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "~"), UInt8(ascii: "*"),
                 UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    private static func escapeText(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
