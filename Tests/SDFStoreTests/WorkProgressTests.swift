import Foundation
import GRDB
import SDFCore
import SDFStore
import Synchronization
import Testing

/// Collects progress events from any task.
final class ProgressLog: Sendable {
    let events = Mutex<[WorkProgress]>([])
    var handler: WorkProgressHandler { { [self] event in self.events.withLock { $0.append(event) } } }
    var all: [WorkProgress] { events.withLock { $0 } }

    /// Checks the contract: within a phase `done` never decreases and stays within `total`, and every phase with
    /// a known size ends at `done == total`.
    func expectWellFormed(sourceLocation: SourceLocation = #_sourceLocation) {
        var last: [String: WorkProgress] = [:]
        for event in all {
            if let previous = last[event.phase] {
                #expect(event.done >= previous.done && event.total == previous.total, "\(event)", sourceLocation: sourceLocation)
            }
            #expect(event.done >= 0 && (event.total == 0 || event.done <= event.total), "\(event)", sourceLocation: sourceLocation)
            last[event.phase] = event
        }
        for (phase, event) in last where event.total > 0 && !phase.hasPrefix("storing") {
            #expect(event.done == event.total, "phase \(phase) ended at \(event.done)/\(event.total)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Progress of long commands: import, export")
struct WorkProgressTests {
    @Test("a tidy export reports every discussion read and every row written", arguments: [TidyExport.Format.csv, .jsonl])
    func tidyExport(format: TidyExport.Format) async throws {
        let built = try await ExportFixture.build()
        let log = ProgressLog()
        let folder = try temporaryDirectory("progress-export")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try await TidyExport.write(store: built.store, format: format, to: folder, progress: log.handler)
        log.expectWellFormed()
        let reading = log.all.filter { $0.phase == "reading discussions" }
        #expect(reading.first?.done == 0 && reading.last?.done == built.discussions.count && reading.count == built.discussions.count + 1)
        let finishing = log.all.filter { $0.phase == "finishing files" }
        #expect(finishing.map(\.done) == Array(0...7) && finishing.last?.total == 7)
        // Streamed files are byte for byte what the in-memory tables give.
        for table in try await TidyExport.tables(store: built.store) {
            let file = try #require(FileManager.default.contents(atPath: folder + "/" + table.name + "." + format.rawValue))
            #expect(file == (format == .csv ? try table.csv() : try table.jsonl()), "\(table.name).\(format.rawValue)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test("an annotation of no stored discussion fails the export: nothing written, no temporary file left")
    func orphanAnnotation() async throws {
        let built = try await ExportFixture.build()
        try await built.store.writer.write { db in
            try db.execute(sql: "UPDATE annotation SET discussionId = 'gone' WHERE rowid = (SELECT MIN(rowid) FROM annotation)")
        }
        let folder = try temporaryDirectory("progress-orphan")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        await #expect(throws: StoreError.self) { _ = try await TidyExport.write(store: built.store, format: .csv, to: folder) }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".sdf-export") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test("an sdf-json export reports each discussion file")
    func sdfJSONExport() async throws {
        let built = try await ExportFixture.build()
        let log = ProgressLog()
        let folder = try temporaryDirectory("progress-sdfjson")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try await SDFJSONExport.write(store: built.store, to: folder, progress: log.handler)
        log.expectWellFormed()
        #expect(log.all.last == WorkProgress(phase: "discussion files", done: files.count, total: files.count, unit: "discussions"))
    }

    @Test("an import reports every file read and every discussion and annotation file stored")
    func legacyImport() async throws {
        let store = try Store.inMemory()
        let log = ProgressLog()
        var importer = LegacyImporter(store: store, conditionPattern: try ConditionPattern("{model}_{strategy}"))
        importer.progress = log.handler
        let report = try await importer.run(paths: [messyFixtures])
        log.expectWellFormed()
        let reading = log.all.filter { $0.phase == "reading files" }
        #expect(reading.last?.done == report.read.files && reading.last?.total == report.read.files)
        #expect(log.all.contains { $0.phase == "storing discussions" && $0.total == 2 })
        #expect(log.all.contains { $0.phase == "storing annotation files" && $0.total > 0 })
    }
}
