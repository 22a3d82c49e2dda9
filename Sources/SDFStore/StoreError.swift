import Foundation
import SDFCore

/// A store could not be opened, read or written as asked.
public struct StoreError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// What went wrong, naming the store.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
    /// The message.
    public var errorDescription: String? { message }

    /// Writes `data` to `path` atomically (a temporary file renamed into place: never half-written).
    ///
    /// - Throws: ``StoreError`` "cannot write PATH: reason".
    public static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StoreError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

extension StoreError: SDFError {
    /// ``SDFExitCode/storeProblem``.
    public var exitCode: SDFExitCode { .storeProblem }
}
