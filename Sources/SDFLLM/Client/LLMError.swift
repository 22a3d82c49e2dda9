import SDFCore

/// An LLM call that failed; carries its kind (for grouping and retry decisions) and a message.
public struct LLMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Kinds of failure.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Could not connect (refused, DNS, reset).
        case connection
        /// No answer within the request timeout or the call deadline.
        case timeout
        /// HTTP 429.
        case rateLimited
        /// HTTP 5xx.
        case server
        /// HTTP 4xx other than 401/402/403/429: the request itself is wrong (bad request, context length, unknown
        /// model); not retried, and re-running the same request fails the same way.
        case badRequest
        /// HTTP 401, 402 or 403, or a 429 that says the quota is used up: the key, the account or its quota.
        /// Not retried; a run stops at the first one, since every other call would fail the same way.
        case authentication
        /// The answer was not the JSON expected, or had no choices.
        case malformedResponse
        /// The answer had no text at all.
        case emptyResponse
        /// The local engine is not installed or could not start.
        case engine
        /// The call was cancelled (Ctrl-C, shutdown).
        case cancelled
    }

    /// The kind.
    public var kind: Kind
    /// Details for people (status code, server message).
    public var message: String
    /// Seconds the server asked us to wait (`Retry-After`), if any.
    public var retryAfter: Double?
    /// Attempts made before giving up.
    public var attempts: Int

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, retryAfter: Double? = nil, attempts: Int = 1) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
        self.attempts = attempts
    }

    /// Whether another attempt may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .connection, .timeout, .rateLimited, .server, .malformedResponse, .emptyResponse: return true
        case .badRequest, .authentication, .engine, .cancelled: return false
        }
    }

    /// Whether the same request fails the same way however often it is sent (the request or the account is
    /// wrong, not the moment): re-running does not help until the experiment, key or server changes.
    public var isDeterministic: Bool {
        switch kind {
        case .badRequest, .authentication, .engine: return true
        default: return false
        }
    }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}

extension LLMError: SDFError {
    /// ``SDFExitCode/engineProblem``: a call that stops a command means the engine or an endpoint cannot be used,
    /// or the server refused the key, permission or quota (failed calls during a run are recorded, not thrown).
    public var exitCode: SDFExitCode { .engineProblem }
}
