import Foundation
import GRDB
import SDFCore

/// The marker that ties an output folder to the store exported into it, so that an export (or report) of one
/// store never silently replaces another store's files.
///
/// Every export and `sdf report --out` writes `DIR/.sdf-export.json` naming the store's identity (a UUID kept
/// in the store's `store_identity` table; a copy of the store file is the same store) and its path. Writing into
/// a folder is refused when its marker names another store, or when it has no marker but already holds a file
/// the export would replace, unless `force` is given. Re-exporting the same store into its folder just works.
public enum ExportFolder {
    /// The marker's file name.
    public static let markerName = ".sdf-export.json"

    /// What the marker says.
    public struct Marker: Codable, Sendable, Hashable {
        /// The exported store's identity (``Store/identity()``).
        public var store: String
        /// The store's path when it was exported.
        public var storePath: String
        /// SDF's version.
        public var toolVersion: String
    }

    /// Checks that `directory` may receive an export of `store`, creates it if needed, and writes its marker.
    ///
    /// - Parameters:
    ///   - directory: the output folder.
    ///   - store: the store being exported.
    ///   - files: the paths, relative to `directory`, the export is about to write.
    ///   - force: replace another store's export (or unmarked files) anyway.
    /// - Throws: ``StoreError`` naming the other store (or the file) and suggesting `--force`, before anything is
    ///   written; or when the folder or marker cannot be written.
    public static func claim(_ directory: String, for store: Store, files: [String], force: Bool) async throws {
        let identity = try await store.identity()
        let markerPath = URL(fileURLWithPath: directory).appendingPathComponent(markerName).path
        if !force {
            if let data = FileManager.default.contents(atPath: markerPath) {
                guard let marker = try? JSONDecoder().decode(Marker.self, from: data) else {
                    throw StoreError(
                        "\(directory) has an unreadable export marker (\(markerName)); use another --out folder, or --force to write there anyway")
                }
                if marker.store != identity {
                    throw StoreError(
                        "\(directory) holds the export of another store (\(marker.storePath), identity \(marker.store.prefix(8))); "
                            + "exporting \(store.path) there would replace its files. Use another --out folder, or --force to replace them.")
                }
            } else if let existing = files.first(where: {
                FileManager.default.fileExists(atPath: URL(fileURLWithPath: directory).appendingPathComponent($0).path)
            }) {
                throw StoreError(
                    "\(directory) already holds \(existing), which no export of \(store.path) wrote (no \(markerName) marker); "
                        + "use another --out folder, or --force to replace it.")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError("cannot create \(directory): \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let marker = Marker(store: identity, storePath: store.path, toolVersion: SDFVersion.current)
        try StoreError.write(try encoder.encode(marker), to: markerPath)
    }
}

extension Store {
    /// The store's identity: a UUID made when the store was created (or first opened by a version that keeps one),
    /// the same for every copy of the file. Export markers name it.
    ///
    /// - Throws: ``StoreError`` when the store has none (a store opened read-only without its migrations).
    public func identity() async throws -> String {
        let id = try await writer.read { db -> String? in
            guard try db.tableExists("store_identity") else { return nil }
            return try String.fetchOne(db, sql: "SELECT id FROM store_identity ORDER BY createdAt LIMIT 1")
        }
        guard let id else { throw StoreError("\(path) has no identity yet; open it with this version of sdf first") }
        return id
    }
}
