import Foundation
import GRDB
import SDFCore

// Counts over a whole store.
extension Store {
    /// Annotation jobs by status (`ok`, `outOfRange`, …, `failed`).
    public func annotationStatusCounts() async throws -> [AnnotationStatus: Int] {
        try await writer.read { db in
            var result: [AnnotationStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: Store.annotationStatusCountsSQL) {
                let raw: String = row["status"]
                guard let status = AnnotationStatus(rawValue: raw) else {
                    throw StoreError("\(path): annotation status '\(raw)' is not one SDF writes (\(AnnotationStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                result[status, default: 0] += row["n"] as Int
            }
            return result
        }
    }

    /// What `sdf status` counts, by SQL aggregates (no record is decoded: at a study's size, decoding every turn and
    /// annotation took 20 s).
    ///
    /// - Parameter includeModeratorComments: whether moderator comments are annotated (the design's
    ///   `annotateModerator`).
    /// - Returns: failed turns and failed annotations by error kind (``CallError/kindName``: `unknown` when none or
    ///   an unknown kind was recorded), and the comments of finished discussions an annotation panel rates.
    /// - Throws: a GRDB error when the store cannot be read.
    public func failureAndAnnotationCounts(includeModeratorComments: Bool) async throws -> (
        turnFailures: [String: Int], annotationFailures: [String: Int], commentsToAnnotate: Int
    ) {
        try await writer.read { db in
            func byKind(_ sql: String) throws -> [String: Int] {
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql) {
                    let kind: String? = row[0]
                    let name = kind.flatMap(CallErrorKind.init(rawValue:))?.rawValue ?? "unknown"
                    counts[name, default: 0] += row[1] as Int
                }
                return counts
            }
            let turnFailures = try byKind("SELECT errorKind, COUNT(*) FROM turn WHERE outcome = 'failed' GROUP BY errorKind")
            let annotationFailures = try byKind("SELECT errorKind, COUNT(*) FROM annotation WHERE status = 'failed' GROUP BY errorKind")
            let comments = try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM turn t JOIN discussion d ON d.id = t.discussionId
                    WHERE t.outcome = 'comment' AND d.status = 'done'\(includeModeratorComments ? "" : " AND t.role <> 'moderator'")
                    """) ?? 0
            return (turnFailures, annotationFailures, comments)
        }
    }

    /// Counts of turns by outcome, and of comments carrying each cleaning flag.
    public func summary() async throws -> StoreSummary {
        try await writer.read { db in
            var summary = StoreSummary()
            summary.discussions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM discussion") ?? 0
            summary.discussionsDone = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM discussion WHERE status = 'done'") ?? 0
            summary.discussionsFailed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM discussion WHERE status = 'failed'") ?? 0
            for row in try Row.fetchAll(db, sql: "SELECT outcome, role, COUNT(*) AS n FROM turn GROUP BY outcome, role") {
                let outcome: String = row["outcome"]
                let role: String = row["role"]
                let n: Int = row["n"]
                summary.turns[outcome + "/" + role, default: 0] += n
            }
            for flags in try String.fetchAll(db, sql: "SELECT flags FROM turn WHERE outcome = 'comment' AND flags <> '[]'") {
                for flag in (try? JSONDecoder().decode([CommentFlag].self, from: Data(flags.utf8))) ?? [] {
                    summary.flags[flag.rawValue, default: 0] += 1
                }
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT COALESCE(SUM(promptTokens),0) AS p, COALESCE(SUM(completionTokens),0) AS c,
                           SUM(cachedTokens) AS k, COUNT(*) AS n, COALESCE(SUM(MAX(attempts - 1, 0)),0) AS r,
                           COUNT(promptTokens) AS pn, COUNT(completionTokens) AS cn,
                           SUM(CASE WHEN cachedTokens IS NOT NULL THEN promptTokens END) AS kp
                    FROM (SELECT promptTokens, completionTokens, cachedTokens, attempts FROM turn WHERE branchedFrom IS NULL
                          UNION ALL SELECT promptTokens, completionTokens, cachedTokens, attempts FROM annotation)
                    """)
            {
                summary.promptTokens = row["p"]
                summary.completionTokens = row["c"]
                summary.cachedTokens = row["k"]
                summary.promptTokensOfCachedCalls = row["kp"]
                summary.callsReportingPromptTokens = row["pn"]
                summary.callsReportingCompletionTokens = row["cn"]
                summary.calls = row["n"]
                summary.retries = row["r"]
            }
            return summary
        }
    }
}

/// Counts over a whole store, for run summaries and `sdf show`.
public struct StoreSummary: Sendable, Hashable {
    /// Discussions stored.
    public var discussions = 0
    /// Discussions done.
    public var discussionsDone = 0
    /// Discussions failed.
    public var discussionsFailed = 0
    /// Turns by `outcome/role`, e.g. `comment/user`, `abstention/moderator`.
    public var turns: [String: Int] = [:]
    /// Comments by cleaning flag.
    public var flags: [String: Int] = [:]
    /// Prompt tokens, summed over the calls that reported them (turns and annotation jobs); see
    /// ``callsReportingPromptTokens``.
    public var promptTokens = 0
    /// Completion tokens, summed over the calls that reported them; see ``callsReportingCompletionTokens``.
    public var completionTokens = 0
    /// Calls whose server reported prompt tokens (0: the count above is unknown, not zero).
    public var callsReportingPromptTokens = 0
    /// Calls whose server reported completion tokens.
    public var callsReportingCompletionTokens = 0
    /// Cached prompt tokens, summed over the calls that reported them; `nil` when no server reported any (unknown,
    /// not 0: llama-cpp-python and Ollama, for instance, do not report them).
    public var cachedTokens: Int?
    /// Prompt tokens of the calls that reported cached tokens (the denominator of ``cachedShare``).
    public var promptTokensOfCachedCalls: Int?
    /// LLM calls recorded (turns and annotation jobs). A branched discussion's copied prefix rows are not calls of
    /// their own (`turn.branchedFrom` set): they count once, with the trunk, here and in the token sums.
    public var calls = 0
    /// Extra attempts (retries) over all calls.
    public var retries = 0

    /// Share of prompt tokens served from the server's cache, in [0, 1], over the calls that reported cached tokens;
    /// `nil` when none did (unknown).
    public var cachedShare: Double? {
        guard let cachedTokens, let denominator = promptTokensOfCachedCalls, denominator > 0 else { return nil }
        return Double(cachedTokens) / Double(denominator)
    }

    /// `tokens in/out P/C, cached prompt share S%` for run summaries, saying "not reported by the server" for what no
    /// server reported, never 0.
    public var tokenSummary: String {
        let tokens =
            callsReportingPromptTokens == 0 && callsReportingCompletionTokens == 0
            ? "tokens in/out not reported by the server"
            : "tokens in/out "
                + (callsReportingPromptTokens == 0 ? "not reported" : String(promptTokens)) + "/"
                + (callsReportingCompletionTokens == 0 ? "not reported" : String(completionTokens))
        let cached = cachedShare.map { String(format: "cached prompt share %.1f%%", $0 * 100) } ?? "cached prompt share not reported by the server"
        return tokens + ", " + cached
    }

    /// Creates an empty summary.
    public init() {}

    /// Turns with `outcome` over all roles.
    public func count(_ outcome: TurnOutcome) -> Int {
        turns.filter { $0.key.hasPrefix(outcome.rawValue + "/") }.values.reduce(0, +)
    }
}
