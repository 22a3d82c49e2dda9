import SDFCore

/// Why a replayed run (`sdf run --replay-from OLD`) could not go on.
///
/// Every kind stops the run before or at the call concerned: finished turns and annotations stay committed in the new
/// store (resumable state, as after Ctrl-C), the call concerned is not recorded.
public struct ReplayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A request has no recorded call in the replayed store (and misses are not sent live).
        case miss
        /// The model name a request must carry is known neither from the experiment file (`model`) nor from the
        /// replayed store's run manifests.
        case requestModelUnknown
        /// The replayed store and the store written are the same file.
        case sameStore
    }

    /// The kind.
    public var kind: Kind
    /// The message for people (without the `error: ` prefix).
    public var message: String
    /// The call that missed, for ``Kind/miss``.
    public var site: CallSite?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, site: CallSite? = nil) {
        self.kind = kind
        self.message = message
        self.site = site
    }

    /// The message.
    public var description: String { message }
}

extension ReplayError: SDFError {
    /// ``SDFExitCode/storeProblem`` for a miss or an unknown model name (the replayed store does not match the
    /// experiment); ``SDFExitCode/badFlags`` when `--replay-from` names the store being written.
    public var exitCode: SDFExitCode { kind == .sameStore ? .badFlags : .storeProblem }
}
