import Foundation
import SDFCore

/// The frame every page shares: head, top bar, breadcrumbs, footer; the stylesheet and script come from `/assets/`.
enum Layout {
    /// A whole HTML document.
    ///
    /// - Parameters:
    ///   - title: the page title (text, escaped).
    ///   - crumbs: breadcrumbs as (label, link); the last one is the current page.
    ///   - wide: use the full window width (compare page).
    static func page(title: String, crumbs: [(String, String?)] = [], wide: Bool = false, body: Markup) -> String {
        let links: [Markup] = crumbs.map { c -> Markup in
            if let link = c.1 { return "<a href=\"\(link)\">\(c.0)</a>" }
            return "\(c.0)"
        }
        let trail: Markup = crumbs.isEmpty ? Markup() : "<div class=\"crumbs\">\(links.joined(separator: " › "))</div>"
        let doc: Markup = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · SDF viewer</title>
            <link rel="stylesheet" href="/assets/app.css">
            <script src="/assets/app.js" defer></script>
            </head>
            <body>
            <header class="top"><a class="brand" href="/">SDF viewer</a><nav><a href="/">Stores</a><a href="/discussions">Discussions</a><a href="/compare">Compare</a></nav></header>
            <main\(wide ? Markup(raw: " class=\"wide\"") : Markup())>
            \(trail)
            \(body)
            </main>
            <footer>SDF \(SDFVersion.current) · read-only viewer</footer>
            </body>
            </html>

            """
        return doc.html
    }
}

extension Array where Element == Markup {
    /// The fragments with `separator` (constant markup) between them.
    func joined(separator: String) -> Markup { Markup(raw: map(\.html).joined(separator: separator)) }
}

/// Formatting helpers shared by the pages.
enum Format {
    /// One decimal, `.` as separator (no locale).
    static func one(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return String(r)
    }

    /// Two decimals, for draws in [0, 1).
    static func two(_ x: Double) -> String {
        let r = Int((x * 100).rounded())
        return "\(r / 100).\(String(r % 100).leftPadded(to: 2))"
    }

    /// ISO 8601 in UTC, seconds precision.
    static func date(_ d: Date?) -> String {
        guard let d else { return "—" }
        return d.formatted(.iso8601)
    }

    /// The first 8 characters of an id.
    static func short(_ id: String) -> String { String(id.prefix(8)) }
}
