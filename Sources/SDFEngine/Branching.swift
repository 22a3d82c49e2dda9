import Foundation
import SDFCore
import SDFStore

/// The part of a trunk discussion a branched discussion starts from, and how it is copied.
///
/// The prefix at branch point *K* is: the trunk's first *K* user turns (turns with a turn-taking decision,
/// comments and abstentions alike; the seed comment is not a turn), every moderator turn before the *K*-th user turn,
/// and every moderator decision that follows a user turn before the *K*-th. The moderator's reaction to user turn *K*
/// is not part of it: the branched condition's own moderator decides that. Copied rows keep their `turnIndex`,
/// `slot`, texts and call provenance; their ids are derived from the branched discussion (as its own turns' ids are).
public struct BranchPrefix: Sendable, Hashable {
    /// The trunk's turns of the prefix, in order.
    public var turns: [TurnRecord]
    /// The trunk's moderator decisions of the prefix, by slot.
    public var decisions: [ModeratorDecisionRecord]
    /// The `turnIndex` of the *K*-th user turn: the last row of the prefix.
    public var lastTurnIndex: Int

    /// Cuts the prefix at user turn `k` out of a trunk's stored turns and decisions.
    ///
    /// - Returns: `nil` when the trunk does not (yet) hold `k` user turns, or a turn of the prefix failed.
    public static func cut(turns: [TurnRecord], decisions: [ModeratorDecisionRecord], atTurn k: Int) -> BranchPrefix? {
        let ordered = turns.sorted { $0.turnIndex < $1.turnIndex }
        let userTurns = ordered.filter { $0.decision != nil }
        guard k >= 1, userTurns.count >= k else { return nil }
        let last = userTurns[k - 1].turnIndex
        let prefix = ordered.filter { $0.turnIndex <= last }
        guard !prefix.contains(where: { $0.outcome == .failed }) else { return nil }
        return BranchPrefix(
            turns: prefix, decisions: decisions.filter { $0.afterTurnIndex < last && $0.status != .failed }.sorted { $0.slot < $1.slot },
            lastTurnIndex: last)
    }

    /// The prefix as rows of the branched discussion of `cell` (seed ``DesignCell/seed``, id
    /// ``DesignCell/discussionId``): turn ids `uuid(seed, "turn", discussionId, turnIndex)` and decision ids
    /// `uuid(seed, "moderator-decision", discussionId, slot)`, exactly the ids the discussion's own rows would have;
    /// each paired with its origin's id.
    public func copied(into cell: DesignCell) -> (turns: [(TurnRecord, origin: String)], decisions: [(ModeratorDecisionRecord, origin: String)]) {
        let turns = self.turns.map { turn -> (TurnRecord, origin: String) in
            var copy = turn
            copy.id = SeedDerivation.uuid(cell.seed, "turn", cell.discussionId, String(turn.turnIndex))
            copy.discussionId = cell.discussionId
            return (copy, origin: turn.id)
        }
        let decisions = self.decisions.map { decision -> (ModeratorDecisionRecord, origin: String) in
            var copy = decision
            copy.id = SeedDerivation.uuid(cell.seed, "moderator-decision", cell.discussionId, String(decision.slot))
            copy.discussionId = cell.discussionId
            return (copy, origin: decision.id)
        }
        return (turns, decisions)
    }
}

/// Where the trunks of a run stand: a branched discussion waits here until its trunk has committed the user turns
/// its prefix needs (or has ended), then reads the prefix from the store.
///
/// Trunks report each committed user turn (``report(_:userTurns:)``) and their end (``finish(_:)``, also when they
/// fail or are cancelled), so a waiter never waits for a trunk that will not go on.
actor PrefixBoard {
    private var progress: [String: Int] = [:]
    private var ended: Set<String> = []
    private var waiters: [String: [(Int, CheckedContinuation<Void, Never>)]] = [:]

    /// A board on which the trunks in `ended` (done before this run, or not run by it) are already over.
    init(ended: Set<String>) { self.ended = ended }

    /// Trunk `id` has committed `userTurns` user turns.
    func report(_ id: String, userTurns: Int) {
        progress[id] = max(progress[id] ?? 0, userTurns)
        var ready: [CheckedContinuation<Void, Never>] = []
        var waiting: [(Int, CheckedContinuation<Void, Never>)] = []
        for waiter in waiters[id] ?? [] {
            if waiter.0 <= userTurns { ready.append(waiter.1) } else { waiting.append(waiter) }
        }
        waiters[id] = waiting
        for c in ready { c.resume() }
    }

    /// Trunk `id` will commit no more turns in this run.
    func finish(_ id: String) {
        ended.insert(id)
        for (_, c) in waiters[id] ?? [] { c.resume() }
        waiters[id] = nil
    }

    /// Returns once trunk `id` has committed `userTurns` user turns or has ended.
    func wait(_ id: String, userTurns: Int) async {
        if ended.contains(id) || (progress[id] ?? 0) >= userTurns { return }
        await withCheckedContinuation { waiters[id, default: []].append((userTurns, $0)) }
    }
}
