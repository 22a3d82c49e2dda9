/// What a participant does in a discussion.
///
/// Raw values are the words used in stores and exports: `op` is the non-participant author of a seed
/// comment, `user` an ordinary participant, `troll` a user with sabotage instructions, `moderator` the
/// facilitator, `annotator` a member of the annotation panel.
public enum Role: String, Codable, Sendable, Hashable, CaseIterable {
    /// The original poster of a seed comment; never an agent.
    case op
    /// An ordinary participant.
    case user
    /// A participant with sabotage instructions.
    case troll
    /// The LLM moderator (facilitator).
    case moderator
    /// A member of the annotation panel.
    case annotator
}
