/// Control characters in text that comes from a model or a file: which ones count, and how to show them safely.
///
/// "Control characters" here are the C0 controls (U+0000–U+001F) other than tab, line feed and carriage return,
/// DEL (U+007F), the C1 controls (U+0080–U+009F), and the bidirectional embedding, override and isolate
/// controls (U+202A–U+202E, U+2066–U+2069), which can make text display in an order other than its logical one
/// ("Trojan Source"). The output cleaner flags them (``CommentFlag/controlCharacters``); terminal output shows
/// them with ``visible(_:)`` so that a model's ESC or BEL never reaches the user's terminal.
public enum ControlCharacters {
    /// Whether `scalar` is a control character in the sense above (tab, `\n` and `\r` are not).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// Whether `text` contains at least one control character.
    public static func found(in text: String) -> Bool {
        text.unicodeScalars.contains(where: isControl)
    }

    /// `text` with every control character (and carriage return) replaced by a visible stand-in, for terminals.
    ///
    /// C0 controls and `\r` become their Unicode Control Pictures (U+2400 + code: NUL → `␀`, ESC → `␛`, BEL → `␇`,
    /// CR → `␍`); DEL becomes `␡`; C1 and bidirectional controls become `\u{XXXX}`. Tab and line feed are kept
    /// (line feed only when `keepNewlines`, else `␤`). The mapping is for display only: stored and exported text
    /// is never changed.
    ///
    /// - Parameters:
    ///   - text: text from a model, a store or a file.
    ///   - keepNewlines: whether line feeds stay line breaks (multi-line output) or become `␤` (one-line fields).
    /// - Returns: text that cannot move the cursor, change colours, ring the bell or reorder the display.
    public static func visible(_ text: String, keepNewlines: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) || $0 == "\r" || (!keepNewlines && $0 == "\n") }) else {
            return text
        }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A where keepNewlines, 0x09:
                out.append(scalar)
            case 0x0A:
                out.append("\u{2424}")
            case 0x00...0x1F:
                out.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F:
                out.append("\u{2421}")
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: "\\u{\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)}".unicodeScalars)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }
}
