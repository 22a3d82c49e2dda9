import Foundation
import Testing

@testable import SDFStore

@Suite("Streaming tidy files")
struct TidyFileWriterTests {
    @Test("chunked, streamed CSV and JSONL are byte for byte the in-memory table, across chunk boundaries and chunks encoded in parts", arguments: [1, 7, 250, 1_000])
    func chunks(chunkRows: Int) throws {
        let columns = ["id", "text", "n", "missing", "list"]
        let rows: [[TidyValue]] = (0..<1_253).map { i in
            [.text("r\(i)"), .text(ExportFixture.awkwardTexts[i % ExportFixture.awkwardTexts.count]), .int(i), .null,
             .list(i.isMultiple(of: 2) ? ["a", "b, c"] : [])]
        }
        let table = TidyTable(name: "t", columns: columns, rows: rows)
        let folder = try temporaryDirectory("tidy-writer")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for format in [TidyExport.Format.csv, .jsonl] {
            let path = folder + "/t." + format.rawValue
            let writer = try TidyFileWriter(path: path, columns: columns, format: format, chunkRows: chunkRows)
            for row in rows { try writer.append(row) }
            try writer.finish()
            let expected = format == .csv ? try table.csv() : try table.jsonl()
            #expect(FileManager.default.contents(atPath: path) == expected, "\(format) with chunks of \(chunkRows)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["t.csv", "t.jsonl"])
    }

    @Test("an empty table is its header line")
    func empty() throws {
        let folder = try temporaryDirectory("tidy-writer-empty")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try TidyFileWriter(path: folder + "/e.csv", columns: ["a", "b"], format: .csv)
        try writer.finish()
        #expect(FileManager.default.contents(atPath: folder + "/e.csv") == (try TidyTable(name: "e", columns: ["a", "b"], rows: []).csv()))
    }
}
