import Foundation
import SDFCore

extension StatusReport {
    /// One shard's progress in ``CombinedStatus``.
    public struct ShardProgress: Sendable, Hashable {
        /// 0-based shard index.
        public var index: Int
        /// The stores holding it (empty: missing; more than one: given twice).
        public var stores: [String]
        /// Discussions the shard is expected to hold.
        public var expected: Int
        /// Of those, done.
        public var done: Int
        /// Whether every expected discussion is done.
        public var complete: Bool { !stores.isEmpty && done >= expected }
    }

    /// The progress of a whole design over several stores (`sdf status A.sqlite B.sqlite ...`): the shards of a
    /// cluster run, possibly with a merged or unsharded store among them.
    public struct CombinedStatus: Sendable, Hashable {
        /// The stores, as given.
        public var stores: [String]
        /// The design hash they share.
        public var designHash: String
        /// The experiment's name.
        public var experiment: String
        /// Per condition across the stores: distinct discussions done / partial / failed, and pending = the design's
        /// discussions of the condition not in any store.
        public var conditions: [ConditionStatus]
        /// The shard count of the shard stores; `nil` when none is a shard store.
        public var shardCount: Int?
        /// Per shard index, its progress.
        public var shards: [ShardProgress]
        /// Stores that hold no shard (unsharded or merged).
        public var wholeDesignStores: [String]

        /// Shard indices no store holds.
        public var missing: [Int] { shards.filter(\.stores.isEmpty).map(\.index) }
        /// Shard indices held but not complete.
        public var incomplete: [Int] { shards.filter { !$0.stores.isEmpty && !$0.complete }.map(\.index) }
        /// Whether every discussion of the design is done in some store.
        public var complete: Bool { conditions.allSatisfy { $0.partial + $0.failed + $0.pending == 0 } }
    }

    /// Combines the status of `stores` into the whole design's progress.
    ///
    /// - Parameter stores: stores of one design, opened (``Store/openExisting(path:)``), in the order given.
    /// - Throws: ``StoreError`` when two stores hold different designs (naming both hashes and files), when a store
    ///   has no run, or when shard stores disagree on the shard count.
    public static func combined(stores: [Store]) async throws -> CombinedStatus {
        var design: (hash: String, file: String)?
        var experiment = ""
        var shardCount: Int?
        var shares: [ShardRecord.Share] = []
        var byIndex: [Int: [String]] = [:]
        var whole: [String] = []
        var expected: [String: Int] = [:]
        var order: [String] = []
        // Each discussion once: done wins over partial over failed (copies in several stores are the same work).
        var best: [String: (label: String, status: DiscussionStatus, shard: Int?)] = [:]
        func rank(_ s: DiscussionStatus) -> Int { s == .done ? 2 : s == .running ? 1 : 0 }
        for store in stores {
            let status = try await Self.status(store: store)
            guard let hash = status.designHash, let run = status.lastRun else {
                throw StoreError("\(store.path) holds no run of sdf run; sdf status over several stores takes the stores of one design")
            }
            if let design, design.hash != hash {
                throw StoreError("\(design.file) and \(store.path) hold different designs (design hash \(design.hash) vs \(hash))")
            }
            if design == nil {
                design = (hash, store.path)
                experiment = run.experiment
            }
            if let shard = status.shard {
                if let shardCount, shardCount != shard.shardCount {
                    throw StoreError(
                        "\(store.path) holds shard \(shard.shard) but another store holds a shard of \(shardCount); "
                            + "the stores come from runs split differently")
                }
                shardCount = shard.shardCount
                shares = shard.shares
                byIndex[shard.shardIndex, default: []].append(store.path)
            } else {
                whole.append(store.path)
            }
            for c in status.conditions where expected[c.label] == nil {
                order.append(c.label)
                // A shard store's own counts cover its share; the design's come from the shares below.
                expected[c.label] = status.shard == nil ? c.done + c.partial + c.failed + c.pending : 0
            }
            for d in try await store.discussions() {
                if let earlier = best[d.id], rank(earlier.status) >= rank(d.status) { continue }
                best[d.id] = (d.conditionLabel, d.status, status.shard?.shardIndex)
            }
        }
        if !shares.isEmpty {
            var fromShares: [String: Int] = [:]
            for share in shares { for (label, n) in share.conditions { fromShares[label, default: 0] += n } }
            for label in fromShares.keys.sorted() where expected[label] == nil { order.append(label) }
            for (label, n) in fromShares { expected[label] = max(expected[label] ?? 0, n) }
        }
        var conditions: [String: ConditionStatus] = [:]
        for label in order { conditions[label] = ConditionStatus(label: label) }
        var doneByShard: [Int: Int] = [:]
        for (_, d) in best {
            if conditions[d.label] == nil {
                order.append(d.label)
                conditions[d.label] = ConditionStatus(label: d.label)
            }
            switch d.status {
            case .done:
                conditions[d.label]!.done += 1
                if let shard = d.shard { doneByShard[shard, default: 0] += 1 }
            case .running: conditions[d.label]!.partial += 1
            case .failed: conditions[d.label]!.failed += 1
            }
        }
        for label in order {
            let c = conditions[label]!
            conditions[label]!.pending = max((expected[label] ?? 0) - c.done - c.partial - c.failed, 0)
        }
        let shardList = shares.enumerated().map { i, share in
            ShardProgress(index: i, stores: byIndex[i] ?? [], expected: share.discussions, done: doneByShard[i] ?? 0)
        }
        return CombinedStatus(
            stores: stores.map(\.path), designHash: design?.hash ?? "", experiment: experiment, conditions: order.map { conditions[$0]! },
            shardCount: shardCount, shards: shardList, wholeDesignStores: whole)
    }

    /// The combined status as text for people.
    public static func text(_ s: CombinedStatus) -> String {
        var out = "experiment '\(s.experiment)', design \(s.designHash.prefix(12)), \(s.stores.count) stores\n"
        out += "\n" + pad("condition", 24) + pad("done", 7) + pad("partial", 9) + pad("failed", 8) + "pending\n"
        var totals = ConditionStatus(label: "total")
        for c in s.conditions {
            out += pad(c.label, 24) + pad(String(c.done), 7) + pad(String(c.partial), 9) + pad(String(c.failed), 8) + "\(c.pending)\n"
            totals.done += c.done
            totals.partial += c.partial
            totals.failed += c.failed
            totals.pending += c.pending
        }
        let all = totals.done + totals.partial + totals.failed + totals.pending
        out += pad("total", 24) + pad(String(totals.done), 7) + pad(String(totals.partial), 9) + pad(String(totals.failed), 8)
            + "\(totals.pending)\n"
        out += "\n\(totals.done)/\(all) discussions of the design done\n"
        if let count = s.shardCount {
            out += "\nshards (\(count)):\n"
            for shard in s.shards {
                let state =
                    shard.stores.isEmpty ? "missing" : shard.complete ? "complete" : "incomplete"
                let where_ = shard.stores.isEmpty ? "no store given" : shard.stores.joined(separator: ", ")
                out += "  \(shard.index)/\(count): \(shard.done)/\(shard.expected) done, \(state) (\(where_))"
                    + (shard.stores.count > 1 ? " — given \(shard.stores.count) times" : "") + "\n"
            }
            if !s.missing.isEmpty { out += "missing shards: \(s.missing.map(String.init).joined(separator: ", "))\n" }
            if !s.incomplete.isEmpty {
                out += "incomplete shards: \(s.incomplete.map(String.init).joined(separator: ", ")) (re-run their sdf run --shard command to resume)\n"
            }
        }
        if !s.wholeDesignStores.isEmpty { out += "stores without a shard (unsharded or merged): \(s.wholeDesignStores.joined(separator: ", "))\n" }
        if s.complete {
            out += "\nevery discussion is done; combine the stores with: sdf merge OUT.sqlite \(s.stores.joined(separator: " "))\n"
        }
        return ControlCharacters.visible(out)
    }
}
