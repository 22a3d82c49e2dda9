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
    /// Classifies a JSON file by its top-level keys (see ``LegacyFileKind``).
    ///
    /// - Throws: ``LegacyFormatError`` when the data is not valid JSON.
    public static func kind(of data: Data) throws -> LegacyFileKind {
        guard let value = try? JSONDecoder().decode(LooseJSONValue.self, from: data) else {
            throw LegacyFormatError(problem: "not valid JSON")
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
