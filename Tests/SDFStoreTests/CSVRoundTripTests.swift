import Foundation
import SDFCore
import SDFStore
import Testing

/// A strict RFC 4180 reader: fields separated by commas, records by CRLF or LF; a field that starts with a
/// quote runs to the matching quote, with `""` standing for one quote, and may contain commas, CR and LF.
///
/// - Returns: the records, each a list of fields; `nil` when the text is not valid RFC 4180 (a quote inside
///   an unquoted field, text after a closing quote, or an unterminated quoted field).
func readRFC4180(_ text: String) -> [[String]]? {
    let scalars = Array(text.unicodeScalars)
    var records: [[String]] = []
    var record: [String] = []
    var field = String.UnicodeScalarView()
    var i = 0
    var quoted = false  // inside a quoted field
    var closed = false  // a quoted field just ended: only a separator may follow
    var started = false  // the current record has content
    func endField() {
        record.append(String(field))
        field = String.UnicodeScalarView()
        closed = false
    }
    while i < scalars.count {
        let c = scalars[i]
        if quoted {
            if c == "\"" {
                if i + 1 < scalars.count && scalars[i + 1] == "\"" {
                    field.append("\"")
                    i += 1
                } else {
                    quoted = false
                    closed = true
                }
            } else {
                field.append(c)
            }
        } else if c == "," {
            endField()
            started = true
        } else if c == "\n" || (c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n") {
            if c == "\r" { i += 1 }
            endField()
            records.append(record)
            record = []
            started = false
        } else if closed {
            return nil
        } else if c == "\"" {
            guard field.isEmpty else { return nil }
            quoted = true
            started = true
        } else {
            field.append(c)
            started = true
        }
        i += 1
    }
    if quoted { return nil }
    if started || !field.isEmpty || closed {
        endField()
        records.append(record)
    }
    return records
}

@Suite("CSV export read back with RFC 4180 semantics")
struct CSVRoundTripTests {
    @Test("the reader follows RFC 4180 on hand-made input")
    func reader() {
        #expect(readRFC4180("a,b\r\n1,2\r\n") == [["a", "b"], ["1", "2"]])
        #expect(readRFC4180("a,b\n1,2") == [["a", "b"], ["1", "2"]])
        #expect(readRFC4180("\"x, \"\"y\"\"\",z\n") == [["x, \"y\"", "z"]])
        #expect(readRFC4180("\"multi\nline\r\nfield\",2\n") == [["multi\nline\r\nfield", "2"]])
        #expect(readRFC4180(",\n\"\",\n") == [["", ""], ["", ""]])
        #expect(readRFC4180("a\"b,c\n") == nil)
        #expect(readRFC4180("\"a\"b,c\n") == nil)
        #expect(readRFC4180("\"open,c\n") == nil)
    }

    @Test("comments.csv gives back exactly the stored texts: quotes, commas, newlines, CRLF, Unicode")
    func commentsRoundTrip() async throws {
        let built = try await ExportFixture.build()
        let tables = try await TidyExport.tables(store: built.store)
        let comments = try #require(tables.first { $0.name == "comments" })
        let csv = String(decoding: try comments.csv(), as: UTF8.self)
        let records = try #require(readRFC4180(csv), "comments.csv is not valid RFC 4180")
        #expect(records.first == TidyExport.commentColumns)
        let rows = records.dropFirst()
        #expect(rows.allSatisfy { $0.count == TidyExport.commentColumns.count })
        let idColumn = try #require(TidyExport.commentColumns.firstIndex(of: "comment_id"))
        let textColumn = try #require(TidyExport.commentColumns.firstIndex(of: "text"))
        var read: [String: String] = [:]
        for row in rows { read[row[idColumn]] = row[textColumn] }
        #expect(read.count == built.texts.count)
        for (id, text) in built.texts {
            #expect(read[id] == text, "comment \(id): read \(read[id].debugDescription), stored \(text.debugDescription)")
        }
        // The awkward texts really were exercised.
        for text in ExportFixture.awkwardTexts.prefix(10) { #expect(built.texts.values.contains(text)) }
    }

    @Test("every table written to disk parses as RFC 4180 with one field per column")
    func filesOnDisk() async throws {
        let built = try await ExportFixture.build()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tidy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = try await TidyExport.write(store: built.store, format: .csv, to: folder.path)
        #expect(paths.count == 7)
        for path in paths {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let records = try #require(readRFC4180(text), "\(path) is not valid RFC 4180")
            let width = try #require(records.first?.count)
            #expect(records.allSatisfy { $0.count == width }, "\(path)")
        }
        let comments = try String(contentsOf: folder.appendingPathComponent("comments.csv"), encoding: .utf8)
        let rows = try #require(readRFC4180(comments))
        let textColumn = TidyExport.commentColumns.firstIndex(of: "text")!
        #expect(Set(rows.dropFirst().map { $0[textColumn] }) == Set(built.texts.values))
        // Seed comment rows are turn 0 by OP.
        let seed = try #require(rows.first { $0[0] == "seed-d-none" })
        #expect(seed[TidyExport.commentColumns.firstIndex(of: "turn_index")!] == "0" && seed[TidyExport.commentColumns.firstIndex(of: "speaker")!] == "OP")
    }
}
