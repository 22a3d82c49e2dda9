import SDFCore
import SDFStore

/// How a conditional moderator schedule (`decideFirst`, `onTrigger`) decided in one condition: how often the
/// moderator was asked or checked, how often it decided to speak, spoke, and stayed silent.
public struct ConditionModeratorDecisions: Sendable, Hashable, Codable {
    /// The condition label.
    public var condition: String
    /// The condition's moderation strategy.
    public var strategy: String
    /// The kinds of decision seen (`decision` for `decideFirst`, `trigger` for `onTrigger`), sorted.
    public var kinds: [String]
    /// Decision points that were decided: decision calls or trigger checks that did not fail.
    public var asked: Int
    /// Of ``asked``, those whose outcome let the moderator speak (`intervene = true`).
    public var decidedToSpeak: Int
    /// Moderator comments posted right after a decision to speak.
    public var spoke: Int
    /// ``asked`` − ``spoke``: decided not to speak, or decided to speak and then abstained (or its turn failed).
    public var stayedSilent: Int
    /// Of ``asked``, answers or scores that could not be read and took the default (no intervention).
    public var unparseable: Int
    /// Decision calls or inline annotations that failed after their retries (not in ``asked``).
    public var failed: Int
    /// ``spoke`` ÷ ``asked``; `nil` when nothing was asked.
    public var speakRate: Double?

    /// Creates the counts of one condition.
    public init(
        condition: String, strategy: String, kinds: [String], asked: Int, decidedToSpeak: Int, spoke: Int, stayedSilent: Int,
        unparseable: Int, failed: Int, speakRate: Double?
    ) {
        self.condition = condition
        self.strategy = strategy
        self.kinds = kinds
        self.asked = asked
        self.decidedToSpeak = decidedToSpeak
        self.spoke = spoke
        self.stayedSilent = stayedSilent
        self.unparseable = unparseable
        self.failed = failed
        self.speakRate = speakRate
    }
}

/// The moderator-decision section: per condition with decisions, counts of ``ConditionModeratorDecisions``.
enum ModeratorDecisionSection {
    /// One entry per condition whose discussions hold moderator decisions, in condition order; `nil` when the store
    /// holds none (every schedule was fixed), so the section and its JSON key are absent.
    static func perCondition(_ input: AnalysisInput) -> [ConditionModeratorDecisions]? {
        guard !input.decisions.isEmpty else { return nil }
        let byDiscussion = Dictionary(grouping: input.decisions, by: \.discussionId)
        let result: [ConditionModeratorDecisions] = input.conditionOrder.compactMap { label in
            let discussions = input.discussionsByCondition[label] ?? []
            var kinds: Set<String> = []
            var (asked, decided, spoke, unparseable, failed) = (0, 0, 0, 0, 0)
            for d in discussions {
                let decisions = byDiscussion[d.id] ?? []
                guard !decisions.isEmpty else { continue }
                let turns = Dictionary(input.turns(of: d.id).map { ($0.turnIndex, $0) }, uniquingKeysWith: { a, _ in a })
                for m in decisions {
                    kinds.insert(m.kind.rawValue)
                    if m.status == .failed {
                        failed += 1
                        continue
                    }
                    asked += 1
                    if m.status == .unparseable { unparseable += 1 }
                    guard m.intervene else { continue }
                    decided += 1
                    if let next = turns[m.afterTurnIndex + 1], next.role == .moderator, next.outcome == .comment { spoke += 1 }
                }
            }
            guard !kinds.isEmpty else { return nil }
            return ConditionModeratorDecisions(
                condition: label, strategy: discussions.first?.strategy ?? "", kinds: kinds.sorted(), asked: asked,
                decidedToSpeak: decided, spoke: spoke, stayedSilent: asked - spoke, unparseable: unparseable, failed: failed,
                speakRate: asked == 0 ? nil : Double(spoke) / Double(asked))
        }
        return result
    }
}
