import Foundation
import GRDB
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

/// The tidy tables of a store without the columns a replay may change: wall-clock fields and the endpoint (a replayed
/// call records `replay:<store id>`).
func replayComparableTables(_ path: String) async throws -> [String: [[TidyValue]]] {
    let dropped: Set<String> = ["started_at", "finished_at", "latency_ms", "endpoint"]
    var out: [String: [[TidyValue]]] = [:]
    for table in try await TidyExport.tables(store: try Store.openExisting(path: path)) {
        let keep = table.columns.indices.filter { !dropped.contains(table.columns[$0]) }
        out[table.name] = table.rows.map { row in keep.map { row[$0] } }
    }
    return out
}

/// Every stored discussion, participant, turn and annotation (ids, texts, provenance, call keys) with wall-clock fields
/// and endpoints blanked, one JSON line each.
func replayComparableRecords(_ path: String) async throws -> [String] {
    let store = try Store.openExisting(path: path)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let zero = Date(timeIntervalSince1970: 0)
    var lines: [String] = []
    func add(_ value: some Encodable) throws { lines.append(String(decoding: try encoder.encode(value), as: UTF8.self)) }
    for var d in try await store.discussions() {
        d.startedAt = zero
        d.finishedAt = nil
        try add(d)
        for p in try await store.participants(of: d.id) { try add(p) }
    }
    for var t in try await store.allTurns() {
        (t.startedAt, t.finishedAt, t.call.latencyMs, t.call.endpoint) = (zero, zero, nil, "")
        try add(t)
    }
    for var a in try await store.annotations() {
        (a.startedAt, a.finishedAt, a.call.latencyMs, a.call.endpoint) = (zero, zero, nil, "")
        try add(a)
    }
    return lines
}

@Suite("Replay: sdf run --replay-from answers every call from a store's records", .serialized)
struct ReplayTests {
    @Test("a replay without a server reproduces the store: same ids, texts, annotations and exports; the old file is untouched")
    func replayReproducesTheStore() async throws {
        let (original, file, requests) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let file = try writeExperiment(url: url, name: "replay-same")
            let result = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false))
            return (result, file, log.all.count)
        }
        // The server is stopped: every call of the replay must come from the old store.
        #expect(original.exitCode == .allDone)
        let old = ExperimentRunOptions.defaultStorePath(for: file)
        let oldBytes = try Data(contentsOf: URL(fileURLWithPath: old))
        let new = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("replayed.sqlite").path
        let replay = try await ExperimentRun.run(
            ExperimentRunOptions(experimentFile: file, store: new, writesReport: false, replay: ReplaySource(store: old)))
        print("replay timing: original run \(original.wallSeconds) s (\(requests) calls to the fake server), replay \(replay.wallSeconds) s")
        #expect(replay.exitCode == .allDone)
        let oldStore = try Store.openExisting(path: old)
        let oldId = try await oldStore.identity()
        #expect(replay.replay == ReplaySummary(source: old, storeId: oldId, replayed: requests, live: 0))

        let oldTables = try await replayComparableTables(old)
        let newTables = try await replayComparableTables(new)
        #expect(oldTables["comments"]?.isEmpty == false && oldTables["annotations"]?.isEmpty == false)
        #expect(oldTables == newTables)
        let oldRecords = try await replayComparableRecords(old)
        #expect(oldRecords.count > 40)
        #expect(oldRecords == (try await replayComparableRecords(new)))

        // Provenance says replayed; attempts, usage and keys are the original's; the replayed store keeps its own identity.
        let newStore = try Store.openExisting(path: new)
        let oldTurns = Dictionary(uniqueKeysWithValues: try await oldStore.allTurns().map { ($0.id, $0) })
        let newTurns = try await newStore.allTurns()
        #expect(newTurns.count == oldTurns.count && !newTurns.isEmpty)
        for turn in newTurns {
            let before = try #require(oldTurns[turn.id])
            #expect(turn.call.endpoint == "replay:\(oldId)")
            #expect(before.call.endpoint.hasPrefix("http://127.0.0.1:"))
            #expect(turn.call.callKey != nil && turn.call.callKey == before.call.callKey)
            #expect(turn.call.attempts == before.call.attempts && turn.call.promptTokens == before.call.promptTokens)
            #expect(turn.call.completionTokens == before.call.completionTokens && turn.call.modelId == before.call.modelId)
        }
        let annotations = try await newStore.annotations()
        #expect(annotations.allSatisfy { $0.call.endpoint == "replay:\(oldId)" && $0.call.callKey != nil })
        #expect(try await newStore.identity() != oldId)
        #expect(try await newStore.runs().first?.models["fake"]?.hasPrefix("replay of \(old) (store \(oldId)): ") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: old)) == oldBytes, "replay never writes the old store")

        // A store of the previous schema (no callKey column) replays too: its keys are computed from the stored prompts
        // and sampling parameters, and the file stays at its schema.
        let legacy = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("legacy.sqlite").path
        try DatabaseQueue(path: old).backup(to: try DatabaseQueue(path: legacy))
        try await DatabaseQueue(path: legacy).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        try await DatabaseQueue(path: legacy).write { db in
            try db.execute(sql: "DROP INDEX turn_callKey; DROP INDEX annotation_callKey")
            for table in ["turn", "annotation", "failure_log", "moderator_decision"] { try db.execute(sql: "ALTER TABLE \(table) DROP COLUMN callKey") }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v9-call-key'")
        }
        let index = try await ReplayIndex.load(path: legacy)
        #expect(index.storedKeys == 0 && index.computedKeys == requests && index.unkeyed.isEmpty)
        #expect(index.requestModels == ["fake": "fake-model", "rater": "fake-model"])
        let fromLegacy = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("from-legacy.sqlite").path
        let again = try await ExperimentRun.run(
            ExperimentRunOptions(experimentFile: file, store: fromLegacy, writesReport: false, replay: ReplaySource(store: legacy)))
        #expect(again.exitCode == .allDone && again.replay?.replayed == requests && again.replay?.live == 0)
        #expect(oldRecords == (try await replayComparableRecords(fromLegacy)), "computed keys equal the stored ones")
        let columns = try await DatabaseQueue(path: legacy).read { db in try db.columns(in: "turn").map(\.name) }
        #expect(!columns.contains("callKey"), "the replayed file was not migrated")
    }

    @Test("a changed prompt misses: the run stops naming the discussion and turn; --replay-miss live sends exactly the missing calls")
    func missStopsThenLiveFillsIn() async throws {
        let (file, old) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let file = try writeExperiment(url: url, name: "replay-miss")
            #expect(try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false)).exitCode == .allDone)
            return (file, ExperimentRunOptions.defaultStorePath(for: file))
        }
        // One prompt changes: the second seed comment, in every discussion that opens with it.
        let changed = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("changed.yaml").path
        let yaml = try String(contentsOfFile: file, encoding: .utf8)
        try yaml.replacingOccurrences(of: "Homework should be abolished.", with: "Homework should be banned.")
            .write(toFile: changed, atomically: true, encoding: .utf8)
        let new = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("miss.sqlite").path
        let error = try await runError(
            ExperimentRunOptions(experimentFile: changed, store: new, writesReport: false, replay: ReplaySource(store: old)))
        #expect(error.exitCode == .storeProblem)
        let replayError = try #require(error.underlying as? ReplayError)
        #expect(replayError.kind == .miss)
        guard case .turn(let discussion, 1, let speaker) = replayError.site else {
            Issue.record("the miss names no first turn: \(String(describing: replayError.site))")
            return
        }
        #expect(error.message.hasPrefix("error: replay from \(old): no recorded call answers discussion \(discussion) turn 1 (speaker \(speaker))"))
        #expect(error.message.contains("--replay-miss live"))
        let newStore = try Store.openExisting(path: new)
        let missed = try #require(try await newStore.discussion(id: discussion))
        #expect(missed.seedComment == "Homework should be banned." && missed.status == .running)
        #expect(try await newStore.turns(of: discussion).isEmpty, "the missed call is not recorded")
        #expect(try await newStore.runs().map(\.status) == [.failed])
        // Calls the stopped run already replayed and stored (other discussions ran alongside): the resume skips them.
        let replayedBefore = try await newStore.allTurns().count + newStore.annotations().count

        // The same command with --replay-miss live resumes that store: only the calls with no record go to the server.
        let (result, liveRequests) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let live = changed.replacingOccurrences(of: "changed.yaml", with: "live.yaml")
            let text = try String(contentsOfFile: changed, encoding: .utf8)
            let oldURL = try #require(text.firstMatch(of: /endpoint: "([^"]+)"/)?.1)
            try text.replacingOccurrences(of: String(oldURL), with: url).write(toFile: live, atomically: true, encoding: .utf8)
            let result = try await ExperimentRun.run(
                ExperimentRunOptions(experimentFile: live, store: new, writesReport: false, replay: ReplaySource(store: old, miss: .live)))
            return (result, log.all.count)
        }
        #expect(result.exitCode == .allDone)
        let store = try Store.openExisting(path: new)
        let changedIds = Set(try await store.discussions().filter { $0.seedComment == "Homework should be banned." }.map(\.id))
        #expect(!changedIds.isEmpty && changedIds.count < 4)
        let turns = try await store.allTurns()
        let annotations = try await store.annotations()
        // Missing = a call of the new store whose key the old store does not hold: the changed discussions' turns, and
        // every annotation (its sampling seed derives from the comment id, which derives from the design, and the
        // seed comments are part of the design).
        let oldStore = try Store.openExisting(path: old)
        let oldKeys = Set(try await oldStore.allTurns().compactMap(\.call.callKey) + (try await oldStore.annotations().compactMap(\.call.callKey)))
        let calls = turns.map { ($0.call, $0.discussionId) } + annotations.map { ($0.call, $0.discussionId) }
        let missing = calls.filter { !oldKeys.contains($0.0.callKey ?? "") }
        #expect(liveRequests == missing.count, "exactly the calls with no record went live")
        #expect(result.replay?.live == liveRequests && result.replay?.replayed == calls.count - missing.count - replayedBefore)
        let oldId = try await oldStore.identity()
        for (call, _) in calls { #expect((call.endpoint == "replay:\(oldId)") == oldKeys.contains(call.callKey ?? "")) }
        // Every turn of the unchanged discussions replayed; every turn of the changed ones went live.
        for turn in turns {
            #expect((turn.call.endpoint == "replay:\(oldId)") == !changedIds.contains(turn.discussionId), "\(turn.id)")
        }
        #expect(missing.count == turns.filter { changedIds.contains($0.discussionId) }.count + annotations.count)
    }

    @Test("a new annotator re-uses the discussions' calls: they replay, only the new annotator's calls go live")
    func addedAnnotatorGoesLive() async throws {
        let (file, old) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let file = try writeExperiment(url: url, name: "replay-annotator")
            #expect(try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false)).exitCode == .allDone)
            return (file, ExperimentRunOptions.defaultStorePath(for: file))
        }
        let oldStore = try Store.openExisting(path: old)
        let oldTurns = try await oldStore.allTurns()
        let oldAnnotations = try await oldStore.annotations()
        let new = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("more.sqlite").path
        // Another server (another URL): the keys do not depend on the endpoint.
        let (result, liveRequests) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let more = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("more.yaml").path
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let oldURL = try #require(text.firstMatch(of: /endpoint: "([^"]+)"/)?.1)
            try text.replacingOccurrences(of: String(oldURL), with: url)
                .replacingOccurrences(of: "{username: rater2, age: 50}]", with: "{username: rater2, age: 50}, {username: rater3, age: 60}]")
                .write(toFile: more, atomically: true, encoding: .utf8)
            let result = try await ExperimentRun.run(
                ExperimentRunOptions(experimentFile: more, store: new, writesReport: false, replay: ReplaySource(store: old, miss: .live)))
            return (result, log.all.count)
        }
        #expect(result.exitCode == .allDone)
        let store = try Store.openExisting(path: new)
        let annotations = try await store.annotations()
        let rater3 = annotations.filter { $0.annotator == "rater3" }
        #expect(!rater3.isEmpty && rater3.count == oldAnnotations.filter { $0.annotator == "rater1" }.count)
        #expect(liveRequests == rater3.count, "only the new annotator's calls reached the server")
        #expect(result.replay?.live == rater3.count && result.replay?.replayed == oldTurns.count + oldAnnotations.count)
        #expect(rater3.allSatisfy { $0.call.endpoint.hasPrefix("http://127.0.0.1:") })
        // The old annotators' ratings and the discussions are the old store's.
        let oldRecords = try await replayComparableRecords(old)
        let newRecords = try await replayComparableRecords(new)
        #expect(newRecords.filter { !$0.contains(#""annotator":"rater3""#) } == oldRecords)
    }

    @Test("failures replay as recorded; a call a resume retried replays its final outcome; failure_log rows keep the key")
    func failuresAndRetries() async throws {
        // The first request is rejected (400: fails for good, discussion failed); another gets a 500 once (retried by
        // the client: 2 attempts).
        let (file, old) = try await FakeOpenAIServer.with(script: { r in
            switch r.index {
            case 0: return .raw(status: 400, body: #"{"error":{"message":"the request exceeds the available context size"}}"#)
            case 5: return .raw(status: 500, body: #"{"error":{"message":"busy"}}"#)
            default: return .scripted
            }
        }) { url, _ in
            let file = try writeExperiment(url: url, name: "replay-failures", concurrency: 1)
            #expect(try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false)).exitCode == .someFailed)
            return (file, ExperimentRunOptions.defaultStorePath(for: file))
        }
        let dir = URL(fileURLWithPath: file).deletingLastPathComponent()
        let failedCopy = dir.appendingPathComponent("failed.sqlite").path
        let replayedFailure = try await ExperimentRun.run(
            ExperimentRunOptions(experimentFile: file, store: failedCopy, writesReport: false, replay: ReplaySource(store: old)))
        #expect(replayedFailure.exitCode == .someFailed && replayedFailure.failedDiscussions == 1)
        #expect(replayedFailure.failures.first?.kind == "badRequest")
        #expect(replayedFailure.failures.first?.example.contains("exceeds the available context size") == true)
        #expect(try await replayComparableRecords(old) == (try await replayComparableRecords(failedCopy)))
        let retried = try await Store.openExisting(path: failedCopy).allTurns().filter { $0.call.attempts == 2 }
        #expect(retried.count == 1, "the client's retry is replayed as 2 attempts")

        // A resume of the old store (the server now answers) retries the failed turn.
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let oldURL = try #require(text.firstMatch(of: /endpoint: "([^"]+)"/)?.1)
            try text.replacingOccurrences(of: String(oldURL), with: url).write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false)).exitCode == .allDone)
        }
        let logged = try await DatabaseQueue(path: old).read { db in
            try Row.fetchAll(db, sql: "SELECT recordId, callKey FROM failure_log WHERE kind = 'turn'")
        }
        #expect(logged.count == 1)
        let row = try #require(logged.first)
        let recordId: String = row["recordId"]
        let loggedKey: String? = row["callKey"]
        let retriedTurn = try #require(try await Store.openExisting(path: old).allTurns().first { $0.id == recordId })
        #expect(loggedKey != nil && loggedKey == retriedTurn.call.callKey)
        let done = dir.appendingPathComponent("done.sqlite").path
        let replayedDone = try await ExperimentRun.run(
            ExperimentRunOptions(experimentFile: file, store: done, writesReport: false, replay: ReplaySource(store: old)))
        #expect(replayedDone.exitCode == .allDone)
        #expect(try await replayComparableRecords(old) == (try await replayComparableRecords(done)))
    }

    @Test("a decideFirst moderator's decision calls are recorded with their keys and replay like turns: same decisions, no server")
    func decisionsReplay() async throws {
        let (original, file, requests) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let file = try writeExperiment(url: url, name: "replay-decisions", extra: "\nmoderator: {schedule: decideFirst}\n")
            let result = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false))
            return (result, file, log.all.count)
        }
        #expect(original.exitCode == .allDone)
        let old = ExperimentRunOptions.defaultStorePath(for: file)
        let oldDecisions = try await Store.openExisting(path: old).moderatorDecisions()
        #expect(!oldDecisions.isEmpty && oldDecisions.allSatisfy { $0.kind == .decision && $0.call.callKey != nil })
        let new = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("replayed.sqlite").path
        let replay = try await ExperimentRun.run(
            ExperimentRunOptions(experimentFile: file, store: new, writesReport: false, replay: ReplaySource(store: old)))
        #expect(replay.exitCode == .allDone)
        #expect(replay.replay?.replayed == requests && replay.replay?.live == 0)
        func comparable(_ list: [ModeratorDecisionRecord]) -> [ModeratorDecisionRecord] {
            list.map { d in
                var d = d
                (d.startedAt, d.finishedAt, d.call.latencyMs, d.call.endpoint) = (Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 0), nil, "")
                return d
            }
        }
        let newDecisions = try await Store.openExisting(path: new).moderatorDecisions()
        #expect(comparable(newDecisions) == comparable(oldDecisions))
        #expect(try await replayComparableRecords(new) == (try await replayComparableRecords(old)))
    }

    @Test("replaying into the replayed store itself is refused as a flag error, before anything is written")
    func sameStoreIsRefused() async throws {
        let dir = try temporaryFolder("replay-self")
        let file = dir + "/e.yaml"
        try crashExperimentYAML(url: "http://127.0.0.1:9/v1").write(toFile: file, atomically: true, encoding: .utf8)
        let path = ExperimentRunOptions.defaultStorePath(for: file)
        _ = try Store.open(path: path)
        let error = try await runError(ExperimentRunOptions(experimentFile: file, writesReport: false, replay: ReplaySource(store: path)))
        #expect(error.exitCode == .badFlags)
        #expect(error.message == "error: --replay-from \(path) is the store this run writes; replay into another --store")
        #expect(try await Store.openExisting(path: path).runs().isEmpty)
    }

    @Test("model names sent are read from run manifests' fingerprints")
    func requestModelFromFingerprint() {
        #expect(ReplayIndex.requestModel(fromFingerprint: "http://h:8000/v1; model qwen2.5-7b; served: qwen2.5-7b, x") == "qwen2.5-7b")
        #expect(ReplayIndex.requestModel(fromFingerprint: "http://a/v1, http://b/v1; model m; served: m") == "m")
        #expect(ReplayIndex.requestModel(fromFingerprint: "local llama-server; model id gemma.gguf; gguf /x/gemma.gguf") == "gemma.gguf")
        #expect(ReplayIndex.requestModel(fromFingerprint: "local llama-server; model id ?; gguf /x.gguf") == "local")
        #expect(ReplayIndex.requestModel(fromFingerprint: "scripted") == nil)
    }

    @Test("sdf run --replay-from: exit 0 without a server and the summary line; a miss exits 4; --replay-miss alone exits 64")
    func commandLine() async throws {
        let (file, originalSeconds) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let file = try writeExperiment(url: url, name: "replay-cli")
            let start = Date()
            let result = try await sdf(["run", file])
            #expect(result.status == 0, "\(result.stderr)")
            return (file, Date().timeIntervalSince(start))
        }
        let old = ExperimentRunOptions.defaultStorePath(for: file)
        let new = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("cli-replay.sqlite").path
        let start = Date()
        let replay = try await sdf(["run", file, "--replay-from", old, "--store", new])
        print("replay timing (sdf binary, wall): original run \(originalSeconds) s, replay \(Date().timeIntervalSince(start)) s")
        #expect(replay.status == 0, "\(replay.stderr)")
        let calls = try await Store.openExisting(path: old).allTurns().count + (try await Store.openExisting(path: old).annotations().count)
        let oldId = try await Store.openExisting(path: old).identity()
        #expect(replay.stderr.contains("replay: \(calls) calls answered from \(old) (store \(oldId)), 0 sent live"), "\(replay.stderr)")
        #expect(replay.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == new)
        #expect(try await replayComparableTables(old) == (try await replayComparableTables(new)))

        let flags = try await sdf(["run", file, "--replay-miss", "live"])
        #expect(flags.status == 64 && flags.stderr.contains("--replay-miss needs --replay-from"), "\(flags.stderr)")

        let changed = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("changed.yaml").path
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "Cities should ban cars", with: "Cities should tax cars")
            .write(toFile: changed, atomically: true, encoding: .utf8)
        let miss = try await sdf(["run", changed, "--replay-from", old])
        #expect(miss.status == 4, "\(miss.stderr)")
        #expect(miss.stderr.contains("error: replay from \(old): no recorded call answers discussion "), "\(miss.stderr)")
        #expect(miss.stderr.contains(" turn 1 (speaker "))
    }
}
