/// Where in an experiment an LLM call is made: a discussion turn, a `decideFirst` moderator's decision, or an
/// annotator rating a comment.
///
/// The runners set ``current`` (a task-local value) around each call, so that a model that answers from records
/// (``ReplayChatModel``) can pick the record of this very call among identical requests and name the call in its
/// errors.
public enum CallSite: Sendable, Hashable, CustomStringConvertible {
    /// Turn `turnIndex` (1-based) of discussion `discussionId`, spoken by `speaker`.
    case turn(discussionId: String, turnIndex: Int, speaker: String)
    /// Annotator `annotator` rating comment `commentId` of discussion `discussionId`.
    case annotation(discussionId: String, commentId: String, annotator: String)
    /// A `decideFirst` moderator's decision `slot` (1-based) in discussion `discussionId`.
    case decision(discussionId: String, slot: Int)

    /// The call being made by the current task, if a runner set it.
    @TaskLocal public static var current: CallSite?

    /// Whether two sites name the same call (the speaker is not compared: the discussion and turn decide).
    public func sameCall(as other: CallSite) -> Bool {
        switch (self, other) {
        case (.turn(let d1, let t1, _), .turn(let d2, let t2, _)): return d1 == d2 && t1 == t2
        case (.annotation(_, let c1, let a1), .annotation(_, let c2, let a2)): return c1 == c2 && a1 == a2
        case (.decision(let d1, let s1), .decision(let d2, let s2)): return d1 == d2 && s1 == s2
        default: return false
        }
    }

    /// `discussion D turn N (speaker S)`, `comment C of discussion D, annotator A` or `moderator decision N of
    /// discussion D`.
    public var description: String {
        switch self {
        case .turn(let discussion, let index, let speaker): return "discussion \(discussion) turn \(index) (speaker \(speaker))"
        case .annotation(let discussion, let comment, let annotator):
            return "comment \(comment) of discussion \(discussion), annotator \(annotator)"
        case .decision(let discussion, let slot): return "moderator decision \(slot) of discussion \(discussion)"
        }
    }
}
