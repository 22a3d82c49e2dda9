import Foundation
import SDFCore
import Testing

@testable import SDFStore

let humanFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/human").path

/// A fresh temporary folder for one test.
private func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-human-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `lines` as a ConvoKit `utterances.jsonl` in a new folder and returns the folder.
private func convoKit(_ lines: [String]) throws -> String {
    let folder = try temporaryFolder()
    try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("utterances.jsonl"))
    return folder.path
}

/// Writes `text` as a CSV file and returns its path.
private func csv(_ text: String) throws -> String {
    let url = try temporaryFolder().appendingPathComponent("corpus.csv")
    try Data(text.utf8).write(to: url)
    return url.path
}

/// The message of the ``HumanCorpusError`` thrown by reading `path`, or a recorded failure.
private func readError(_ path: String, columns: HumanCorpus.Columns = .init(), sourceLocation: SourceLocation = #_sourceLocation) async -> String {
    do {
        _ = try await HumanCorpus.read(path: path, columns: columns)
        Issue.record("no error reading \(path)", sourceLocation: sourceLocation)
        return ""
    } catch let error as HumanCorpusError {
        return error.message
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return ""
    }
}

@Suite("Human corpus")
struct HumanCorpusTests {
    @Test("a ConvoKit directory: roots, deleted and empty texts, missing parents, depths of a tree deeper than 3")
    func convoKitDirectory() async throws {
        let corpus = try await HumanCorpus.read(path: humanFixtures + "/convokit")
        #expect(corpus.format == .convokit)
        var expected = HumanCorpus.Counts()
        expected.read = 11
        expected.used = 6
        expected.roots = 2
        expected.empty = 1
        expected.deleted = 2
        expected.missingParents = 1
        expected.blankLines = 1
        expected.conversations = 2
        #expect(corpus.counts == expected)
        #expect(corpus.comments.map(\.id) == ["c1", "c2", "c4", "d1", "d3", "17"])
        // c4 replies to the deleted c3, which replies to c2: the deleted comment keeps its place in the tree.
        #expect(corpus.comments.map(\.depth) == [1, 2, 4, 1, 2, 2])
        #expect(corpus.threadLengths == [3, 3])
        #expect(corpus.hasReplyStructure)
        #expect(corpus.comments[0].scores == ["toxicity": 1.5])
        #expect(corpus.comments[1].scores == ["toxicity": 2])
        #expect(corpus.comments[2].scores == ["toxicity": 3.5])
        #expect(corpus.comments[3].scores.isEmpty)
    }

    @Test("a CSV with conversation and reply-to columns, quoted fields spanning lines, [removed] and empty texts")
    func csvWithReplies() async throws {
        let columns = HumanCorpus.Columns(text: "body", conversation: "thread", replyTo: "parent")
        let corpus = try await HumanCorpus.read(path: humanFixtures + "/comments.csv", columns: columns)
        #expect(corpus.format == .csv)
        #expect(corpus.counts.read == 8)
        #expect(corpus.counts.used == 4)
        #expect(corpus.counts.roots == 2)
        #expect(corpus.counts.deleted == 1)
        #expect(corpus.counts.empty == 1)
        #expect(corpus.comments.map(\.id) == ["a2", "a3", "a4", "b3"])
        #expect(corpus.comments.map(\.depth) == [1, 2, 3, 1])
        #expect(corpus.comments[1].text == "Same here; \"rain\" is just water.")
        #expect(corpus.comments[2].text == "A multi-line\ncomment that spans two lines.")
        #expect(corpus.threadLengths == [3, 1])
    }

    @Test("a CSV with only a text column: every row with text is a comment, no threads, no depths")
    func csvTextOnly() async throws {
        let corpus = try await HumanCorpus.read(path: humanFixtures + "/comments.csv", columns: .init(text: "body"))
        #expect(corpus.counts.read == 8)
        #expect(corpus.counts.used == 6)
        #expect(corpus.counts.roots == 0)
        #expect(corpus.threadLengths == nil)
        #expect(!corpus.hasReplyStructure)
        #expect(corpus.comments.allSatisfy { $0.depth == nil })
        // Without an id column, a comment's id is its line.
        #expect(corpus.comments.map(\.id) == ["line 2", "line 3", "line 4", "line 5", "line 8", "line 10"])
    }

    @Test("malformed ConvoKit lines name the file, the line and the field")
    func malformedConvoKit() async throws {
        let ok = #"{"id": "a", "conversation_id": "a", "reply_to": null, "text": "root"}"#
        var dir = try convoKit([ok, #"{"id": "b", "conversation_id": "a", "reply_to": "a", "text": 5}"#])
        var message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: field \"text\": expected a string, found a number")
        dir = try convoKit([ok, #"{"id": "b", "conversation_id": "a", "reply_to": "a", "text": "x""#])
        message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: not valid JSON (expected one utterance object per line)")
        dir = try convoKit([ok, #"{"conversation_id": "a", "reply_to": "a", "text": "x"}"#])
        message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: field \"id\" is missing (expected a string)")
        dir = try convoKit([ok, #"{"id": "b", "reply_to": "a", "text": "x"}"#])
        message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: field \"conversation_id\" is missing (expected a string)")
        dir = try convoKit([ok, #"{"id": "b", "conversation_id": "a", "reply_to": ["a"], "text": "x"}"#])
        message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: field \"reply_to\": expected a string or null, found an array")
        dir = try convoKit([ok, #"[1, 2]"#])
        message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: expected a JSON object, found an array")
        dir = try convoKit([ok, #"{"id": "a", "conversation_id": "a", "reply_to": "a", "text": "again"}"#])
        message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: field \"id\": duplicate id \"a\" (first at \(dir)/utterances.jsonl line 1)")
        dir = try convoKit([
            ok, #"{"id": "b", "conversation_id": "a", "reply_to": "c", "text": "x"}"#,
            #"{"id": "c", "conversation_id": "a", "reply_to": "b", "text": "y"}"#,
        ])
        message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: field \"reply_to\": the replies starting at id \"b\" form a cycle")
        dir = try convoKit([ok, #"{"id": "b", "conversation_id": "a", "reply_to": "a", "text": "x", "meta": {"annotations": {"ann": {"toxicity": "high"}}}}"#])
        message = await readError(dir)
        #expect(message == "\(dir)/utterances.jsonl line 2: field \"meta.annotations.ann.toxicity\": expected a number, found a string")
    }

    @Test("a corpus without a usable comment, a folder without utterances.jsonl and a missing path are errors")
    func nothingToUse() async throws {
        let dir = try convoKit([
            #"{"id": "a", "conversation_id": "a", "reply_to": null, "text": "root"}"#,
            #"{"id": "b", "conversation_id": "a", "reply_to": "a", "text": "[deleted]"}"#,
        ])
        var message = await readError(dir)
        #expect(message == "\(dir): no usable comment (2 record(s) read: 1 root(s), 0 empty, 1 deleted)")
        let empty = try temporaryFolder().path
        message = await readError(empty)
        #expect(message == "\(empty): not a ConvoKit corpus directory (no readable utterances.jsonl)")
        message = await readError(empty + "/nothing-here")
        #expect(message.hasPrefix("\(empty)/nothing-here: no such file or directory"))
    }

    @Test("malformed CSV: wrong field count, unterminated quote, text after a quote, missing columns, empty ids")
    func malformedCSV() async throws {
        var path = try csv("id,text\n1,fine\n2,one,two\n")
        var message = await readError(path)
        #expect(message == "\(path) line 3: 3 field(s), expected 2 as in the header (field \"text\" cannot be located)")
        path = try csv("id,text\n1,\"never closed\n2,x\n")
        message = await readError(path)
        #expect(message == "\(path) line 2: a quoted field is never closed")
        path = try csv("id,text\n1,\"quoted\"tail\n")
        message = await readError(path)
        #expect(message == "\(path) line 2: text after a closing quote (a quoted field must end at a comma or the line's end)")
        path = try csv("id,body\n1,x\n")
        message = await readError(path)
        #expect(message == "\(path) line 1: no column \"text\" (--text-column); the header has: \"id\", \"body\"")
        message = await readError(path, columns: .init(text: "body", conversation: "thread"))
        #expect(message == "\(path) line 1: no column \"thread\" (--conversation-column); the header has: \"id\", \"body\"")
        path = try csv("id,text,parent\n,x,\n")
        message = await readError(path, columns: .init(replyTo: "parent"))
        #expect(message == "\(path) line 2: field \"id\" is empty (expected the record's id)")
        path = try csv("")
        message = await readError(path)
        #expect(message == "\(path): empty file (expected a header row with a \"text\" column)")
    }

    @Test("CRLF line ends and a byte-order mark are read like LF")
    func crlf() async throws {
        let path = try csv("\u{FEFF}text,conv\r\n\"a, b\",1\r\nc,1\r\n\r\nd,2\r\n")
        let corpus = try await HumanCorpus.read(path: path, columns: .init(conversation: "conv"))
        #expect(corpus.comments.map(\.text) == ["a, b", "c", "d"])
        #expect(corpus.threadLengths == [2, 1])
    }

    @Test("an SDF store as the human corpus: seeds are roots, moderator comments are counted and left out, ok ratings are scores")
    func storeCorpus() async throws {
        let path = try temporaryFolder().appendingPathComponent("human.sqlite").path
        let store = try Store.open(path: path)
        let report = try await LegacyImporter(store: store).run(paths: [legacyFixtures])
        #expect(report.committed)
        let corpus = try await HumanCorpus.read(path: path)
        #expect(corpus.format == .store)
        // Count what the store holds, independently of the reader.
        var comments = 0
        var moderator = 0
        var seeds = 0
        var lengths: [Int] = []
        for d in try await store.discussions() {
            seeds += try await store.seedComments(of: d).count
            let turns = try await store.turns(of: d.id).filter { $0.outcome == .comment }
            moderator += turns.filter { $0.role == .moderator }.count
            comments += turns.filter { $0.role != .moderator }.count
            lengths.append(turns.filter { $0.role != .moderator }.count)
        }
        #expect(corpus.counts.used == comments)
        #expect(corpus.counts.moderator == moderator)
        #expect(corpus.counts.roots == seeds)
        #expect(corpus.counts.read == comments + moderator + seeds)
        #expect(corpus.threadLengths == lengths)
        #expect(corpus.comments.allSatisfy { ($0.depth ?? 0) >= 1 })
        let okRated = Set(try await store.annotations().filter { $0.status == .ok && !$0.values.isEmpty }.map(\.commentId))
        #expect(corpus.comments.filter { !$0.scores.isEmpty }.count == corpus.comments.filter { okRated.contains($0.id) }.count)
        #expect(moderator > 0)
    }

    @Test("stored threads: the k-th comment after s seeds has depth max(s, 1) − 1 + k; abstentions take no place")
    func storeThreadDepths() {
        let call = CallProvenance.imported(modelName: "m", modelId: nil, promptHash: "h")
        func turn(_ i: Int, _ role: Role, _ outcome: TurnOutcome) -> TurnRecord {
            TurnRecord(
                id: "t\(i)", discussionId: "d", turnIndex: i, speaker: role == .moderator ? "mod" : "u\(i)", role: role, outcome: outcome,
                text: outcome == .comment ? "x" : nil, call: call, startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 0))
        }
        let turns = [turn(1, .user, .comment), turn(2, .moderator, .comment), turn(3, .user, .abstention), turn(4, .troll, .comment)]
        #expect(StoreThreads.comments(turns, seedCount: 1).map(\.depth) == [1, 2, 3])
        #expect(StoreThreads.comments(turns, seedCount: 3).map(\.depth) == [3, 4, 5])
        #expect(StoreThreads.comments(turns, seedCount: 0).map(\.depth) == [1, 2, 3])
        #expect(StoreThreads.comments(turns, seedCount: 1).map(\.isModerator) == [false, true, false])
    }
}
