/// One seed comment of a discussion with its real author, as stored for seed threads and imported discussions.
///
/// Discussions that SDF runs from a one-comment seed have that comment by the non-participant `OP`, kept on the
/// ``DiscussionRecord`` itself; a seed thread stores one record per comment, the first with the discussion's
/// ``DiscussionRecord/seedCommentId``. Files of the earlier tools may open a thread with several hard-coded comments
/// attributed to named authors (SynDisco 2.x); each becomes one record, in thread order, and the discussion
/// record's ``DiscussionRecord/seedComment`` and ``DiscussionRecord/seedCommentId`` are the first of them.
public struct SeedCommentRecord: Codable, Sendable, Hashable {
    /// Stable UUID (the first seed's id is the discussion's ``DiscussionRecord/seedCommentId``).
    public var id: String
    /// The discussion.
    public var discussionId: String
    /// 0-based position among the discussion's seed comments.
    public var position: Int
    /// Who the file says wrote it (`OP` for a non-participant).
    public var author: String
    /// The text, as written.
    public var text: String

    /// Creates a record.
    public init(id: String, discussionId: String, position: Int, author: String, text: String) {
        self.id = id
        self.discussionId = discussionId
        self.position = position
        self.author = author
        self.text = text
    }
}
