/// Low-level helpers shared by the chart renderers: fixed-decimal numbers, XML escaping, a text-width
/// estimate and an element buffer. Nothing here reads the clock or the locale, so equal input gives equal
/// bytes on every machine.
enum SVG {
    /// `x` with exactly `decimals` digits after the point, rounded half away from zero, never `-0.00`;
    /// non-finite values print as `0` (charts never pass them on purpose).
    static func num(_ x: Double, decimals: Int = 2) -> String {
        guard x.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return x < 0 ? "-9e15" : "9e15" }
        let units = Int64(scaled)
        let negative = x < 0 && units != 0
        let divisor = Int64(scale)
        let whole = units / divisor
        var text = (negative ? "-" : "") + String(whole)
        if decimals > 0 {
            let fraction = String(units % divisor)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// `text` with `&`, `<`, `>` and `"` replaced by entities, safe in element content and in
    /// double-quoted attributes. Control characters other than tab and newline (not allowed in XML 1.0) are
    /// dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A rough width of `text` in a sans-serif font of `size` px (0.58 em per character: about the average
    /// advance of DejaVu Sans and Helvetica for mixed lower case and digits), for laying out legends and labels.
    static func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.58
    }

    /// `text` broken into at most `maxLines` lines of at most `maxWidth` (estimated by ``textWidth(_:size:)``),
    /// for labels too long for one line.
    ///
    /// Lines break after a separator (`/`, space, `_`, `-`, `.`, `,`, `=`, `×`), so `strategy/model` names break at
    /// their parts; a part longer than a line is split where it reaches the width. Text that still does not fit
    /// ends in `…` on the last line. Never returns an empty array.
    static func wrap(_ text: String, maxWidth: Double, size: Double, maxLines: Int) -> [String] {
        let maxChars = max(2, Int(maxWidth / (size * 0.58)))
        guard text.count > maxChars else { return [text] }
        var tokens: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if "/ _-.,=×".contains(character) {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        var lines: [String] = []
        var line = ""
        for token in tokens {
            if line.count + token.count <= maxChars {
                line += token
                continue
            }
            if !line.isEmpty { lines.append(line) }
            line = token
            while line.count > maxChars {
                lines.append(String(line.prefix(maxChars)))
                line = String(line.dropFirst(maxChars))
            }
        }
        if !line.isEmpty { lines.append(line) }
        lines = lines.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }.filter { !$0.isEmpty }
        guard lines.count > max(1, maxLines) else { return lines }
        var kept = Array(lines.prefix(max(1, maxLines)))
        let last = kept[kept.count - 1]
        kept[kept.count - 1] = (last.count < maxChars ? last : String(last.prefix(maxChars - 1))) + "…"
        return kept
    }

    /// `text` cut to at most `maxCharacters` characters, ending in `…` when cut.
    static func truncate(_ text: String, _ maxCharacters: Int) -> String {
        guard text.count > maxCharacters, maxCharacters >= 2 else { return text }
        return String(text.prefix(maxCharacters - 1)) + "…"
    }
}

/// An SVG document under construction: a fixed view box and a list of element lines.
struct SVGDocument {
    let width: Double
    let height: Double
    let title: String
    var lines: [String] = []

    init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        self.title = title
    }

    mutating func add(_ line: String) { lines.append(line) }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil, className: String? = nil,
        tooltip: String? = nil
    ) {
        var attributes = "x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\" width=\"\(SVG.num(max(0, width)))\" height=\"\(SVG.num(max(0, height)))\" fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\"" }
        if let className { attributes = "class=\"\(className)\" " + attributes }
        if let tooltip {
            add("<rect \(attributes)><title>\(SVG.escape(tooltip))</title></rect>")
        } else {
            add("<rect \(attributes)/>")
        }
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, className: String? = nil,
        dash: String? = nil
    ) {
        var attributes = "x1=\"\(SVG.num(x1))\" y1=\"\(SVG.num(y1))\" x2=\"\(SVG.num(x2))\" y2=\"\(SVG.num(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(SVG.num(width))\""
        if let dash { attributes += " stroke-dasharray=\"\(dash)\"" }
        if let className { attributes = "class=\"\(className)\" " + attributes }
        add("<line \(attributes)/>")
    }

    /// A text element; `anchor` is `start`, `middle` or `end`; `rotate` turns it about its anchor point.
    mutating func text(
        _ content: String, x: Double, y: Double, anchor: String = "start", size: Double = 12, weight: String? = nil,
        fill: String = "#222222", className: String? = nil, rotate: Double? = nil, tooltip: String? = nil
    ) {
        var attributes = "x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\""
        if anchor != "start" { attributes += " text-anchor=\"\(anchor)\"" }
        if size != 12 { attributes += " font-size=\"\(SVG.num(size, decimals: 1))\"" }
        if let weight { attributes += " font-weight=\"\(weight)\"" }
        if fill != "#222222" { attributes += " fill=\"\(fill)\"" }
        if let rotate { attributes += " transform=\"rotate(\(SVG.num(rotate)) \(SVG.num(x)) \(SVG.num(y)))\"" }
        if let className { attributes = "class=\"\(className)\" " + attributes }
        let body = SVG.escape(content) + (tooltip.map { "<title>\(SVG.escape($0))</title>" } ?? "")
        add("<text \(attributes)>\(body)</text>")
    }

    /// The finished document: the `<svg>` root with its view box, an accessible `<title>`, a white
    /// background, then the elements, one per line, ending in a newline.
    func render() -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(SVG.num(width)) \(SVG.num(height))\" "
        out += "width=\"\(SVG.num(width, decimals: 0))\" height=\"\(SVG.num(height, decimals: 0))\" role=\"img\" "
        out += "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        out += "<title>\(SVG.escape(title))</title>\n"
        out += "<rect class=\"background\" x=\"0.00\" y=\"0.00\" width=\"\(SVG.num(width))\" height=\"\(SVG.num(height))\" fill=\"#ffffff\"/>\n"
        for line in lines { out += line + "\n" }
        out += "</svg>\n"
        return out
    }
}
