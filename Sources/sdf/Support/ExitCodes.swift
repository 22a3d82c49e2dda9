import ArgumentParser
import SDFCore

extension ExitCode {
    /// The process exit code for one of the README's ``SDFExitCode``s.
    ///
    /// The command line throws these, never a bare number.
    init(_ code: SDFExitCode) {
        self.init(code.rawValue)
    }

    /// The process exit code for an error that stops a command: ``SDFExitCode/init(for:)``, the one mapping from
    /// errors to exit codes (an ``SDFError``'s own code, 130 for a cancellation, 1 otherwise).
    init(for error: any Error) {
        self.init(SDFExitCode(for: error))
    }
}
