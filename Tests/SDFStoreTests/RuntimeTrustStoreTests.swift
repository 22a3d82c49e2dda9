import Foundation
import GRDB
import SDFCore
import SDFTesting
import Testing

@testable import SDFStore

/// Texts no store may lose: NUL at the start and inside, C0 controls, terminal escapes, RTL override, U+2400 itself,
/// and ~2 KB of random code points.
enum HostileTexts {
    static func random(seed: UInt64) -> String { HostileText.random(seed: seed) }

    static let all: [String] =
        [
            "\u{0}hello", "hello\u{0} world", "\u{0}", "a\u{0}\u{0}b\u{0}", "\u{1B}]0;pwned\u{07}\u{1B}[31mred",
            "rtl \u{202E}gnp.exe", "c0 \u{1}\u{2}\u{1F}\u{7F}", "real \u{2400} symbol", "mixed \u{2400} and \u{0} nul",
            "\u{FFFD}", "😀 𝕏 \u{10FFFF}",
        ] + (1...4).map { random(seed: $0) }
}

@Suite("Store keeps raw model output exactly")
struct LosslessRawTextTests {
    static let epoch = Date(timeIntervalSince1970: 1_760_000_000)

    static func discussion(_ id: String) -> DiscussionRecord {
        DiscussionRecord(
            id: id, conditionId: "c", conditionLabel: "none", strategy: "none", modelName: "m", replicate: 0, seed: "1",
            seedCommentId: "seed-\(id)", seedComment: "Seed.", seedCommentIndex: 0, userTurns: 20, historyLength: nil,
            turnTaking: RecordedTurnTaking(label: "random")!, status: .running, startedAt: epoch)
    }

    static func turn(_ discussion: String, _ index: Int, raw: String) -> TurnRecord {
        let cleaned = OutputCleaner(speaker: "ann", others: ["OP"]).clean(raw)
        return TurnRecord(
            id: "\(discussion)-\(index)", discussionId: discussion, turnIndex: index, speaker: "ann", role: .user,
            outcome: cleaned.isAbstention ? .abstention : .comment, text: cleaned.text, rawText: raw,
            cleaning: cleaned.changes, flags: cleaned.flags, decision: nil,
            call: CallProvenance(modelName: "m", modelId: "m", endpoint: "e", sampling: SamplingParameters(temperature: 1, topP: nil, maxTokens: 9, seed: 1, stop: []), promptHash: "h", templateId: "t", promptTokens: 1, completionTokens: 1, cachedTokens: 0, latencyMs: 1, finishReason: "stop", attempts: 1),
            startedAt: epoch, finishedAt: epoch)
    }

    static func annotation(_ turn: TurnRecord, raw: String) -> AnnotationRecord {
        AnnotationRecord(
            id: "a-\(turn.id)", commentId: turn.id, discussionId: turn.discussionId, annotator: "rater", values: [:],
            status: .unparseable, method: .none, detail: nil, rawText: raw, structuredOutput: .off,
            call: CallProvenance(modelName: "m", endpoint: "e", sampling: SamplingParameters(temperature: 0, topP: nil, maxTokens: 9, seed: 1, stop: []), promptHash: "h", templateId: "t", attempts: 1),
            startedAt: epoch, finishedAt: epoch)
    }

    func fill(_ store: Store) async throws -> [TurnRecord] {
        try await store.startDiscussion(Self.discussion("d1"), participants: [])
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t"))
        var turns: [TurnRecord] = []
        for (i, raw) in HostileTexts.all.enumerated() {
            let turn = Self.turn("d1", i + 1, raw: raw)
            try await store.commitTurn(turn, prompt: prompt)
            try await store.commitAnnotation(Self.annotation(turn, raw: raw), prompt: prompt)
            turns.append(turn)
        }
        return turns
    }

    func expectExact(_ store: Store, _ expected: [TurnRecord]) async throws {
        let byIndex = try await store.turns(of: "d1")
        let all = try await store.allTurns()
        let annotations = Dictionary(uniqueKeysWithValues: try await store.annotations().map { ($0.commentId, $0) })
        #expect(byIndex.count == expected.count && all.count == expected.count)
        for (i, turn) in expected.enumerated() {
            let raw = try #require(turn.rawText)
            #expect(Data((byIndex[i].rawText ?? "").utf8) == Data(raw.utf8), "turns(of:) #\(i)")
            #expect(Data((all[i].rawText ?? "").utf8) == Data(raw.utf8), "allTurns #\(i)")
            #expect(byIndex[i].text == turn.text && byIndex[i].flags == turn.flags && byIndex[i].cleaning == turn.cleaning)
            #expect(Data((annotations[turn.id]?.rawText ?? "").utf8) == Data(raw.utf8), "annotation #\(i)")
        }
    }

    @Test func hostileRawTextRoundTripsInMemory() async throws {
        let store = try Store.inMemory()
        try await expectExact(store, try await fill(store))
    }

    @Test func hostileRawTextRoundTripsThroughAFileAndSurvivesReopening() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-lossless-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/s.sqlite"
        let expected = try await fill(try Store.open(path: path))
        try await expectExact(try Store.openExisting(path: path), expected)
        // SQL readers see where the NULs were; the text is never cut there.
        let reader = try Store.openReadOnly(path: path)
        let shown = try await reader.writer.read { db in
            try String.fetchOne(db, sql: "SELECT rawText FROM turn WHERE id = 'd1-2'")
        }
        #expect(shown == "hello\u{2400} world")
        let leading = try await reader.writer.read { db in try String.fetchOne(db, sql: "SELECT text FROM turn WHERE id = 'd1-1'") }
        #expect(leading == "hello")
    }

    @Test func aLeadingNulCommentIsStoredNotRefusedByTheCheckConstraint() async throws {
        let store = try Store.inMemory()
        try await store.startDiscussion(Self.discussion("d1"), participants: [])
        let turn = Self.turn("d1", 1, raw: "\u{0}hello")
        #expect(turn.outcome == .comment && turn.text == "hello")
        try await store.commitTurn(turn, prompt: PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t")))
        #expect(try await store.turns(of: "d1").first?.rawText == "\u{0}hello")
    }
}

@Suite("Exports never replace another store's files")
struct ExportFolderTests {
    static func folder(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A file store with one discussion and one comment.
    static func store(_ path: String, comment: String) async throws -> Store {
        let store = try Store.open(path: path)
        try await store.startDiscussion(LosslessRawTextTests.discussion("d-" + comment), participants: [])
        try await store.commitTurn(
            LosslessRawTextTests.turn("d-" + comment, 1, raw: comment),
            prompt: PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t")))
        return store
    }

    static func snapshot(_ dir: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = FileManager.default.contents(atPath: dir + "/" + name)
            }
        }
        return files
    }

    enum Kind: String, CaseIterable { case csv, jsonl, convokit, sdfJSON }

    func export(_ kind: Kind, _ store: Store, _ out: String, force: Bool = false) async throws {
        switch kind {
        case .csv: _ = try await TidyExport.write(store: store, format: .csv, to: out, force: force)
        case .jsonl: _ = try await TidyExport.write(store: store, format: .jsonl, to: out, force: force)
        case .convokit: try await ConvoKitExport.write(store: store, to: out, force: force)
        // A fixed export time, so that re-exporting the same store writes the same bytes.
        case .sdfJSON: _ = try await SDFJSONExport.write(store: store, to: out, force: force, exportedAt: Date(timeIntervalSince1970: 1_700_000_000))
        }
    }

    @Test(arguments: Kind.allCases)
    func aSecondStoreIsRefusedTheFirstStoresFolder(_ kind: Kind) async throws {
        let dir = try Self.folder("two-stores")
        let first = try await Self.store(dir + "/first.sqlite", comment: "first store's comment")
        let second = try await Self.store(dir + "/second.sqlite", comment: "second store's comment")
        let out = dir + "/out"
        try await export(kind, first, out)
        let before = try Self.snapshot(out)
        #expect(before.count >= 2)
        let error = await #expect(throws: StoreError.self) { try await export(kind, second, out) }
        #expect(error?.message.contains("first.sqlite") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("--force") == true)
        #expect(try Self.snapshot(out) == before, "the refused export changed files")
        // The same store again: fine, same files.
        try await export(kind, first, out)
        #expect(try Self.snapshot(out) == before)
        // --force replaces, and the folder then belongs to the second store.
        try await export(kind, second, out, force: true)
        let marker = try JSONDecoder().decode(
            ExportFolder.Marker.self, from: try #require(FileManager.default.contents(atPath: out + "/" + ExportFolder.markerName)))
        #expect(marker.store == (try await second.identity()))
        await #expect(throws: StoreError.self) { try await export(kind, first, out) }
    }

    @Test func anUnmarkedFolderWithTheSameFileNamesIsRefused() async throws {
        let dir = try Self.folder("unmarked")
        let store = try await Self.store(dir + "/s.sqlite", comment: "text")
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        try Data("someone else's table\n".utf8).write(to: URL(fileURLWithPath: dir + "/out/comments.csv"))
        let error = await #expect(throws: StoreError.self) { try await export(.csv, store, dir + "/out") }
        #expect(error?.message.contains("comments.csv") == true)
        #expect(FileManager.default.contents(atPath: dir + "/out/comments.csv") == Data("someone else's table\n".utf8))
        // Unrelated files are no obstacle.
        try await export(.jsonl, store, dir + "/out")
    }

    @Test func theIdentityIsStableAcrossReopeningAndCopies() async throws {
        let dir = try Self.folder("identity")
        let store = try await Self.store(dir + "/s.sqlite", comment: "text")
        let id = try await store.identity()
        #expect(try await Store.openExisting(path: dir + "/s.sqlite").identity() == id)
        #expect(try await Store.inMemory().identity() != id)
    }
}

@Suite("Status tells repeating failures from transient ones")
struct StatusFailureKindTests {
    @Test func aRejectedRequestIsNotPresentedAsCuredByReRunning() async throws {
        let store = try Store.inMemory()
        try await store.startDiscussion(LosslessRawTextTests.discussion("d1"), participants: [])
        var failed = LosslessRawTextTests.turn("d1", 1, raw: "x")
        failed.outcome = .failed
        failed.text = nil
        failed.rawText = nil
        failed.call.error = CallFailure(legacyDescription: "badRequest: POST /v1/chat/completions: HTTP 400 the request exceeds the available context size")
        try await store.commitTurn(failed, prompt: PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t")))
        try await store.finishDiscussion(id: "d1", status: .failed)
        let text = StatusReport.text(try await StatusReport.status(store: store), storePath: ":memory:")
        #expect(text.contains("badRequest failures are requests the server refused"), "\(text)")
        // A transient failure keeps the plain advice only.
        var transient = failed
        transient.id = "d1-2"
        transient.turnIndex = 2
        transient.call.error = CallFailure(legacyDescription: "server: HTTP 503 overloaded")
        let other = try Store.inMemory()
        try await other.startDiscussion(LosslessRawTextTests.discussion("d1"), participants: [])
        try await other.commitTurn(transient, prompt: PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t")))
        try await other.finishDiscussion(id: "d1", status: .failed)
        let plain = StatusReport.text(try await StatusReport.status(store: other), storePath: ":memory:")
        #expect(plain.contains("re-run the same `sdf run` command to resume"))
        #expect(!plain.contains("refused"))
    }
}
