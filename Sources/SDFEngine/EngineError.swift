import SDFCore

/// A run could not go on for a reason of the engine layer itself (not a store's file, not an LLM call).
///
/// Thrown by ``ExperimentRunner``, ``AnnotationRunner`` and the discussion runner; the message text names what is
/// wrong and is printed as `error: MESSAGE`.
public struct EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem, which decides the exit code.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A condition's or the annotation stage's model has no binding: the run cannot call it.
        case noModelBound
        /// The store's content does not match this experiment: a resumed discussion's stored turns differ from
        /// the replayed design, or an annotator already rated comments under another rubric or instructions.
        case storeMismatch
    }

    /// The kind.
    public var kind: Kind
    /// What went wrong, for people.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

extension EngineError: SDFError {
    /// ``SDFExitCode/engineProblem`` for ``Kind/noModelBound``; ``SDFExitCode/storeProblem`` for
    /// ``Kind/storeMismatch`` (the same command fails until another `--store` is used).
    public var exitCode: SDFExitCode {
        switch kind {
        case .noModelBound: return .engineProblem
        case .storeMismatch: return .storeProblem
        }
    }
}
