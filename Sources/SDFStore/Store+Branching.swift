import Foundation
import GRDB
import SDFCore

/// Where a branched discussion comes from: its trunk discussion and the user turn it was branched at.
///
/// Stored in `discussion.branchedFromDiscussion` and `discussion.branchTurn` (migration `v10-branching`); the copied
/// rows of the prefix carry their origin's id in `turn.branchedFrom` and `moderator_decision.branchedFrom`.
public struct BranchLink: Codable, Sendable, Hashable {
    /// The branched discussion's id.
    public var discussionId: String
    /// The trunk discussion whose prefix was copied.
    public var branchedFromDiscussion: String
    /// The branch point *K*: the prefix holds the trunk's first *K* user turns (1-based, seed comment excluded) and
    /// every moderator turn and decision before the *K*-th user turn.
    public var branchTurn: Int

    /// Creates a link.
    public init(discussionId: String, branchedFromDiscussion: String, branchTurn: Int) {
        self.discussionId = discussionId
        self.branchedFromDiscussion = branchedFromDiscussion
        self.branchTurn = branchTurn
    }
}

extension Store {
    /// Migration `v10-branching` (counterfactual branching): `discussion.branchedFromDiscussion` (the trunk's id) and
    /// `discussion.branchTurn` (*K*), and `turn.branchedFrom` / `moderator_decision.branchedFrom` (the id of the trunk
    /// row a prefix row was copied from). All NULL for discussions that are not branched, so stores of earlier
    /// versions open, resume and export unchanged.
    static func registerBranchingMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v10-branching") { db in
            try db.alter(table: "discussion") { t in
                t.add(column: "branchedFromDiscussion", .text)
                t.add(column: "branchTurn", .integer)
            }
            try db.alter(table: "turn") { t in t.add(column: "branchedFrom", .text) }
            try db.alter(table: "moderator_decision") { t in t.add(column: "branchedFrom", .text) }
        }
    }

    /// Starts a branched discussion with its copied prefix, in one transaction: removes any earlier attempt, inserts
    /// the discussion, its participants, the copied turns and moderator decisions (each as given: the caller derives
    /// their ids from the branched discussion), and records the links.
    ///
    /// - Parameters:
    ///   - link: the trunk and branch turn, stored on the discussion row.
    ///   - turns: the copied turns paired with the id of the trunk turn each copies (stored in `turn.branchedFrom`).
    ///   - decisions: the copied moderator decisions paired with their origin's id.
    ///   - prompts: the prompts of the copied calls (inserted unless the store has them: a prefix from another store).
    /// - Throws: ``StoreError`` / GRDB errors (nothing is written then).
    public func startBranchedDiscussion(
        _ discussion: DiscussionRecord, participants: [ParticipantRecord], link: BranchLink,
        turns: [(TurnRecord, origin: String)], decisions: [(ModeratorDecisionRecord, origin: String)], prompts: [PromptRecord] = [],
        seeds: [SeedCommentRecord] = []
    ) async throws {
        try await writer.write { db in
            for prompt in prompts { try prompt.insert(db, onConflict: .ignore) }
            try db.execute(sql: "DELETE FROM turn WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM moderator_decision WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM participant WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM seed_comment WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM discussion WHERE id = ?", arguments: [discussion.id])
            try discussion.insert(db)
            for seed in seeds { try seed.insert(db) }
            try db.execute(
                sql: "UPDATE discussion SET branchedFromDiscussion = ?, branchTurn = ? WHERE id = ?",
                arguments: [link.branchedFromDiscussion, link.branchTurn, discussion.id])
            for participant in participants { try participant.insert(db) }
            for (turn, origin) in turns {
                try Self.insert(turn, db)
                try db.execute(sql: "UPDATE turn SET branchedFrom = ? WHERE id = ?", arguments: [origin, turn.id])
            }
            for (decision, origin) in decisions {
                try decision.insert(db)
                try db.execute(sql: "UPDATE moderator_decision SET branchedFrom = ? WHERE id = ?", arguments: [origin, decision.id])
            }
        }
    }

    /// Every branched discussion's link, by discussion id; empty for a store without branching.
    public func branchLinks() async throws -> [String: BranchLink] {
        try await writer.read { db in
            var result: [String: BranchLink] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, branchedFromDiscussion, branchTurn FROM discussion WHERE branchedFromDiscussion IS NOT NULL")
            for row in rows {
                let link = BranchLink(discussionId: row["id"], branchedFromDiscussion: row["branchedFromDiscussion"], branchTurn: row["branchTurn"])
                result[link.discussionId] = link
            }
            return result
        }
    }

    /// One discussion's branch link, or `nil` when it is not branched (or not stored).
    public func branchLink(of discussionId: String) async throws -> BranchLink? {
        try await writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT branchedFromDiscussion, branchTurn FROM discussion WHERE id = ? AND branchedFromDiscussion IS NOT NULL",
                    arguments: [discussionId])
            else { return nil }
            return BranchLink(discussionId: discussionId, branchedFromDiscussion: row["branchedFromDiscussion"], branchTurn: row["branchTurn"])
        }
    }

    /// The copied rows of a discussion's prefix: turn id → the trunk turn id it was copied from (`turn.branchedFrom`).
    public func turnOrigins(of discussionId: String) async throws -> [String: String] {
        try await writer.read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT id, branchedFrom FROM turn WHERE discussionId = ? AND branchedFrom IS NOT NULL", arguments: [discussionId])
            {
                result[row["id"]] = row["branchedFrom"]
            }
            return result
        }
    }

    /// The copied moderator decisions of a discussion: decision id → the trunk decision id it was copied from.
    public func decisionOrigins(of discussionId: String) async throws -> [String: String] {
        try await writer.read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT id, branchedFrom FROM moderator_decision WHERE discussionId = ? AND branchedFrom IS NOT NULL",
                arguments: [discussionId])
            {
                result[row["id"]] = row["branchedFrom"]
            }
            return result
        }
    }
}

extension Store {
    /// Copies discussion `id` whole from `source` (the discussion, participants, seed comments, turns, moderator
    /// decisions and their prompts, ids unchanged) into this store, replacing any copy of it, in one transaction: how
    /// `sdf run --branch-from` brings each trunk into the new store without calling a model. Annotations are not
    /// copied (the new store's annotation stage annotates the copy).
    ///
    /// - Throws: ``StoreError`` when `source` has no discussion `id`.
    public func copyDiscussion(_ id: String, from source: Store) async throws {
        guard let discussion = try await source.discussion(id: id) else {
            throw StoreError("\(source.path) has no discussion \(id)")
        }
        let participants = try await source.participants(of: id)
        let turns = try await source.turns(of: id)
        let decisions = try await source.moderatorDecisions(of: id)
        // The seed comments as stored (a thread's comments with their authors), not the one-comment fallback.
        let seeds = try await source.writer.read { db in try StoreQuery.seedComments(of: id).fetchAll(db) }
        var prompts: [PromptRecord] = []
        for hash in Set(turns.map(\.call.promptHash) + decisions.map(\.call.promptHash)) {
            if let prompt = try await source.prompt(hash: hash) { prompts.append(prompt) }
        }
        let copiedPrompts = prompts
        try await writer.write { db in
            for prompt in copiedPrompts { try prompt.insert(db, onConflict: .ignore) }
            try db.execute(sql: "DELETE FROM turn WHERE discussionId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM moderator_decision WHERE discussionId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM participant WHERE discussionId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM seed_comment WHERE discussionId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM discussion WHERE id = ?", arguments: [id])
            try discussion.insert(db)
            for seed in seeds { try seed.insert(db) }
            for participant in participants { try participant.insert(db) }
            for turn in turns { try Self.insert(turn, db) }
            for decision in decisions { try decision.insert(db) }
        }
    }
}
