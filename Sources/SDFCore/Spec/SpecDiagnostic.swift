import Foundation

/// One problem found in an experiment file: where it is, which field, and what was expected.
public struct SpecDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// The experiment file (or a file it names) the problem is in.
    public var file: String
    /// 1-based line in `file`, where the YAML parser or the node of `field` gives one.
    public var line: Int?
    /// 1-based column in `file`, where known.
    public var column: Int?
    /// Dotted path of the field, e.g. `discussion.turnTaking.p` or `strategies[1].name`; empty for the whole file.
    public var field: String
    /// What is wrong and what was expected.
    public var message: String

    /// Creates a diagnostic.
    public init(file: String, line: Int? = nil, column: Int? = nil, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `file:line:column: field: message`, leaving out what is unknown.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return field.isEmpty ? "\(location): \(message)" : "\(location): \(field): \(message)"
    }
}

/// The experiment file could not be used; carries every problem found, each naming file, line and field.
public struct ExperimentFileError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The problems, in file order where known.
    public var diagnostics: [SpecDiagnostic]

    /// Creates an error from one or more diagnostics.
    public init(_ diagnostics: [SpecDiagnostic]) { self.diagnostics = diagnostics }

    /// One line per problem.
    public var description: String {
        diagnostics.map { "error: \($0)" }.joined(separator: "\n")
    }

    /// Same as ``description``.
    public var errorDescription: String? { description }
}
