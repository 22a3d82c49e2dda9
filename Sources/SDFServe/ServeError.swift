import SDFCore

/// The viewer could not start or could not read a store as asked.
public struct ServeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for people.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

extension ServeError: SDFError {
    /// ``SDFExitCode/storeProblem``: `sdf serve` cannot open or read one of its stores, or cannot start.
    public var exitCode: SDFExitCode { .storeProblem }
}
