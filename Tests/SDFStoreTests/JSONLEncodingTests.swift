import CSV
import Foundation
import SDFCore
import SDFTesting
import Testing

@testable import SDFStore

@Suite("JSONL rows: the hand-written value encoder writes JSONSerialization's bytes")
struct JSONLEncodingTests {
    static func reference(_ value: Any) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: value, options: JSONLRowEncoder.options))
    }

    static func encoded(_ value: TidyValue) throws -> [UInt8] {
        var out: [UInt8] = []
        try JSONLRowEncoder.append(value, to: &out)
        return out
    }

    @Test("every ASCII character, alone and inside text")
    func everyASCIICharacter() throws {
        for scalar in 0..<128 {
            let c = String(UnicodeScalar(UInt8(scalar)))
            for text in [c, "a\(c)b", "\(c)\(c)"] {
                #expect(try Self.encoded(.text(text)) == Self.reference(text), "U+\(String(scalar, radix: 16))")
            }
        }
    }

    @Test("non-ASCII and hostile text: separators, BOM, bidi overrides, emoji, replacement characters, random hostile strings")
    func hostileText() throws {
        var texts = ["é", "\u{2028}\u{2029}", "\u{FEFF}x", "\u{202E}abc", "👩‍👩‍👧", "\u{FFFD}", "\u{85}\u{9F}", "a/b", "</script>", ""]
        for seed in 0..<200 { texts.append(HostileText.random(seed: UInt64(seed))) }
        for text in texts {
            #expect(try Self.encoded(.text(text)) == Self.reference(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test("integers, booleans, null, reals, lists and maps")
    func otherValues() throws {
        let cases: [(TidyValue, Any)] = [
            (.int(0), 0), (.int(-42), -42), (.int(Int.max), Int.max), (.int(Int.min), Int.min), (.bool(true), true), (.bool(false), false),
            (.null, NSNull()), (.double(0.1), 0.1), (.list(["a", "\u{1}"]), ["a", "\u{1}"]), (.map(["k": "v\""]), ["k": "v\""]),
        ]
        for (value, json) in cases {
            #expect(try Self.encoded(value) == Self.reference(json), "\(value)")
        }
    }

    @Test("a whole row equals JSONSerialization's sorted-key object")
    func wholeRow() throws {
        let columns = ["zeta", "alpha", "Beta", "_x", "a b", "ü"]
        let row: [TidyValue] = [.text("x\n\"y\""), .int(3), .null, .bool(true), .list(["p", "q"]), .text(HostileText.random(seed: 7))]
        let encoder = try JSONLRowEncoder(columns: columns)
        var object: [String: Any] = [:]
        for (c, v) in zip(columns, row) { object[c] = v.json }
        let expected = try Self.reference(object) + Array("\n".utf8)
        #expect([UInt8](try encoder.encode(row)) == expected)
    }
}

@Suite("CSV chunks: copied out of the memory stream, the CSV writer's own output")
struct CSVChunkTests {
    /// The chunk as the CSV writer writes it deciding every quote itself.
    static func reference(_ rows: [[String]]) throws -> Data {
        let stream = OutputStream.toMemory()
        stream.open()
        let writer = try CSVWriter(stream: stream)
        for row in rows { try writer.write(row: row) }
        stream.close()
        return try #require(stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data)
    }

    @Test("plain, quoted and hostile fields, alone and in rows")
    func sameBytes() throws {
        var fields = ["", "plain", "a,b", "say \"hi\"", "line\nbreak", "cr\rlf", "crlf\r\n", "\"", ",", "é,ü", "👩‍👩‍👧", "tab\there", "; list; items"]
        for seed in 0..<150 { fields.append(HostileText.random(seed: UInt64(seed))) }
        for field in fields {
            #expect(try TidyFileWriter.csvChunk([[field]]) == Self.reference([[field]]), "\(field.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        let rows = stride(from: 0, to: fields.count - 3, by: 3).map { Array(fields[$0..<($0 + 3)]) }
        #expect(try TidyFileWriter.csvChunk(rows) == Self.reference(rows))
    }
}
