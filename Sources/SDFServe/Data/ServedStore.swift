import Foundation
import GRDB
import SDFStore

/// One store the viewer serves: opened read-only, named for URLs, with its full-text search index.
public struct ServedStore: Sendable {
    /// The name used in URLs and on pages: the file name without extension, made unique among the served stores.
    public let name: String
    /// The store file as given.
    public let path: String
    /// The store, opened read-only.
    public let store: Store
    let search: SearchIndex

    /// Wraps an opened store under `name`.
    ///
    /// - Parameter searchIndexPath: where the full-text index should go; default `<store>.search.sqlite` beside
    ///   the store. When that place cannot be written, a temporary folder is used instead.
    public init(name: String, store: Store, searchIndexPath: String? = nil) {
        self.name = name
        self.path = store.path
        self.store = store
        self.search = SearchIndex(store: store, preferredPath: searchIndexPath ?? store.path + ".search.sqlite")
    }

    /// Opens every store at `paths` read-only and names them after their files (`shard-1`, `shard-1-2`, …).
    ///
    /// A read-only store is never migrated: the viewer reads through the store's public records and plain SQL,
    /// so a store of an older schema shows what it has, and nothing is ever written to any store.
    ///
    /// - Throws: ``ServeError`` naming the first store that does not exist or is not an SQLite file.
    public static func open(paths: [String]) throws -> [ServedStore] {
        var used: Set<String> = []
        var result: [ServedStore] = []
        for path in paths {
            let store: Store
            do {
                store = try Store.openReadOnly(path: path)
                _ = try store.writer.read { db in try db.tableExists("discussion") }
            } catch {
                throw ServeError("cannot open \(path): \(error)")
            }
            let isStore = (try? store.writer.read { db in try db.tableExists("discussion") && db.tableExists("turn") }) ?? false
            if !isStore { throw ServeError("\(path) is not an SDF store (it has no discussion and turn tables)") }
            let base = slug(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
            var name = base
            var n = 2
            while used.contains(name) {
                name = "\(base)-\(n)"
                n += 1
            }
            used.insert(name)
            result.append(ServedStore(name: name, store: store))
        }
        return result
    }

    /// Keeps letters, digits, `.`, `_` and `-`; anything else becomes `-`.
    static func slug(_ text: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let mapped = String(text.map { allowed.contains($0) ? $0 : "-" })
        return mapped.isEmpty ? "store" : mapped
    }
}
