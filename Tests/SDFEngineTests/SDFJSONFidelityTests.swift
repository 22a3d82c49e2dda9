import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

/// sdf-json version 2: what version 1 left out (moderator decisions, the prompts of every call, branch links) survives
/// export → import, on a store that has all of them.
@Suite("sdf-json: decisions, prompts and branch links")
struct SDFJSONFidelityTests {
    /// Trunk `none`, branch `guidelines` deciding before each comment (decision calls), annotated by a panel of two.
    static func experiment() throws -> Experiment {
        let yaml = """
            version: 1
            name: fidelity
            seed: 5
            replicates: 2
            personas: [{username: user0, age: 30}, {username: user1, age: 40}, {username: user2, age: 50}, {username: user3, age: 60}]
            seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished."]
            discussion: {users: 3, turns: 6, historyLength: 3, turnTaking: {policy: roundRobin, randomStart: false}}
            strategies: [none, guidelines]
            moderator: {schedule: decideFirst}
            branching: {from: guidelines, atTurn: 3}
            models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}]
            annotation: {annotators: [{username: ann_a}, {username: ann_b}], historyLength: 2, model: {name: annotator, endpoint: "http://127.0.0.1:9/v1", maxTokens: 30}}
            """
        return try ExperimentLoader.load(yaml: yaml, file: "fidelity.yaml", baseDirectory: "/tmp")
    }

    /// A finished, annotated run of ``experiment()`` on scripted models.
    static func runStore() async throws -> Store {
        let experiment = try experiment()
        let store = try Store.inMemory()
        let annotator = ScriptedChatModel { _ in #"{"toxicity": 2, "argument_quality": 3}"# }
        let models = bindings(experiment, discussion: ModeratorDecisionRunTests.pureModel(), annotator: annotator)
        let setup = try #require(experiment.annotation)
        let runner = ExperimentRunner(experiment: experiment, store: store, models: models, concurrency: 2, specText: "spec")
        let stage = AnnotationRunner(setup: setup, store: store, binding: models["annotator"]!, templates: experiment.templates)
        let (report, _) = try await runner.run(annotating: stage)
        #expect(report.finished == 4 && report.failed == 0)
        return store
    }

    /// Every `.json` file under `directory` by relative path, without its `exported_at` line.
    static func files(_ directory: String) throws -> [String: String] {
        var out: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            guard name.hasSuffix(".json"), name != ExportFolder.markerName else { continue }
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            out[name] = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"exported_at\"") }
                .joined(separator: "\n")
        }
        return out
    }

    /// Every prompt a turn, decision or annotation of `store` names (of every discussion but `excluded`), as stored.
    static func namedPrompts(_ store: Store, excluding excluded: String? = nil) async throws -> [PromptRecord] {
        var hashes = Set(try await store.allTurns().filter { $0.discussionId != excluded }.map(\.call.promptHash))
        hashes.formUnion(try await store.moderatorDecisions().filter { $0.discussionId != excluded }.map(\.call.promptHash))
        hashes.formUnion(try await store.annotations().filter { $0.discussionId != excluded }.map(\.call.promptHash))
        return try await store.prompts(hashes: hashes)
    }

    @Test("export → import restores decisions, decision and turn origins, branch links and prompts; export again is byte-identical")
    func roundTrip() async throws {
        let original = try await Self.runStore()
        // The store under test has every kind of row this test is about.
        let decisions = try await original.moderatorDecisions()
        let links = try await original.branchLinks()
        #expect(!decisions.isEmpty && links.count == 2)
        var decisionOrigins: [String: [String: String]] = [:]
        var turnOrigins: [String: [String: String]] = [:]
        for id in links.keys {
            decisionOrigins[id] = try await original.decisionOrigins(of: id)
            turnOrigins[id] = try await original.turnOrigins(of: id)
        }
        #expect(decisionOrigins.values.allSatisfy { !$0.isEmpty } && turnOrigins.values.allSatisfy { $0.count >= 3 })
        let prompts = try await Self.namedPrompts(original)
        #expect(prompts.count > 40)

        let dir = try temporaryFolder("sdfjson-fidelity")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await SDFJSONExport.write(store: original, to: dir + "/a")
        let imported = try Store.inMemory()
        let report = try await LegacyImporter(store: imported).run(paths: [dir + "/a"])
        #expect(report.committed && report.mismatches.isEmpty, "\(report.summary)")
        #expect(report.read.moderatorDecisions == decisions.count && report.stored.moderatorDecisions == decisions.count)
        #expect(report.read.prompts == prompts.count && report.stored.prompts == prompts.count)
        #expect(report.read.branchLinks == 2 && report.stored.branchLinks == 2)
        #expect(report.summary.contains("\(decisions.count) moderator decisions, \(prompts.count) prompts, 2 branch links"))

        #expect(try await imported.moderatorDecisions() == decisions)
        #expect(try await imported.branchLinks() == links)
        for id in links.keys {
            #expect(try await imported.decisionOrigins(of: id) == decisionOrigins[id])
            #expect(try await imported.turnOrigins(of: id) == turnOrigins[id])
        }
        #expect(try await Self.namedPrompts(imported) == prompts)
        // Every call of the imported store can be shown with its exact prompt.
        for turn in try await imported.allTurns() {
            #expect(try await imported.prompt(hash: turn.call.promptHash) != nil, "turn \(turn.id) has no prompt")
        }

        _ = try await SDFJSONExport.write(store: imported, to: dir + "/b")
        let (first, second) = (try Self.files(dir + "/a"), try Self.files(dir + "/b"))
        #expect(first.count == 4 && first.keys.sorted() == second.keys.sorted())
        for (name, text) in first { #expect(second[name] == text, "\(name) differs after export → import → export") }
        #expect(first.values.allSatisfy { $0.contains("\"format\" : \"sdf-json/2\"") })
        #expect(first.values.filter { $0.contains("\"branch\" : {") }.count == 2)
    }

    @Test("a store rebuilt from its sdf-json export replays the run with no server: the same records")
    func replayFromImport() async throws {
        let (original, file) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let file = try writeExperiment(url: url, name: "sdfjson-replay")
            return (try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false)), file)
        }
        #expect(original.exitCode == .allDone)
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let old = ExperimentRunOptions.defaultStorePath(for: file)
        _ = try await SDFJSONExport.write(store: try Store.openExisting(path: old), to: folder + "/export")
        let rebuilt = folder + "/rebuilt.sqlite"
        let report = try await LegacyImporter(store: try Store.open(path: rebuilt)).run(paths: [folder + "/export"])
        #expect(report.committed && report.stored.prompts > 0)
        // The server is gone: every call must be answered from the rebuilt store's records.
        let replayed = folder + "/replayed.sqlite"
        let replay = try await ExperimentRun.run(
            ExperimentRunOptions(experimentFile: file, store: replayed, writesReport: false, replay: ReplaySource(store: rebuilt)))
        #expect(replay.exitCode == .allDone && replay.replay?.live == 0 && (replay.replay?.replayed ?? 0) > 0)
        let records = try await replayComparableRecords(old)
        #expect(records.count > 40)
        #expect(records == (try await replayComparableRecords(replayed)))
    }

    /// Exports `store` into `dir`, then rewrites the file of its first branched discussion with the `sdf` object as
    /// `edit` leaves it; returns the file's path and the edited object.
    static func editBranchedFile(_ store: Store, in dir: String, _ edit: (inout [String: Any]) throws -> Void) async throws
        -> (path: String, sdf: [String: Any])
    {
        _ = try await SDFJSONExport.write(store: store, to: dir)
        let id = try #require(try await store.branchLinks().keys.sorted().first)
        let enumerator = FileManager.default.enumerator(atPath: dir)
        while let name = enumerator?.nextObject() as? String {
            guard name.hasSuffix(id + ".json") else { continue }
            let path = dir + "/" + name
            var file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            var sdf = try #require(file["sdf"] as? [String: Any])
            try edit(&sdf)
            file["sdf"] = sdf
            try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
            return (path, sdf)
        }
        throw StoreError("no file for \(id)")
    }

    @Test("a version 1 file (no decisions, prompts or link) still imports; its counts say so")
    func versionOne() async throws {
        let original = try await Self.runStore()
        let dir = try temporaryFolder("sdfjson-v1")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, _) = try await Self.editBranchedFile(original, in: dir + "/x") { sdf in
            for key in ["moderator_decisions", "prompts", "branch"] { sdf[key] = nil }
            sdf["format"] = "sdf-json/1"
        }
        let imported = try Store.inMemory()
        let report = try await LegacyImporter(store: imported).run(paths: [path])
        #expect(report.committed && report.mismatches.isEmpty, "\(report.summary)")
        #expect(report.stored.discussions == 1 && report.stored.moderatorDecisions == 0 && report.stored.prompts == 0)
        #expect(try await imported.branchLinks().isEmpty)
        #expect(!report.summary.contains("moderator decisions"))
    }

    @Test(
        "damaged version 2 files are refused naming the key, and nothing is stored",
        arguments: ["prompt", "origin", "decision", "format", "nulPrompt", "nulText", "orphanPrompt", "branchTurn", "empty"])
    func damaged(_ damage: String) async throws {
        let original = try await Self.runStore()
        let dir = try temporaryFolder("sdfjson-damaged")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var expected = ""
        let (path, _) = try await Self.editBranchedFile(original, in: dir + "/x") { sdf in
            switch damage {
            case "prompt":
                var prompts = try #require(sdf["prompts"] as? [[String: Any]])
                prompts[0]["user"] = (prompts[0]["user"] as? String ?? "") + " (edited)"
                sdf["prompts"] = prompts
                expected = "sdf.prompts: prompt \(prompts[0]["hash"] as? String ?? "") does not match its text"
            case "origin":
                var branch = try #require(sdf["branch"] as? [String: Any])
                var origins = try #require(branch["turn_origins"] as? [String: String])
                origins["not-a-turn"] = "whatever"
                branch["turn_origins"] = origins
                sdf["branch"] = branch
                expected = "sdf.branch.turn_origins: not-a-turn is not a turn of discussion"
            case "decision":
                var decisions = try #require(sdf["moderator_decisions"] as? [[String: Any]])
                #expect(!decisions.isEmpty)
                decisions[0]["discussionId"] = "another-discussion"
                sdf["moderator_decisions"] = decisions
                expected = "sdf.moderator_decisions: decision"
            case "nulPrompt":
                // A consistent hash, so that the text itself is what is refused.
                var prompts = try #require(sdf["prompts"] as? [[String: Any]])
                let (system, user, template) = (prompts[0]["system"] as? String ?? "", (prompts[0]["user"] as? String ?? "") + "\u{0}tail", prompts[0]["templateId"] as? String ?? "")
                let hash = RenderedPrompt(system: system, user: user, templateId: template).hash
                prompts[0]["user"] = user
                prompts[0]["hash"] = hash
                sdf["prompts"] = prompts
                expected = "sdf.prompts: prompt \(hash) contains U+0000"
            case "nulText":
                var turns = try #require(sdf["turns"] as? [[String: Any]])
                let index = try #require(turns.firstIndex { $0["text"] is String })
                turns[index]["text"] = "before\u{0}after"
                sdf["turns"] = turns
                expected = "sdf.turns: turn \(turns[index]["id"] as? String ?? "") has U+0000 in its clean text"
            case "orphanPrompt":
                var prompts = try #require(sdf["prompts"] as? [[String: Any]])
                let extra = RenderedPrompt(system: "s", user: "nobody asked", templateId: "t")
                prompts.append(["hash": extra.hash, "system": "s", "user": "nobody asked", "templateId": "t"])
                sdf["prompts"] = prompts
                expected = "sdf.prompts: prompt \(extra.hash) is the prompt of no turn, decision or annotation"
            case "branchTurn":
                var branch = try #require(sdf["branch"] as? [String: Any])
                branch["branch_turn"] = 0
                sdf["branch"] = branch
                expected = "sdf.branch.branch_turn: 0 is not a user turn of discussion"
            case "empty":
                expected = "not valid JSON: the file is empty"
            default:
                sdf["format"] = "sdf-json/3"
                expected = "expected one of 'sdf-json/1', 'sdf-json/2', found 'sdf-json/3'"
            }
        }
        #expect(!expected.isEmpty, "every damage names the message it expects")
        if damage == "empty" { try Data().write(to: URL(fileURLWithPath: path)) }
        let imported = try Store.inMemory()
        do {
            _ = try await LegacyImporter(store: imported).run(paths: [path])
            Issue.record("expected the import to be refused")
        } catch let error as ImportError {
            let problems = error.report.problems.map(\.message).joined(separator: "\n")
            #expect(problems.contains(expected), "\(problems)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
        #expect(try await imported.discussions().isEmpty)
        #expect(try await imported.moderatorDecisions().isEmpty)
        #expect(try await imported.prompts(hashes: Set(try await Self.namedPrompts(original).map(\.hash))).isEmpty)
    }

    @Test("a failed file leaves none of its rows: the stored counts of a failed import are those of the other files")
    func failedFileCounts() async throws {
        let original = try await Self.runStore()
        let dir = try temporaryFolder("sdfjson-counts")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, sdf) = try await Self.editBranchedFile(original, in: dir + "/x") { sdf in
            var prompts = try #require(sdf["prompts"] as? [[String: Any]])
            prompts[prompts.count - 1]["user"] = "edited"
            sdf["prompts"] = prompts
        }
        do {
            _ = try await LegacyImporter(store: try Store.inMemory()).run(paths: [dir + "/x"])
            Issue.record("expected the import to be refused")
        } catch let error as ImportError {
            let report = error.report
            // Three good files of four: their annotations and prompts, not the failed file's too.
            #expect(report.stored.discussions == 3)
            let failedId = try #require((sdf["discussion"] as? [String: Any])?["id"] as? String)
            let failed = try #require(try await original.discussion(id: failedId))
            let all = try await original.annotations()
            #expect(report.stored.annotations == all.filter { $0.discussionId != failed.id }.count)
            #expect(report.stored.moderatorDecisions == (try await original.moderatorDecisions()).filter { $0.discussionId != failed.id }.count)
            // The prompts the failed file read are counted read, but only the other files' are in the store.
            let kept = try await Self.namedPrompts(original, excluding: failed.id)
            #expect(report.stored.prompts == kept.count && report.stored.prompts < report.read.prompts)
        }
    }
}
