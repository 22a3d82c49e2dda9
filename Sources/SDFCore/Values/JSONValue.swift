import Foundation

/// Any JSON value, for settings passed through as they are (a model's `extraBody`).
///
/// Decoded from YAML or JSON: integers stay integers (`repeat_penalty: 1` is sent as `1`), other numbers are
/// `Double`s; mappings encode with sorted keys where the encoder sorts.
public enum JSONValue: Codable, Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer.
    case int(Int)
    /// A non-integer number.
    case double(Double)
    /// Text.
    case string(String)
    /// A list.
    case array([JSONValue])
    /// A mapping with text keys.
    case object([String: JSONValue])

    /// Decodes any JSON/YAML value: null, integer, number, boolean, text, list, mapping (tried in that order).
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer() {
            if single.decodeNil() { self = .null; return }
            if let v = try? single.decode(Int.self) { self = .int(v); return }
            if let v = try? single.decode(Double.self) { self = .double(v); return }
            if let v = try? single.decode(Bool.self) { self = .bool(v); return }
            if let v = try? single.decode(String.self) { self = .string(v); return }
            if let v = try? single.decode([JSONValue].self) { self = .array(v); return }
            if let v = try? single.decode([String: JSONValue].self) { self = .object(v); return }
        }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a JSON value"))
    }

    /// Encodes the value as itself.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let v): try c.encode(v)
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .array(let v): try c.encode(v)
        case .object(let v): try c.encode(v)
        }
    }

    /// Compact JSON text with sorted keys.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("null".utf8), as: UTF8.self)
    }
}
