import Foundation
import GRDB
import SDFCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `sdf merge OUT IN...`: combines stores of the same design (the shards of a cluster run) into one store holding
/// what an unsharded run would hold.
///
/// Every discussion is copied with everything that belongs to it (participants, seed comments, turns, annotations
/// and their values, failure log rows); prompts, annotators and run manifests are the union of the inputs'. The
/// output has no shard row (it is the whole design, complete or not) and its own store identity.
///
/// Rules:
/// - all inputs hold runs of one design (the same ``RunManifest/designHash``), else ``StoreError`` naming the two
///   hashes and files;
/// - a discussion in several inputs must be the same work apart from wall-clock fields (start and end times,
///   latencies, failure times), else ``StoreError`` naming the discussion, the part that differs and the files;
///   identical copies are taken once, so merging the same inputs again, or a merged store with one of its inputs,
///   gives the same store;
/// - per table, rows read = rows written + identical duplicates skipped, checked after the copy;
/// - OUT is built in a temporary file beside it and renamed over it at the end: an error leaves OUT as it was.
public enum StoreMerge {
    /// Rows of one table: read from the inputs, skipped as identical duplicates, written to the output.
    public struct TableCount: Sendable, Hashable {
        /// The table's name.
        public var table: String
        /// Rows read from all inputs.
        public var read: Int
        /// Rows skipped because an identical row (or discussion) came from an earlier input.
        public var duplicates: Int
        /// Rows in the output.
        public var written: Int
    }

    /// What a merge did.
    public struct Report: Sendable, Hashable {
        /// The output store.
        public var output: String
        /// The design hash all inputs share.
        public var designHash: String
        /// Discussions in the output.
        public var discussions: Int
        /// Per table, in copy order.
        public var tables: [TableCount]
    }

    /// Tables copied per discussion, in copy order (parents first), with the columns that are wall-clock (ignored
    /// when comparing copies) and the order rows are compared in.
    static let discussionTables: [(table: String, wallClock: Set<String>, order: String)] = [
        ("discussion", ["startedAt", "finishedAt"], "id"),
        ("participant", [], "position, id"),
        ("seed_comment", [], "position, id"),
        ("turn", ["startedAt", "finishedAt", "latencyMs"], "turnIndex"),
        ("annotation", ["startedAt", "finishedAt", "latencyMs"], "commentId, annotator, id"),
        ("annotation_value", [], "annotationId, dimension"),
        ("moderator_decision", ["startedAt", "finishedAt", "latencyMs"], "slot"),
        ("failure_log", ["seq", "failedAt"], "seq"),
    ]

    /// Merges `inputs` into `output`.
    ///
    /// - Parameters:
    ///   - inputs: store files (at least one); `output` itself may be among them.
    ///   - output: the store to write; replaced atomically if it exists (it must then be an SDF store).
    /// - Returns: the counts per table.
    /// - Throws: ``StoreError`` for a missing or foreign input, inputs of different designs, conflicting copies of a
    ///   discussion, a count mismatch, or a write failure; OUT is then unchanged.
    public static func merge(inputs: [String], output: String) async throws -> Report {
        guard !inputs.isEmpty else { throw StoreError("sdf merge needs at least one input store") }
        try Store.refuseForeign(path: output)
        return try await StoreLock.withLock(store: output, command: "sdf merge") {
            try await performMerge(inputs: inputs, output: output)
        }
    }

    static func performMerge(inputs: [String], output: String) async throws -> Report {
        // 1. Open (migrating old stores) and check the design.
        var stores: [Store] = []
        var design: (hash: String, file: String)?
        for path in inputs {
            let store = try Store.openExisting(path: path)
            let hashes = try await store.writer.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT designHash FROM run") }
            guard let hash = hashes.first else {
                throw StoreError("\(path) holds no run of sdf run (an imported or empty store); sdf merge combines stores of one design")
            }
            if hashes.count > 1 { throw StoreError("\(path) holds runs of \(hashes.count) designs (\(hashes.joined(separator: ", ")))") }
            if let design, design.hash != hash {
                throw StoreError(
                    "\(design.file) and \(path) hold different designs (design hash \(design.hash) vs \(hash)); "
                        + "sdf merge combines the shards of one experiment")
            }
            if design == nil { design = (hash, path) }
            stores.append(store)
        }
        let designHash = design!.hash

        // 2. Fingerprint every discussion in every input; pick the first input holding it; refuse differing copies.
        var source: [String: Int] = [:]  // discussion id → input index
        var fingerprints: [String: [String]] = [:]  // discussion id → per-part digest
        var picks = [[String]](repeating: [], count: stores.count)
        var labels: [String: String] = [:]
        for (i, store) in stores.enumerated() {
            let parts = try await store.writer.read { db in try fingerprintsByDiscussion(db) }
            for (id, digest) in parts.digests.sorted(by: { $0.key < $1.key }) {
                if let first = source[id] {
                    let earlier = fingerprints[id]!
                    if let part = discussionTables.indices.first(where: { earlier[$0] != digest[$0] }) {
                        let name = discussionTables[part].table
                        throw StoreError(
                            "discussion \(id) (\(parts.labels[id] ?? labels[id] ?? "?")) differs between \(inputs[first]) and \(inputs[i]) "
                                + "(its \(name) rows differ, wall-clock fields aside); the stores hold different work for it and "
                                + "cannot be merged. Keep one of them out, or re-run that discussion in one store only.")
                    }
                } else {
                    source[id] = i
                    fingerprints[id] = digest
                    picks[i].append(id)
                    labels[id] = parts.labels[id]
                }
            }
        }

        // The inputs are read through ATTACH from here on; close their pools.
        stores.removeAll()

        // 3–5. Build the output in a temporary file beside it, check the counts, rename it over OUT.
        let tables = try build(inputs: inputs, picks: picks, output: output)
        let discussions = tables.first { $0.table == "discussion" }?.written ?? 0
        return Report(output: output, designHash: designHash, discussions: discussions, tables: tables)
    }

    /// Steps 3–5 of a merge, synchronous (GRDB's synchronous API, so that the copy runs in one connection with the
    /// inputs attached one at a time): builds the output in a temporary file, checks the counts, renames it over
    /// `output`. Returns the per-table counts.
    static func build(inputs: [String], picks: [[String]], output: String) throws -> [TableCount] {
        // 3. Build the output in a temporary file beside it.
        let outURL = URL(fileURLWithPath: output)
        let temporary = outURL.deletingLastPathComponent().appendingPathComponent(
            ".\(outURL.lastPathComponent).merge-\(UUID().uuidString.lowercased()).tmp").path
        defer {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: temporary + suffix) }
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: temporary)
            try Store.migrator.migrate(queue)
        } catch {
            throw StoreError("cannot create \(temporary) for \(output): \(error)")
        }
        var counts: [String: TableCount] = [:]
        func add(_ table: String, read: Int, duplicates: Int, written: Int) {
            var c = counts[table] ?? TableCount(table: table, read: 0, duplicates: 0, written: 0)
            c.read += read
            c.duplicates += duplicates
            c.written += written
            counts[table] = c
        }
        var promptKeys = Set<String>()
        var annotatorRows: [String: [String]] = [:]
        var runKeys = Set<String>()
        do {
            for (i, path) in inputs.enumerated() {
                try queue.writeWithoutTransaction { db in
                    try db.execute(sql: "ATTACH DATABASE ? AS src", arguments: [path])
                    defer { try? db.execute(sql: "DETACH DATABASE src") }
                    try db.inTransaction {
                        try db.execute(sql: "CREATE TEMP TABLE pick (id TEXT PRIMARY KEY)")
                        let insert = try db.makeStatement(sql: "INSERT INTO temp.pick (id) VALUES (?)")
                        for id in picks[i] { try insert.execute(arguments: [id]) }
                        for (table, _, _) in discussionTables {
                            let columns = try db.columns(in: table, in: "main").map(\.name).filter { !(table == "failure_log" && $0 == "seq") }
                            let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                            let scope = table == "discussion" ? "id" : table == "annotation_value" ? "annotationId" : "discussionId"
                            let picked =
                                table == "annotation_value"
                                ? "(SELECT id FROM src.annotation WHERE discussionId IN (SELECT id FROM temp.pick))"
                                : "(SELECT id FROM temp.pick)"
                            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM src.\(table)") ?? 0
                            let order = table == "failure_log" ? " ORDER BY seq" : ""
                            try db.execute(
                                sql: "INSERT INTO main.\(table) (\(list)) SELECT \(list) FROM src.\(table) WHERE \(scope) IN \(picked)\(order)")
                            let written = db.changesCount
                            let otherCopies =
                                table == "annotation_value"
                                ? "SELECT COUNT(*) FROM src.annotation_value WHERE annotationId IN (SELECT id FROM src.annotation WHERE discussionId NOT IN (SELECT id FROM temp.pick) AND discussionId IN (SELECT id FROM src.discussion))"
                                : "SELECT COUNT(*) FROM src.\(table) WHERE \(scope) NOT IN (SELECT id FROM temp.pick) AND \(table == "discussion" ? "1" : "discussionId IN (SELECT id FROM src.discussion)")"
                            let duplicates = try Int.fetchOne(db, sql: otherCopies) ?? 0
                            add(table, read: total, duplicates: duplicates, written: written)
                        }
                        try db.execute(sql: "DROP TABLE temp.pick")
                        // Content-addressed and shared rows: the union.
                        for (table, key) in [("prompt", "hash"), ("annotator", "username"), ("run", "id")] {
                            let columns = try db.columns(in: table, in: "main").map(\.name)
                            let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                            let rows = try Row.fetchAll(db, sql: "SELECT \(list) FROM src.\(table)")
                            var duplicates = 0
                            for row in rows {
                                let k: String = row[key]
                                switch table {
                                case "prompt":
                                    if !promptKeys.insert(k).inserted { duplicates += 1 }
                                case "run":
                                    if !runKeys.insert(k).inserted { duplicates += 1 }
                                default:
                                    let values = Array(row.databaseValues).map(canonical)
                                    if let earlier = annotatorRows[k] {
                                        guard earlier == values else {
                                            throw StoreError(
                                                "annotator '\(k)' differs between the inputs (\(path) and an earlier one): "
                                                    + "the stores were annotated with different panels and cannot be merged")
                                        }
                                        duplicates += 1
                                    } else {
                                        annotatorRows[k] = values
                                    }
                                }
                            }
                            try db.execute(sql: "INSERT OR IGNORE INTO main.\(table) (\(list)) SELECT \(list) FROM src.\(table)")
                            add(table, read: rows.count, duplicates: duplicates, written: db.changesCount)
                        }
                        return .commit
                    }
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("cannot merge into \(output): \(error)")
        }

        // 4. Check the counts: read = written + duplicates per table, and the output holds what was written.
        let order = discussionTables.map(\.table) + ["prompt", "annotator", "run"]
        var tables: [TableCount] = []
        for table in order {
            let c = counts[table] ?? TableCount(table: table, read: 0, duplicates: 0, written: 0)
            let stored = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
            guard c.read == c.written + c.duplicates, stored == c.written else {
                throw StoreError(
                    "merge into \(output) stopped: table \(table) read \(c.read) rows, skipped \(c.duplicates) identical, wrote "
                        + "\(c.written), the output holds \(stored); nothing was written to \(output)")
            }
            tables.append(c)
        }
        do {
            try queue.close()
        } catch {
            throw StoreError("cannot close \(temporary): \(error)")
        }

        // 5. Replace OUT: a stale WAL beside OUT must not be applied to the new file.
        if FileManager.default.fileExists(atPath: output) {
            do {
                let old = try DatabaseQueue(path: output)
                try old.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                try old.close()
            } catch {
                throw StoreError("cannot replace \(output): \(error)")
            }
        }
        guard rename(temporary, output) == 0 else {
            throw StoreError("cannot rename \(temporary) to \(output): \(String(cString: strerror(errno)))")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: output + suffix) }
        return tables
    }

    /// Per discussion, one digest per ``discussionTables`` entry (wall-clock columns left out), and its label.
    static func fingerprintsByDiscussion(_ db: Database) throws -> (digests: [String: [String]], labels: [String: String]) {
        var text: [String: [String]] = [:]
        var labels: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, conditionLabel, replicate FROM discussion") {
            let id: String = row["id"]
            text[id] = Array(repeating: "", count: discussionTables.count)
            labels[id] = "condition \(row["conditionLabel"] as String), replicate \(row["replicate"] as Int)"
        }
        for (part, entry) in discussionTables.enumerated() {
            let columns = try db.columns(in: entry.table).map(\.name).filter { !entry.wallClock.contains($0) }
            let list = columns.map { "t.\"\($0)\"" }.joined(separator: ", ")
            let sql =
                entry.table == "annotation_value"
                ? "SELECT a.discussionId AS _d, \(list) FROM annotation_value t JOIN annotation a ON a.id = t.annotationId ORDER BY t.\(entry.order.replacingOccurrences(of: ", ", with: ", t."))"
                : "SELECT t.\(entry.table == "discussion" ? "id" : "discussionId") AS _d, \(list) FROM \(entry.table) t ORDER BY t.\(entry.order.replacingOccurrences(of: ", ", with: ", t."))"
            let cursor = try Row.fetchCursor(db, sql: sql)
            while let row = try cursor.next() {
                let d: String = row["_d"]
                guard text[d] != nil else { continue }
                text[d]![part] += row.databaseValues.dropFirst().map(canonical).joined(separator: "\u{1F}") + "\u{1E}"
            }
        }
        return (text.mapValues { $0.map(RenderedPrompt.sha256Hex) }, labels)
    }

    /// A value as unambiguous text: type tag, then the value (blobs in base64).
    static func canonical(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "n"
        case .int64(let i): return "i\(i)"
        case .double(let d): return "d\(d)"
        case .string(let s): return "s\(s.utf8.count):\(s)"
        case .blob(let data): return "b\(data.base64EncodedString())"
        }
    }
}
