import Foundation
/// A fragment of HTML whose interpolated text is escaped unless it is itself markup.
///
/// Pages are built from `Markup` literals: `"<p>\(comment.text)</p>" as Markup` escapes the comment text,
/// while `"<div>\(otherMarkup)</div>"` inserts already-built markup as is. Interpolating a `String`, a number
/// or any other value always escapes it, so text a model or an imported file wrote cannot become markup by
/// accident; the only way to insert unescaped text is ``init(raw:)``, used for the page's own constant markup.
public struct Markup: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The HTML text.
    public private(set) var html: String

    /// Wraps HTML text that is trusted as is (constant markup written in this module).
    public init(raw html: String) { self.html = html }

    /// An empty fragment.
    public init() { self.html = "" }

    /// A literal without interpolations: trusted as written.
    public init(stringLiteral value: String) { self.html = value }

    /// A literal with interpolations, each escaped or inserted as described in the type's summary.
    public init(stringInterpolation: StringInterpolation) { self.html = stringInterpolation.html }

    /// The HTML text.
    public var description: String { html }

    /// Appends another fragment.
    public static func += (lhs: inout Markup, rhs: Markup) { lhs.html += rhs.html }

    /// Concatenates two fragments.
    public static func + (lhs: Markup, rhs: Markup) -> Markup { Markup(raw: lhs.html + rhs.html) }

    /// Builds the interpolated literal of a ``Markup``.
    public struct StringInterpolation: StringInterpolationProtocol {
        var html = ""

        /// Reserves room for the literal.
        public init(literalCapacity: Int, interpolationCount: Int) { html.reserveCapacity(literalCapacity * 2) }

        /// The literal parts, trusted as written.
        public mutating func appendLiteral(_ literal: String) { html += literal }

        /// Already-built markup, inserted as is.
        public mutating func appendInterpolation(_ markup: Markup) { html += markup.html }

        /// Text, escaped for element content and quoted attribute values.
        public mutating func appendInterpolation(_ text: String) { html += HTMLEscape.text(text) }

        /// Text, escaped; `nil` gives nothing.
        public mutating func appendInterpolation(_ text: String?) { html += HTMLEscape.text(text ?? "") }

        /// An integer.
        public mutating func appendInterpolation(_ number: Int) { html += String(number) }

        /// Appends an optional value escaped, `—` when it is `nil` (never Swift's `Optional(…)` spelling).
        public mutating func appendInterpolation<T>(_ value: T?) {
            html += value.map { HTMLEscape.text(String(describing: $0)) } ?? "—"
        }

        /// Any other value, through its description, escaped.
        public mutating func appendInterpolation<T>(_ value: T) { html += HTMLEscape.text(String(describing: value)) }
    }
}

extension Array where Element == Markup {
    /// The fragments one after another.
    func joined() -> Markup { Markup(raw: map(\.html).joined()) }
}

/// Escaping for HTML text and attribute values.
public enum HTMLEscape {
    /// Escapes `&`, `<`, `>`, `"` and `'`, so the result is safe both as element content and inside a quoted
    /// attribute value.
    public static func text(_ s: String) -> String {
        var needs = false
        for u in s.utf8 where u == 38 || u == 60 || u == 62 || u == 34 || u == 39 {
            needs = true
            break
        }
        guard needs else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Percent-encodes a query parameter value: everything but RFC 3986's unreserved characters, as UTF-8 bytes
    /// with upper-case hex digits (Foundation's `addingPercentEncoding`).
    public static func query(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// RFC 3986 §2.3 unreserved characters.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    /// Percent-encodes one path segment (a discussion id or store name).
    public static func pathSegment(_ s: String) -> String { query(s) }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
