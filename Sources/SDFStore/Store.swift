import Foundation
import GRDB
import SDFCore

/// The SQLite store of one experiment (GRDB, WAL): run manifests, discussions, participants, turns, prompts.
///
/// Every turn is committed in its own transaction as soon as it exists, so killing the process loses at
/// most the calls in flight. Nested values (cleaning reports, flags, decisions, personas, sampling
/// parameters) are stored as JSON text, queryable with SQLite's JSON1 functions.
public struct Store: Sendable {
    /// The database connection (a `DatabasePool` for files, a `DatabaseQueue` in tests).
    public let writer: any DatabaseWriter
    /// The file, or `:memory:`.
    public let path: String

    /// Opens (creating if needed) the store at `path` and migrates it to the current schema.
    ///
    /// - Throws: ``StoreError`` when the file cannot be opened or is not an SDF store.
    public static func open(path: String) throws -> Store {
        try refuseForeign(path: path)
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        // WAL with synchronous=NORMAL: a commit survives the process being killed (kill -9); only a power loss
        // can drop the last commits. Saves an fsync per turn.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            return try Store(writer: pool, path: path)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("cannot open store \(path): \(error)")
        }
    }

    /// Opens an existing store for reading: read-only when its schema is current (so `show`, `status`, `export`
    /// and `report` never change the file, and work on read-only media); a store of an older SDF version is
    /// migrated first.
    ///
    /// - Throws: ``StoreError`` when the file does not exist or is not an SDF store (nothing is written to it).
    public static func openExisting(path: String) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError("no store at \(path)") }
        try refuseForeign(path: path)
        let store = try openReadOnly(path: path)
        let current = (try? store.writer.read { db in try Self.migrator.hasCompletedMigrations(db) }) ?? false
        return current ? store : try open(path: path)
    }

    /// Throws unless `path` is missing, empty, or an SQLite file with SDF's migrations table.
    static func refuseForeign(path: String) throws {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > 0 else {
            return
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError("cannot read \(path)") }
        let header = handle.readData(ofLength: 16)
        try? handle.close()
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError("\(path) is not an SDF store (not an SQLite file)")
        }
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let isSDF: Bool
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            isSDF = try queue.read { db in try db.tableExists("grdb_migrations") && db.tableExists("discussion") }
            try queue.close()
        } catch {
            throw StoreError("cannot open store \(path): \(error)")
        }
        if !isSDF { throw StoreError("\(path) is an SQLite file but not an SDF store; nothing was changed") }
    }

    /// Opens an existing store read-only, without migrating it: for watching a store another process writes.
    ///
    /// - Throws: ``StoreError`` when the file does not exist or cannot be opened.
    public static func openReadOnly(path: String) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError("no store at \(path)") }
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            return Store(unmigrated: try DatabasePool(path: path, configuration: configuration), path: path)
        } catch {
            throw StoreError("cannot open store \(path): \(error)")
        }
    }

    /// Opens a private in-memory copy of the store at `path`, migrated to the current schema, leaving the file
    /// untouched: for reading a store that must not change, such as the store a run replays (`sdf run --replay-from`),
    /// which may be a published dataset of an older SDF version.
    ///
    /// The copy is taken with SQLite's backup API from a read-only connection, so it includes committed work still in
    /// the WAL. Its ``path`` is the file's path (for messages); writes go to the copy only.
    ///
    /// - Throws: ``StoreError`` when the file does not exist, is not an SDF store, or cannot be read or migrated.
    public static func openSnapshot(path: String) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError("no store at \(path)") }
        try refuseForeign(path: path)
        let source = try openReadOnly(path: path)
        let copy: DatabaseQueue
        do {
            copy = try DatabaseQueue()
            try source.writer.backup(to: copy)
        } catch {
            throw StoreError("cannot read store \(path): \(error)")
        }
        return try Store(writer: copy, path: path)
    }

    init(unmigrated writer: any DatabaseWriter, path: String) {
        self.writer = writer
        self.path = path
    }

    /// An in-memory store, for tests.
    public static func inMemory() throws -> Store {
        try Store(writer: DatabaseQueue(), path: ":memory:")
    }

    init(writer: any DatabaseWriter, path: String) throws {
        self.writer = writer
        self.path = path
        do {
            // Migrate only when needed, so readers of an up-to-date store never write.
            let complete = try writer.read { db in try Self.migrator.hasCompletedMigrations(db) }
            if !complete { try Self.migrator.migrate(writer) }
        } catch {
            throw StoreError("\(path) is not an SDF store or could not be migrated: \(error)")
        }
    }
}
