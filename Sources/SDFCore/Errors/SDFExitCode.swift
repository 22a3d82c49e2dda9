/// The exit codes of the `sdf` command, as the README lists them in the `sdf run` row.
///
/// Every subcommand ends with one of these; errors of SDF's layers say which one through ``SDFError/exitCode``,
/// and ``SDFExitCode/init(for:)`` is the one place that maps any error to a code.
public enum SDFExitCode: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// 0: everything asked for was done.
    ///
    /// `sdf run`/`sdf annotate` with no failed discussion, and every other command that succeeds.
    case allDone = 0

    /// 1: the command ran, but some of its work failed.
    ///
    /// `sdf run`: some discussion failed (the message says whether re-running can help); `sdf import`: the import
    /// was not committed; `sdf engine status`: the engine or the default model is missing; an unexpected error.
    case someFailed = 1

    /// 2: the experiment file cannot be used; nothing was written.
    ///
    /// Invalid YAML or fields, counts beyond the study limits, prompt templates that render an empty message, a
    /// persona file that cannot be read, `sdf annotate` on a file with no `annotation` section, and `sdf init`
    /// refusing to overwrite or failing to write the experiment files.
    case badExperiment = 2

    /// 3: the engine or an endpoint cannot be used, or the server refused the key, permission or quota.
    ///
    /// The local engine is not installed or does not start, an endpoint cannot be reached, an HTTP 401/402/403 or a
    /// quota 429 stopped the run, or no model is bound for a condition.
    case engineProblem = 3

    /// 4: a store problem.
    ///
    /// The store cannot be opened, read or written, is in use by another run, was made from a different design or
    /// does not match the experiment, or an export/report folder belongs to another store; `sdf power` on a store
    /// with fewer than two conditions or no `ok` rating.
    case storeProblem = 4

    /// 64: bad command-line flags (as `EX_USAGE`).
    ///
    /// Also what swift-argument-parser uses for a failed validation.
    case badFlags = 64

    /// 130: interrupted by Ctrl-C or SIGTERM (128 + SIGINT); finished work is kept.
    case interrupted = 130

    /// The code's number and name, e.g. `4 (storeProblem)`.
    public var description: String {
        let name: String
        switch self {
        case .allDone: name = "allDone"
        case .someFailed: name = "someFailed"
        case .badExperiment: name = "badExperiment"
        case .engineProblem: name = "engineProblem"
        case .storeProblem: name = "storeProblem"
        case .badFlags: name = "badFlags"
        case .interrupted: name = "interrupted"
        }
        return "\(rawValue) (\(name))"
    }

    /// The exit code for an error: an ``SDFError``'s own code, ``interrupted`` for a `CancellationError`,
    /// ``someFailed`` for anything else.
    ///
    /// This is the one place where errors become exit codes; the command line calls it, never a literal.
    public init(for error: any Error) {
        switch error {
        case let error as any SDFError: self = error.exitCode
        case is CancellationError: self = .interrupted
        default: self = .someFailed
        }
    }
}

/// An error of one of SDF's layers that says which ``SDFExitCode`` the command line ends with.
///
/// Conforming: `ExperimentFileError`, `PersonaFileError` and `LegacyFormatError` (SDFCore), `LLMError` (SDFLLM),
/// `StoreError` and `ImportError` (SDFStore), `EngineError` and `ExperimentRunError` (SDFEngine), `ServeError`
/// (SDFServe). The error's own text (its `description` or `message`) is unchanged by the conformance.
public protocol SDFError: Error {
    /// The exit code a command ends with when this error stops it.
    var exitCode: SDFExitCode { get }
}

extension ExperimentFileError: SDFError {
    /// ``SDFExitCode/badExperiment``: the experiment file cannot be used.
    public var exitCode: SDFExitCode { .badExperiment }
}

extension PersonaFileError: SDFError {
    /// ``SDFExitCode/badExperiment``: a persona file the experiment names cannot be read.
    public var exitCode: SDFExitCode { .badExperiment }
}

extension LegacyFormatError: SDFError {
    /// ``SDFExitCode/someFailed``: a file to import cannot be decoded (an import that is not committed exits 1).
    ///
    /// `sdf import` reports a bad `--condition-pattern`, which throws this error too, as ``SDFExitCode/badFlags``.
    public var exitCode: SDFExitCode { .someFailed }
}
