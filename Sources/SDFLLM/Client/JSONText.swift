import Foundation

/// Repairs a server's JSON answer whose strings are not Unicode text, so that what a model says never fails a call.
///
/// JSON text may carry things a Swift `String` cannot hold or that strict decoders refuse:
/// - a lone UTF-16 surrogate escape (`"\ud800"`, `"\udc00"` without its pair): replaced by `\ufffd` (U+FFFD);
/// - invalid UTF-8 bytes: replaced by U+FFFD (Swift's standard decoding repair);
/// - unescaped control characters inside strings (U+0000–U+001F, which JSON requires escaped): escaped, so they
///   are kept exactly.
///
/// Everything else is left byte for byte. The output cleaner flags U+FFFD in an answer
/// (`CommentFlag.replacementCharacter`), so a repaired answer is visible in the store.
public enum JSONText {
    /// The repaired JSON, or `nil` when `data` needed no repair (its decoding failed for another reason).
    public static func repaired(_ data: Data) -> Data? {
        let text = String(decoding: data, as: UTF8.self)
        var changed = Data(text.utf8) != data
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var inString = false
        var i = 0
        func hex4(at index: Int) -> UInt32? {
            guard index + 4 <= scalars.count else { return nil }
            var value: UInt32 = 0
            for s in scalars[index..<index + 4] {
                guard let digit = Int(String(s), radix: 16) else { return nil }
                value = value * 16 + UInt32(digit)
            }
            return value
        }
        while i < scalars.count {
            let s = scalars[i]
            if !inString {
                if s == "\"" { inString = true }
                out.append(s)
                i += 1
                continue
            }
            switch s {
            case "\"":
                inString = false
                out.append(s)
                i += 1
            case "\\":
                guard i + 1 < scalars.count else {
                    out.append(s)
                    i += 1
                    continue
                }
                if scalars[i + 1] == "u", let unit = hex4(at: i + 2) {
                    if (0xD800...0xDBFF).contains(unit) {
                        if i + 7 < scalars.count, scalars[i + 6] == "\\", scalars[i + 7] == "u",
                            let low = hex4(at: i + 8), (0xDC00...0xDFFF).contains(low)
                        {
                            out.append(contentsOf: scalars[i..<i + 12])
                            i += 12
                        } else {
                            out.append(contentsOf: "\\ufffd".unicodeScalars)
                            changed = true
                            i += 6
                        }
                    } else if (0xDC00...0xDFFF).contains(unit) {
                        out.append(contentsOf: "\\ufffd".unicodeScalars)
                        changed = true
                        i += 6
                    } else {
                        out.append(contentsOf: scalars[i..<i + 6])
                        i += 6
                    }
                } else {
                    out.append(s)
                    out.append(scalars[i + 1])
                    i += 2
                }
            case _ where s.value < 0x20:
                let hex = String(s.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
                changed = true
                i += 1
            default:
                out.append(s)
                i += 1
            }
        }
        return changed ? Data(String(out).utf8) : nil
    }
}
