import Foundation

/// What kind of file a JSON file is, for importers: read from its top-level keys only.
public enum LegacyFileKind: Sendable, Hashable {
    /// An annotation file (`logs` and `conv_id`).
    case annotations
    /// An sdf-json export with SDF's lossless `sdf` extension.
    case sdfJSON
    /// A discussion file (`logs` without `conv_id`); `strategy`, `model` and `replicate` are SDF's condition keys
    /// of sdf-json files without the extension, `nil` in files of the earlier tools.
    case discussion(strategy: String?, model: String?, replicate: Int?)
    /// Any other JSON value (a list, or an object without `logs`, e.g. a persona file): not a discussion or
    /// annotation file.
    case other
}

extension LegacyFormats {
    /// A decoding error's coding path as people write it: `sdf.turns[3].text` (empty for the top level).
    public static func codingPath(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// What a JSON decoding error says went wrong (the parser's own reason, with its line and column where it gives
    /// them), for people.
    static func jsonProblem(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String { codingPath(context.codingPath) }
        switch error {
        case .dataCorrupted(let context):
            let reason = context.underlyingError.map { "\($0)" } ?? "malformed or incomplete JSON text"
            return path(context).isEmpty ? reason : "at '\(path(context))': \(reason)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            // Any JSON value decodes, so this is text the parser could not read there, e.g. a string with a lone
            // surrogate escape.
            return "the value at '\(path(context))' cannot be read (for example a string with an invalid escape such as a lone surrogate \\ud800)"
        @unknown default:
            return "\(error)"
        }
    }

    /// Classifies a JSON file by its top-level keys (see ``LegacyFileKind``).
    ///
    /// - Throws: ``LegacyFormatError`` when the data is empty or not valid JSON, with the parser's reason.
    public static func kind(of data: Data) throws -> LegacyFileKind {
        guard !data.isEmpty else { throw LegacyFormatError(problem: "not valid JSON: the file is empty") }
        let value: LooseJSONValue
        do {
            value = try JSONDecoder().decode(LooseJSONValue.self, from: data)
        } catch {
            throw LegacyFormatError(problem: "not valid JSON: \(Self.jsonProblem(error))")
        }
        guard case .object(let object) = value, object["logs"] != nil else { return .other }
        if object["conv_id"] != nil { return .annotations }
        if object["sdf"] != nil { return .sdfJSON }
        var strategy: String?
        var model: String?
        var replicate: Int?
        if case .string(let s)? = object["strategy"] { strategy = s }
        if case .string(let s)? = object["model"] { model = s }
        if case .number(let n)? = object["replicate"] { replicate = Int(exactly: n) }
        return .discussion(strategy: strategy, model: model, replicate: replicate)
    }
}
