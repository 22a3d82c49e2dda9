import Foundation
import SDFCore
import SDFStore
import Testing

let legacyFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/legacy").path

@Suite("Legacy SDF/SynDisco import")
struct ImportTests {
    @Test func importsBothLayoutsWithConditionsFromFolders() async throws {
        let store = try Store.inMemory()
        let report = try await LegacyImporter(store: store).run(paths: [legacyFixtures])
        #expect(report.discussions == 2)
        // The unknown JSON file is named as skipped (it holds no discussion or annotation), the rest imports.
        #expect(report.files.contains { $0.path.hasSuffix("notes.json") && $0.outcome == .skipped && $0.detail.contains("not a discussion or annotation file") })
        #expect(report.problems.isEmpty && report.committed)
        let discussions = try await store.discussions()
        #expect(Set(discussions.map(\.conditionLabel)) == ["none", "guidelines"])
        let d2025 = try #require(discussions.first { $0.conditionLabel == "guidelines" })
        #expect(d2025.id == "c4f81a2b-90de-4e6a-b3c7-15a9f0d2e684")
        #expect(d2025.seedComment == "Four-day work weeks would wreck small businesses.")
        let turns = try await store.turns(of: d2025.id)
        #expect(turns.count == 4)
        // The moderator's literal "" is an abstention, never a comment.
        let silence = try #require(turns.first { $0.rawText == "\"\"" })
        #expect(silence.outcome == .abstention && silence.text == nil && silence.role == .moderator)
        // Wrapping quotes of the earlier tools are cleaned, with the raw text kept.
        let quoted = try #require(turns.first { $0.speaker == "gruff_owl" })
        #expect(quoted.text == "Only lazy people want a four-day week anyway.")
        #expect(quoted.cleaning.contains { $0.step == "wrappingQuotes" })
        #expect(quoted.call.modelId == "mistral-7b-instruct")
        let d2024 = try #require(discussions.first { $0.conditionLabel == "none" })
        #expect(d2024.seedComment == "")
        let turns2024 = try await store.turns(of: d2024.id)
        #expect(turns2024.allSatisfy { $0.outcome == .abstention || !($0.text ?? "").isEmpty })
        #expect(turns2024.contains { $0.cleaning.contains { $0.step == "markdownLabel" || $0.step == "speakerPrefix" } })
    }

    @Test func aConditionFlagOverridesFolders() async throws {
        let store = try Store.inMemory()
        _ = try await LegacyImporter(store: store, condition: "baseline").run(paths: [legacyFixtures + "/main"])
        #expect(Set(try await store.discussions().map(\.conditionLabel)) == ["baseline"])
    }

    @Test func matchesAnnotationFilesByConversationAndPosition() async throws {
        let store = try Store.inMemory()
        let report = try await LegacyImporter(store: store).run(paths: [legacyFixtures])
        #expect(report.annotationFiles == 2)
        let annotations = try await store.annotations()
        let d2025 = "c4f81a2b-90de-4e6a-b3c7-15a9f0d2e684"
        let in2025 = annotations.filter { $0.discussionId == d2025 }
        // Seed + 3 comments annotated; the silence entry is not a comment.
        #expect(in2025.count == 4)
        let seedId = try #require(try await store.discussions().first { $0.id == d2025 }).seedCommentId
        let seed = try #require(in2025.first { $0.commentId == seedId })
        // Legacy ArgumentQuality 3 (1 = best) becomes argument_quality 3; toxicity kept.
        #expect(seed.values == ["toxicity": 1, "argument_quality": 3])
        let troll = try #require(in2025.first { $0.rawText == "Toxicity=4\nArgumentQuality=5" })
        #expect(troll.values == ["toxicity": 4, "argument_quality": 1])
        #expect(troll.detail?.contains("legacy") == true)
        // ArgumentQuality=7 is out of range: a recorded failure, never a default value.
        let bad = try #require(in2025.first { $0.rawText == "Toxicity=1\nArgumentQuality=7" })
        #expect(bad.status == .outOfRange && bad.values.isEmpty)
        // 2024: "Toxicity=?" and "**Your response here:** 1" are parse failures with the raw text kept.
        let in2024 = annotations.filter { $0.discussionId != d2025 }
        #expect(in2024.contains { $0.status == .ok && $0.values == ["toxicity": 3] })
        #expect(in2024.contains { $0.status != .ok && $0.rawText == "Toxicity=?" })
    }

    @Test func reportsAMismatchedAnnotationFilePerFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-import-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/strategy", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: legacyFixtures + "/main/guidelines/discussion_2025.json", toPath: dir + "/strategy/d.json")
        let shifted = """
            {"conv_id": "c4f81a2b-90de-4e6a-b3c7-15a9f0d2e684", "annotator_prompt": "x",
             "logs": [["something else entirely", "Toxicity=2"], ["Four-day work weeks would wreck small businesses.", "Toxicity=1"]]}
            """
        try shifted.write(toFile: dir + "/a.json", atomically: true, encoding: .utf8)
        let orphan = #"{"conv_id": "no-such-discussion", "annotator_prompt": "x", "logs": [["a", "Toxicity=1"]]}"#
        try orphan.write(toFile: dir + "/orphan.json", atomically: true, encoding: .utf8)
        let store = try Store.inMemory()
        // Issue 11: problems used to be reported while the rest was committed (and the CLI said how many); now any
        // problem fails the whole import and nothing is stored, the discussion included.
        let error = await #expect(throws: ImportError.self) { _ = try await LegacyImporter(store: store).run(paths: [dir]) }
        let report = try #require(error?.report)
        #expect(report.read.discussions == 1 && !report.committed)
        #expect(report.problems.contains { $0.file.hasSuffix("a.json") && $0.message.contains("entry 0") })
        #expect(report.problems.contains { $0.file.hasSuffix("a.json") && $0.message.contains("2 annotated entries for 5 log entries") })
        #expect(report.problems.contains { $0.file.hasSuffix("orphan.json") && $0.message.contains("no-such-discussion") })
        #expect(try await store.annotations().isEmpty)
        #expect(try await store.discussions().isEmpty)
    }

    @Test func reimportingReplacesInsteadOfDuplicating() async throws {
        let store = try Store.inMemory()
        _ = try await LegacyImporter(store: store).run(paths: [legacyFixtures])
        let first = (try await store.allTurns().count, try await store.annotations().count)
        _ = try await LegacyImporter(store: store).run(paths: [legacyFixtures])
        #expect(try await store.allTurns().count == first.0)
        #expect(try await store.annotations().count == first.1)
    }
}
