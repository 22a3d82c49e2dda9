/// A piece of prompt text given inline or as a file, e.g. `instructions: "Be brief."` or
/// `instructions: {file: strategies/minimal.txt}` (paths relative to the experiment file).
public enum TextSource: Codable, Sendable, Hashable {
    /// The text itself.
    case inline(String)
    /// A UTF-8 text file, relative to the experiment file's folder unless absolute.
    case file(String)

    private enum Keys: String, CodingKey { case file }

    /// Decodes either a plain string or a mapping with the single key `file`.
    ///
    /// - Throws: `DecodingError` for any other shape.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            self = .inline(text)
            return
        }
        try StrictKeys.check(decoder, allowed: ["file"])
        let container = try decoder.container(keyedBy: Keys.self)
        self = .file(try container.decode(String.self, forKey: .file))
    }

    /// Encodes as a plain string or `{file: …}`.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .inline(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .file(let path):
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(path, forKey: .file)
        }
    }
}

/// Rejects mapping keys that a spec type does not know, so typos fail loudly instead of being ignored.
public enum StrictKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Throws `DecodingError.dataCorrupted` naming the first key of the mapping at `decoder` that is not in `allowed`.
    public static func check(_ decoder: any Decoder, allowed: Set<String>) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath + [key],
                    debugDescription: "unknown key '\(key.stringValue)'; expected one of: "
                        + allowed.sorted().joined(separator: ", ")))
        }
    }
}
