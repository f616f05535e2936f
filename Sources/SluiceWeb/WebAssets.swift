/// The hand-written front end (`Assets/`: index.html, app.css, app.js),
/// embedded in the binary by SwiftPM (`.embedInCode`): no build step, no
/// network, nothing to install beside `sluice`.
public enum WebAssets {
    /// The single page: every page path (`/`, `/runs/<id>`, `/pipelines/<name>`) serves it; its script reads the path.
    public static var indexHTML: [UInt8] { PackageResources.index_html }
    public static var appCSS: [UInt8] { PackageResources.app_css }
    public static var appJS: [UInt8] { PackageResources.app_js }

    static var index: WebResponse { WebResponse(status: 200, contentType: "text/html; charset=utf-8", body: indexHTML) }

    /// `/assets/<name>`: only these names, compared, never a path.
    static func asset(named name: String) -> WebResponse? {
        switch name {
        case "app.css": WebResponse(status: 200, contentType: "text/css; charset=utf-8", body: appCSS)
        case "app.js": WebResponse(status: 200, contentType: "text/javascript; charset=utf-8", body: appJS)
        default: nil
        }
    }
}
