import Foundation
import SDFCore

/// `sdf status`: where a store's experiment stands — per condition, discussions done / partial / failed / pending;
/// annotation progress; failures grouped by kind.
public enum StatusReport {
    /// Counts for one condition.
    public struct ConditionStatus: Sendable, Hashable {
        /// Condition label.
        public var label: String
        /// Discussions finished.
        public var done = 0
        /// Discussions started, not finished (a resume continues them).
        public var partial = 0
        /// Discussions stopped by a failed call (a resume retries them).
        public var failed = 0
        /// Discussions of the design not started yet.
        public var pending = 0
    }

    /// The whole status of a store.
    public struct Status: Sendable, Hashable {
        /// Per condition, in design order (conditions only in the store come last).
        public var conditions: [ConditionStatus]
        /// Annotation jobs expected (finished discussions' comments × annotators), if a run's design annotates;
        /// `nil` for a store without runs (imported): its files annotate whatever their tools annotated.
        public var annotationJobsExpected: Int?
        /// Annotation jobs stored, by parse status.
        public var annotationStatus: [AnnotationStatus: Int]
        /// Failed discussion turns by error kind (`server`, `timeout`, …).
        public var turnFailures: [String: Int]
        /// Failed annotation calls by error kind.
        public var annotationFailures: [String: Int]
        /// Failures that a resume retried (the calls later succeeded or failed anew), by `turns: kind` / `annotations: kind`.
        public var retriedFailures: [String: Int] = [:]
        /// The latest run: experiment name, status, start.
        public var lastRun: RunManifest?
        /// The latest run's status as it really is: the stored one, except that a run stored as `running` whose
        /// process no longer holds the store's ``StoreLock`` is `interrupted` (killed), and one whose process
        /// does is `running (pid N on host H)`.
        public var lastRunStatus: String?
        /// The shard the store holds (`sdf run --shard`); its pending counts are those of its share, not the
        /// whole design's. `nil` for an unsharded or merged store.
        public var shard: ShardRecord?
        /// The design hash of the latest run; `nil` for a store without runs.
        public var designHash: String?
    }

    /// Computes the status. The design comes from the latest run's experiment file (conditions × replicates).
    public static func status(store: Store) async throws -> Status {
        let runs = try await store.runs()
        let last = runs.last
        var order: [String] = []
        var byLabel: [String: ConditionStatus] = [:]
        var annotateModerator = true
        var designAnnotates = false
        if let last, let spec = try? ExperimentLoader.decode(yaml: last.specText, file: "store") {
            let design = Design(
                strategies: spec.strategies.map(\.name), models: spec.models.map(\.name), replicates: spec.replicates,
                runSeed: spec.seed)
            for condition in design.conditions {
                order.append(condition.label)
                byLabel[condition.label] = ConditionStatus(label: condition.label, pending: spec.replicates)
            }
            annotateModerator = spec.annotation?.annotateModerator ?? true
            designAnnotates = spec.annotation != nil
        }
        let shard = try await store.shard()
        if let share = shard?.share {
            // A shard store is expected to hold its share of each condition only.
            for label in order { byLabel[label]?.pending = share.conditions[label] ?? 0 }
            for label in share.conditions.keys.sorted() where byLabel[label] == nil {
                order.append(label)
                byLabel[label] = ConditionStatus(label: label, pending: share.conditions[label] ?? 0)
            }
        }
        let discussions = try await store.discussions()
        for d in discussions {
            if byLabel[d.conditionLabel] == nil {
                order.append(d.conditionLabel)
                byLabel[d.conditionLabel] = ConditionStatus(label: d.conditionLabel)
            }
            var c = byLabel[d.conditionLabel]!
            if c.pending > 0 { c.pending -= 1 }
            switch d.status {
            case .done: c.done += 1
            case .running: c.partial += 1
            case .failed: c.failed += 1
            }
            byLabel[d.conditionLabel] = c
        }
        let (turnFailures, annotationFailures, commentsToAnnotate) = try await store.failureAndAnnotationCounts(
            includeModeratorComments: annotateModerator)
        var retried: [String: Int] = [:]
        for f in try await store.retriedFailures() { retried["\(f.record.rawValue)s: \(f.error?.kindName ?? "unknown")", default: 0] += 1 }
        let annotators = try await store.annotatorRecords().count
        return Status(
            conditions: order.compactMap { byLabel[$0] },
            // Expected jobs come from a run's design; an imported store has no design to count them against (its
            // files annotate whatever their tools annotated, seed comments included).
            annotationJobsExpected: last != nil && (designAnnotates || annotators > 0) ? commentsToAnnotate * annotators : nil,
            annotationStatus: try await store.annotationStatusCounts(), turnFailures: turnFailures,
            annotationFailures: annotationFailures, retriedFailures: retried, lastRun: last,
            lastRunStatus: last.map { liveStatus(of: $0, storePath: store.path) }, shard: shard, designHash: last?.designHash)
    }

    /// A run's status, checked against the store's lock when it is stored as `running`.
    static func liveStatus(of run: RunManifest, storePath: String) -> String {
        guard run.status == .running, storePath != ":memory:" else { return run.status.rawValue }
        switch StoreLock.state(store: storePath) {
        case .held(let owner):
            return "running" + (owner.map { " (pid \($0.pid) on host \($0.host))" } ?? "")
        case .free(let owner):
            let who = owner.map { "pid \($0.pid) on host \($0.host)" } ?? "its process"
            return "interrupted (\(who) ended without finishing it; the same `sdf run` command resumes)"
        case .noLockFile:
            return "running, or interrupted (no lock file beside the store to tell)"
        }
    }

    /// Whether failures of the kind named `kind` repeat on every retry of the same request: the request, key or
    /// engine is wrong, not the moment (``CallErrorKind/isDeterministic``).
    static func isDeterministic(_ kind: String) -> Bool { CallErrorKind(rawValue: kind)?.isDeterministic ?? false }

    /// The status as text for people, with control characters shown visibly.
    public static func text(_ s: Status, storePath: String) -> String {
        var out = "store \(storePath)\n"
        if let run = s.lastRun {
            out += "experiment '\(run.experiment)'; last run \(s.lastRunStatus ?? run.status.rawValue), started \(Timestamp.seconds(run.startedAt))\n"
        }
        if let shard = s.shard {
            let whole = shard.shares.map(\.discussions).reduce(0, +)
            out += "shard \(shard.shard) of design \(shard.designHash.prefix(12)): \(shard.share?.discussions ?? 0) of the design's \(whole) discussions "
                + "(sdf status with every shard store shows the whole design; sdf merge combines them)\n"
        }
        out += "\n" + pad("condition", 24) + pad("done", 7) + pad("partial", 9) + pad("failed", 8) + "pending\n"
        var totals = ConditionStatus(label: "total")
        for c in s.conditions {
            out += pad(c.label, 24) + pad(String(c.done), 7) + pad(String(c.partial), 9) + pad(String(c.failed), 8) + "\(c.pending)\n"
            totals.done += c.done
            totals.partial += c.partial
            totals.failed += c.failed
            totals.pending += c.pending
        }
        out += pad("total", 24) + pad(String(totals.done), 7) + pad(String(totals.partial), 9) + pad(String(totals.failed), 8)
            + "\(totals.pending)\n"
        let stored = s.annotationStatus.values.reduce(0, +)
        let detail = s.annotationStatus.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        if let expected = s.annotationJobsExpected {
            out += "\nannotation: \(stored)/\(expected) jobs stored" + (detail.isEmpty ? "" : " (\(detail))") + "\n"
        } else if stored > 0 {
            out += "\nannotation: \(stored) stored (\(detail)); no run in this store (imported), so no expected count\n"
        }
        if !s.turnFailures.isEmpty || !s.annotationFailures.isEmpty {
            out += "\nfailures by kind:\n"
            for (kind, n) in s.turnFailures.sorted(by: { $0.key < $1.key }) { out += "  discussion turns: \(kind) \(n)\n" }
            for (kind, n) in s.annotationFailures.sorted(by: { $0.key < $1.key }) { out += "  annotations: \(kind) \(n)\n" }
        }
        if !s.retriedFailures.isEmpty {
            out += "\nearlier failures retried by a resume (kept in the failure_log table):\n"
            for (key, n) in s.retriedFailures.sorted(by: { $0.key < $1.key }) { out += "  \(key) \(n)\n" }
        }
        let annotationIncomplete = s.annotationJobsExpected.map { s.annotationStatus.values.reduce(0, +) < $0 } ?? false
        if totals.partial + totals.failed + totals.pending > 0 {
            out += "\nre-run the same `sdf run` command to resume.\n"
            let repeating = s.turnFailures.keys.filter(isDeterministic).sorted()
            if !repeating.isEmpty {
                out += "note: \(repeating.joined(separator: ", ")) failures are requests the server refused; re-running sends the "
                    + "same requests and fails the same way until the experiment, key or server changes.\n"
            }
        } else if annotationIncomplete {
            out += "\nannotation is incomplete: re-run the same `sdf run` (or `sdf annotate`) command to resume.\n"
        }
        // Labels, names and errors come from experiment files and servers: show their control characters.
        return ControlCharacters.visible(out)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
