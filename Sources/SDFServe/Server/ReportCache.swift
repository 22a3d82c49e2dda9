import Foundation
import GRDB
import SDFAnalysis
import SDFStore

/// The HTML reports of the served stores: the report file `sdf report` wrote beside the store when it is newer
/// than the store (served as is), otherwise built from the store and cached until the store's content changes.
actor ReportCache {
    private var cache: [String: (fingerprint: String, html: String)] = [:]

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// The report of `served` (see the type's summary).
    func report(for served: ServedStore) async throws -> String {
        let file = ReportBuilder.defaultPath(storePath: served.path)
        if let written = Self.modified(file), let storeDate = Self.modified(served.path),
            written >= max(storeDate, Self.modified(served.path + "-wal") ?? storeDate),
            let text = try? String(contentsOfFile: file, encoding: .utf8)
        {
            return text
        }
        let fingerprint = try await served.store.writer.read { db in
            let annotations = try db.tableExists("annotation") ? "(SELECT COUNT(*) FROM annotation)" : "0"
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM turn), (SELECT MAX(rowid) FROM turn), \(annotations),
                           (SELECT COUNT(*) FROM discussion WHERE status = 'done'), (SELECT COUNT(*) FROM discussion)
                    """)
            return (0..<5).map { "\(row?[$0] as DatabaseValue? ?? .null)" }.joined(separator: "/")
        }
        if let hit = cache[served.name], hit.fingerprint == fingerprint { return hit.html }
        let html = try await ReportBuilder.html(store: served.store)
        cache[served.name] = (fingerprint, html)
        return html
    }
}
