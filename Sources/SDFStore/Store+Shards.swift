import Foundation
import GRDB
import SDFCore

/// Which shard of which design a store holds (`sdf run --shard INDEX/COUNT`), and the whole partition's shape, so
/// that `sdf status` on one or several shard stores knows what every shard is expected to hold.
///
/// Table `shard` (migration `v9-shards`): at most one row per store. A store written without `--shard`, and a
/// store written by `sdf merge`, has none.
public struct ShardRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    /// One shard's expected share of the design.
    public struct Share: Codable, Sendable, Hashable {
        /// Discussions assigned to the shard.
        public var discussions: Int
        /// Their expected LLM calls (the planner's estimate, no abstentions).
        public var expectedCalls: Int
        /// Discussions per condition label.
        public var conditions: [String: Int]

        /// Creates a share.
        public init(discussions: Int, expectedCalls: Int, conditions: [String: Int]) {
            self.discussions = discussions
            self.expectedCalls = expectedCalls
            self.conditions = conditions
        }
    }

    /// Table `shard`.
    public static var databaseTableName: String { "shard" }

    /// The design hash of the experiment (``RunManifest/designHash``).
    public var designHash: String
    /// 0-based shard index.
    public var shardIndex: Int
    /// Number of shards.
    public var shardCount: Int
    /// Every shard's share, by index (`shardCount` entries), stored as JSON.
    public var shares: [Share]

    /// Creates a record.
    public init(designHash: String, shardIndex: Int, shardCount: Int, shares: [Share]) {
        self.designHash = designHash
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.shares = shares
    }

    /// `INDEX/COUNT`.
    public var shard: ShardSpec { ShardSpec(index: shardIndex, count: shardCount) }

    /// This shard's share.
    public var share: Share? { shares.indices.contains(shardIndex) ? shares[shardIndex] : nil }
}

extension Store {
    /// Migration `v9-shards`: table `shard` (``ShardRecord``). Stores written before it have no row: unsharded.
    static func registerShardMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v9-shards") { db in
            try db.create(table: "shard") { t in
                t.column("designHash", .text).notNull()
                t.column("shardIndex", .integer).notNull()
                t.column("shardCount", .integer).notNull()
                t.column("shares", .text).notNull()
                t.primaryKey(["designHash", "shardIndex", "shardCount"])
            }
        }
    }

    /// The shard this store holds; `nil` for an unsharded (or merged) store.
    public func shard() async throws -> ShardRecord? {
        try await writer.read { db in try Self.shard(db) }
    }

    static func shard(_ db: Database) throws -> ShardRecord? {
        guard try db.tableExists("shard") else { return nil }
        return try ShardRecord.fetchOne(db)
    }

    /// Records which shard a run writes (or that it is unsharded), refusing a store that holds other work.
    ///
    /// - `record` non-nil: a new store (no run yet) gets the row; a store holding the same shard of the same design
    ///   resumes; a store holding another shard, or an unsharded run, is refused.
    /// - `record` nil (an unsharded run): a store holding a shard is refused.
    ///
    /// A store of another design is left to ``beginRun(_:)``, which names the design changes.
    ///
    /// - Throws: ``StoreError`` naming the store, the shard it holds and what to do instead.
    public func claimShard(_ record: ShardRecord?) async throws {
        try await writer.write { db in
            let existing = try Self.shard(db)
            let runs = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run") ?? 0
            guard let record else {
                if let existing {
                    throw StoreError(
                        "\(path) holds shard \(existing.shard) of design \(existing.designHash.prefix(12)); run it with "
                            + "--shard \(existing.shard), or merge the shard stores first (sdf merge OUT.sqlite SHARDS...) and run the merged store")
                }
                return
            }
            if let existing {
                guard existing.designHash == record.designHash else { return }
                if existing.shardIndex != record.shardIndex || existing.shardCount != record.shardCount {
                    throw StoreError(
                        "\(path) holds shard \(existing.shard) of this design, not \(record.shard); give each shard its own --store")
                }
                return
            }
            if runs > 0 {
                guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE designHash <> ?", arguments: [record.designHash]) == 0
                else { return }
                throw StoreError(
                    "\(path) holds an unsharded run of this design; give shard \(record.shard) its own --store "
                        + "(or run this store without --shard)")
            }
            try record.insert(db)
        }
    }
}
