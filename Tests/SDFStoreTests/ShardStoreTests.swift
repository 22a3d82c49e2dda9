import Foundation
import GRDB
import SDFCore
import Testing

@testable import SDFStore

@Suite("v9 shards: the shard a store holds")
struct ShardStoreTests {
    static func record(_ index: Int, of count: Int, design: String = "h") -> ShardRecord {
        ShardRecord(
            designHash: design, shardIndex: index, shardCount: count,
            shares: (0..<count).map { _ in ShardRecord.Share(discussions: 2, expectedCalls: 20, conditions: ["none": 1, "guidelines": 1]) })
    }

    static func manifest(design: String = "h") -> RunManifest {
        RunManifest(
            id: UUID().uuidString, experiment: "e", specHash: "s", designHash: design, specText: "", toolVersion: "t", models: [:],
            host: "h", startedAt: Date(), status: .running)
    }

    /// Writes a store of the schema before `v9-shards`; returns whether it has a `shard` table.
    static func v8Store(_ path: String) throws -> Bool {
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v8-design-factors")
        let has = try queue.read { db in try db.tableExists("shard") }
        try queue.close()
        return has
    }

    func message(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "accepted"
        } catch let error as StoreError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func aStoreOfTheV8SchemaMigratesToNoShard() async throws {
        let dir = NSTemporaryDirectory() + "shard-migrate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        #expect(try Self.v8Store(path) == false, "no shard table before v9")
        let store = try Store.openExisting(path: path)
        #expect(try await store.shard() == nil)
        let applied = try await store.writer.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.contains("v9-shards") && applied.last == "v11-count-indexes")
    }

    @Test func aShardIsClaimedOnceAndOtherWorkIsRefused() async throws {
        let store = try Store.inMemory()
        try await store.claimShard(Self.record(1, of: 3))
        #expect(try await store.shard() == Self.record(1, of: 3))
        #expect(try await store.shard()?.share?.conditions == ["none": 1, "guidelines": 1])
        try await store.beginRun(Self.manifest())
        // The same shard resumes.
        try await store.claimShard(Self.record(1, of: 3))
        let other = await message { try await store.claimShard(Self.record(2, of: 3)) }
        #expect(other.contains("holds shard 1/3 of this design, not 2/3"), "\(other)")
        let unsharded = await message { try await store.claimShard(nil) }
        #expect(unsharded.contains("holds shard 1/3") && unsharded.contains("sdf merge"), "\(unsharded)")
        // A store of another design is left to beginRun, which names the change.
        try await store.claimShard(Self.record(0, of: 2, design: "other"))
        #expect(try await store.shard() == Self.record(1, of: 3))
    }

    @Test func anUnshardedStoreRefusesAShard() async throws {
        let store = try Store.inMemory()
        try await store.claimShard(nil)
        try await store.beginRun(Self.manifest())
        let refused = await message { try await store.claimShard(Self.record(0, of: 2)) }
        #expect(refused.contains("holds an unsharded run of this design"), "\(refused)")
        #expect(try await store.shard() == nil)
    }
}
