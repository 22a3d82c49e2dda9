import Foundation
import GRDB
import SDFCore

/// What the analysis reads of a turn: who spoke, what came of it, the clean text and what the cleaner did — a
/// ``TurnRecord`` without the raw output, the call provenance and the times.
///
/// ``Store/turnFacts()`` reads it from the columns directly (no `Codable` decoding of the call provenance and its
/// sampling parameters): on a store of 90,000 turns that decoding was most of the report's read time and memory.
public struct TurnFacts: Sendable, Hashable {
    /// The turn's id (for comments, the comment id annotations refer to).
    public var id: String
    /// The discussion.
    public var discussionId: String
    /// 1-based position among the discussion's turns.
    public var turnIndex: Int
    /// The speaker's username.
    public var speaker: String
    /// The speaker's role.
    public var role: Role
    /// Comment, abstention or failure.
    public var outcome: TurnOutcome
    /// The clean comment text (comments only).
    public var text: String?
    /// What the cleaner noticed and left.
    public var flags: [CommentFlag]
    /// The cleaning steps that changed the output, in order (``CleaningChange/step``).
    public var cleaningSteps: [String]
    /// Whether a turn-taking decision chose the speaker (user turns of a run; `false` for moderator and imported
    /// turns without one).
    public var hasDecision: Bool

    /// Creates a value.
    public init(
        id: String, discussionId: String, turnIndex: Int, speaker: String, role: Role, outcome: TurnOutcome, text: String?,
        flags: [CommentFlag] = [], cleaningSteps: [String] = [], hasDecision: Bool = false
    ) {
        self.id = id
        self.discussionId = discussionId
        self.turnIndex = turnIndex
        self.speaker = speaker
        self.role = role
        self.outcome = outcome
        self.text = text
        self.flags = flags
        self.cleaningSteps = cleaningSteps
        self.hasDecision = hasDecision
    }

    /// The facts of a full record.
    public init(_ record: TurnRecord) {
        self.init(
            id: record.id, discussionId: record.discussionId, turnIndex: record.turnIndex, speaker: record.speaker,
            role: record.role, outcome: record.outcome, text: record.text, flags: record.flags,
            cleaningSteps: record.cleaning.map(\.step), hasDecision: record.decision != nil)
    }
}

extension Store {
    /// Every turn's ``TurnFacts``, by discussion and turn index (the order of ``allTurns()``), read through a
    /// cursor from the columns the analysis uses.
    ///
    /// - Throws: a GRDB error, or `DecodingError` naming the turn and column when a stored role, outcome, flags or
    ///   cleaning column is not what the schema says (a damaged store).
    public func turnFacts() async throws -> [TurnFacts] {
        try await writer.read { db in
            let decoder = JSONDecoder()
            struct Step: Decodable { var step: String }
            func damaged(_ id: String, _ column: String, _ value: String) -> DecodingError {
                Store.damagedColumn("turn", id, column, value)
            }
            var facts: [TurnFacts] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, discussionId, turnIndex, speaker, role, outcome, text, flags, cleaning, decision IS NOT NULL
                    FROM turn ORDER BY discussionId, turnIndex
                    """)
            while let row = try rows.next() {
                let id: String = row[0]
                let roleText: String = row[4]
                let outcomeText: String = row[5]
                guard let role = Role(rawValue: roleText) else { throw damaged(id, "role", roleText) }
                guard let outcome = TurnOutcome(rawValue: outcomeText) else { throw damaged(id, "outcome", outcomeText) }
                let flagsText: String = row[7]
                let cleaningText: String = row[8]
                let flags: [CommentFlag]
                let steps: [String]
                do {
                    flags = flagsText == "[]" ? [] : try decoder.decode([CommentFlag].self, from: Data(flagsText.utf8))
                } catch { throw damaged(id, "flags", flagsText) }
                do {
                    steps = cleaningText == "[]" ? [] : try decoder.decode([Step].self, from: Data(cleaningText.utf8)).map(\.step)
                } catch { throw damaged(id, "cleaning", cleaningText) }
                facts.append(
                    TurnFacts(
                        id: id, discussionId: row[1], turnIndex: row[2], speaker: row[3], role: role, outcome: outcome,
                        text: row[6], flags: flags, cleaningSteps: steps, hasDecision: row[9]))
            }
            return facts
        }
    }
}

extension Store {
    /// The error of a slim read (``turnFacts()``, the exports' annotation reads) for a stored value that is not what
    /// the schema says: names the table's row and column, and shows the value (at most 80 characters).
    static func damagedColumn(_ table: String, _ id: String, _ column: String, _ value: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: "\(table) \(id): column \(column) holds '\(value.prefix(80))', which is not what the schema says"))
    }
}
