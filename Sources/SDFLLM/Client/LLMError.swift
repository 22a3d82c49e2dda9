import SDFCore

/// An LLM call that failed; carries its kind (for grouping and retry decisions) and a message.
public struct LLMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Kinds of failure (``CallErrorKind``, defined in SDFCore so stored records carry it).
    public typealias Kind = CallErrorKind

    /// The kind.
    public var kind: Kind
    /// Details for people (status code, server message).
    public var message: String
    /// Seconds the server asked us to wait (`Retry-After`), if any.
    public var retryAfter: Double?
    /// Attempts made before giving up.
    public var attempts: Int
    /// Whether the server rejected the request because of its `response_format` (its body names it): another
    /// form may be accepted (``StructuredOutputMode/auto``); the same one never is.
    public var rejectsStructuredOutput: Bool = false
    /// The `response_format` form of the failed request, when it carried a JSON schema.
    public var structuredOutput: StructuredOutputForm?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, retryAfter: Double? = nil, attempts: Int = 1) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
        self.attempts = attempts
    }

    /// Whether another attempt may succeed (``CallErrorKind/isRetryable``).
    public var isRetryable: Bool { kind.isRetryable }

    /// Whether the same request fails the same way however often it is sent (``CallErrorKind/isDeterministic``).
    public var isDeterministic: Bool { kind.isDeterministic }

    /// The failure as recorded with the call (kind and message).
    public var recorded: CallFailure { CallFailure(kind: kind, message: message) }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}

extension LLMError: SDFError {
    /// ``SDFExitCode/engineProblem``: a call that stops a command means the engine or an endpoint cannot be used,
    /// or the server refused the key, permission or quota (failed calls during a run are recorded, not thrown).
    public var exitCode: SDFExitCode { .engineProblem }
}
