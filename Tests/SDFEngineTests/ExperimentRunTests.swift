import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Synchronization
import Testing

/// Collects the events of a run.
final class EventLog: Sendable {
    private let events = Mutex<[ExperimentRunEvent]>([])
    func append(_ event: ExperimentRunEvent) { events.withLock { $0.append(event) } }
    var plans: [RunPlan] {
        events.withLock { $0.compactMap { if case .planned(let plan) = $0 { return plan } else { return nil } } }
    }
    /// Discussions reported finished, by status.
    var finished: [DiscussionStatus] {
        events.withLock {
            $0.compactMap { if case .progress(.discussionFinished(_, let status, _, _)) = $0 { return status } else { return nil } }
        }
    }
}

/// Writes the process-level tests' experiment (2 conditions × 2 replicates, 2 annotators, concurrency 2) pointing
/// at `url` into a new folder, with `concurrency` discussions in flight; returns the experiment file's path.
func writeExperiment(url: String, name: String, concurrency: Int = 2, extra: String = "") throws -> String {
    let dir = try temporaryFolder(name)
    let file = dir + "/e.yaml"
    let yaml = crashExperimentYAML(url: url).replacingOccurrences(of: "\nconcurrency: 2\n", with: "\nconcurrency: \(concurrency)\n")
    try (yaml + extra).write(toFile: file, atomically: true, encoding: .utf8)
    return file
}

/// Runs `file` in-process and returns the thrown ``ExperimentRunError`` (failing the test when the run succeeds).
func runError(_ options: ExperimentRunOptions) async throws -> ExperimentRunError {
    do {
        let result = try await ExperimentRun.run(options)
        Issue.record("the run succeeded: \(result)")
        throw CancellationError()
    } catch let error as ExperimentRunError {
        return error
    }
}

@Suite("ExperimentRun: sdf run as a library call", .serialized)
struct ExperimentRunTests {
    @Test func aStructuredOutputFallbackIsAnEventNotAStrayLine() async throws {
        let notices = Mutex<[String]>([])
        let result = try await FakeOpenAIServer.with(profile: .vllmSchemaRejected, script: { _ in .scripted }) { url, _ in
            let file = try writeExperiment(url: url, name: "run-notice")
            return try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file)) { event in
                if case .notice(let text) = event { notices.withLock { $0.append(text) } }
            }
        }
        #expect(result.exitCode == .allDone)
        let said = notices.withLock { $0 }
        #expect(said.count == 1, "one notice per endpoint and form: \(said)")
        #expect(said.first?.contains("rejects response_format json_schema") == true && said.first?.contains("using json_object instead") == true)
    }

    @Test func aCleanRunIsAllDoneAndItsCountsMatchTheStore() async throws {
        let events = EventLog()
        let (result, file, requests) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let file = try writeExperiment(url: url, name: "run-clean")
            let result = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file)) { events.append($0) }
            return (result, file, log.all.count)
        }
        let storePath = ExperimentRunOptions.defaultStorePath(for: file)
        #expect(result.storePath == storePath)
        #expect(result.exitCode == .allDone && result.allDone && !result.rerunCanHelp && result.failures.isEmpty)
        let report = try #require(result.discussions)
        #expect(report.planned == 4 && report.finished == 4 && report.failed == 0 && report.skipped == 0)
        // The counts the CLI prints are the store's.
        let store = try Store.openExisting(path: storePath)
        let discussions = try await store.discussions()
        let turns = try await store.allTurns()
        #expect(discussions.count == 4 && discussions.allSatisfy { $0.status == .done })
        #expect(result.totals.discussions == 4 && result.totals.discussionsDone == 4)
        #expect(result.totals.count(.comment) == turns.filter { $0.outcome == .comment }.count)
        #expect(result.totals.count(.abstention) == turns.filter { $0.outcome == .abstention }.count)
        #expect(result.totals.count(.failed) == 0)
        let annotation = try #require(result.annotation)
        let annotations = try await store.annotations()
        #expect(annotation.jobs > 0 && annotation.skipped == 0)
        #expect(annotation.jobs == annotations.count)
        #expect(annotation.statusCounts.values.reduce(0, +) == annotations.count)
        // Every discussion turn and annotation job was one request.
        #expect(requests == turns.count + annotations.count)
        #expect(try await store.runs().map(\.status) == [.done])
        // The report was rewritten beside the store; progress went through the events.
        let reportPath = try #require(result.reportPath)
        #expect(reportPath.hasSuffix("-report.html") && FileManager.default.fileExists(atPath: reportPath))
        #expect(result.reportProblem == nil)
        #expect(events.plans == [RunPlan(experiment: "crash", conditions: 2, replicates: 2, discussions: 4, storePath: storePath)])
        #expect(events.finished == [.done, .done, .done, .done])
    }

    @Test func aPermanentlyFailingCallFailsItsDiscussionAndIsListed() async throws {
        // The first request (a discussion turn) is rejected as such: a 400 is not retried and repeats on a re-run.
        let (result, file) = try await FakeOpenAIServer.with(script: { r in
            r.index == 0 ? .raw(status: 400, body: #"{"error":{"message":"the request exceeds the available context size"}}"#) : .scripted
        }) { url, _ in
            let file = try writeExperiment(url: url, name: "run-fail")
            return (try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file)), file)
        }
        #expect(result.exitCode == .someFailed && result.exitCode.rawValue == 1)
        #expect(!result.allDone && result.failedDiscussions == 1)
        #expect(result.discussions?.finished == 3 && result.discussions?.failed == 1)
        #expect(!result.rerunCanHelp, "a rejected request fails the same way again")
        #expect(result.failures.count == 1)
        let failure = try #require(result.failures.first)
        #expect(failure.kind == "badRequest" && failure.deterministic && failure.count == 1)
        #expect(failure.example.contains("exceeds the available context size"), "\(failure.example)")
        let store = try Store.openExisting(path: ExperimentRunOptions.defaultStorePath(for: file))
        #expect(try await store.discussions().filter { $0.status == .failed }.count == 1)
        #expect(result.totals.discussionsDone == 3 && result.totals.count(.failed) == 1)
        #expect(try await store.runs().map(\.status) == [.failed])
    }

    @Test func aTransientFailureSaysReRunningCanHelpAndTheSecondCallResumes() async throws {
        // One discussion's call meets 429s (Retry-After: 0) on every attempt: it fails on an error that may pass.
        let file = try await FakeOpenAIServer.with(script: { r in
            r.index < 6 ? .raw(status: 429, body: "{}", headers: ["Retry-After": "0"]) : .scripted
        }) { url, _ in
            let file = try writeExperiment(url: url, name: "run-resume", concurrency: 1)
            let first = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file))
            #expect(first.exitCode == .someFailed)
            #expect(first.discussions?.failed == 1 && first.discussions?.finished == 3)
            #expect(first.rerunCanHelp)
            #expect(first.failures.map(\.kind) == ["rateLimited"] && first.failures.allSatisfy { !$0.deterministic })
            return file
        }
        let storePath = ExperimentRunOptions.defaultStorePath(for: file)
        let annotationsBefore = try await Store.openExisting(path: storePath).annotations().count
        let turnsBefore = try await Store.openExisting(path: storePath).allTurns()
        #expect(turnsBefore.filter { $0.outcome == .failed }.count == 1)
        // The second call (another server: endpoints are not design) skips the finished work and ends the failed one.
        let (second, requests) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let yaml = try String(contentsOfFile: file, encoding: .utf8)
            try yaml.replacing(#/http://127\.0\.0\.1:\d+/v1/#, with: url).write(toFile: file, atomically: true, encoding: .utf8)
            return (try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file)), log.all.count)
        }
        #expect(second.exitCode == .allDone && second.failures.isEmpty)
        let report = try #require(second.discussions)
        #expect(report.skipped == 3 && report.finished == 1 && report.failed == 0)
        let annotation = try #require(second.annotation)
        #expect(annotation.skipped == annotationsBefore)
        let store = try Store.openExisting(path: storePath)
        #expect(try await store.discussions().allSatisfy { $0.status == .done })
        #expect(try await store.runs().map(\.status) == [.failed, .done])
        // Only the resumed discussion's remaining turns and the new annotation jobs were sent.
        let newAnnotations = try await store.annotations().count - annotationsBefore
        #expect(newAnnotations == annotation.jobs - annotation.skipped)
        // The failed turn was removed and the discussion continued: each new turn and each new job is one request.
        let newTurns = try await store.allTurns().count - (turnsBefore.count - 1)
        #expect(newTurns >= 6 && newTurns <= 12)
        #expect(requests == newTurns + newAnnotations, "\(requests) requests: finished work was not skipped")
        // A third call has nothing left to do and sends nothing.
        let (third, none) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let yaml = try String(contentsOfFile: file, encoding: .utf8)
            try yaml.replacing(#/http://127\.0\.0\.1:\d+/v1/#, with: url).write(toFile: file, atomically: true, encoding: .utf8)
            return (try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file)), log.all.count)
        }
        #expect(none == 0)
        #expect(third.exitCode == .allDone && third.discussions?.skipped == 4 && third.discussions?.finished == 0)
        #expect(third.annotation?.skipped == third.annotation?.jobs)
    }

    @Test func annotationOnlyRunsNoDiscussion() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let file = try writeExperiment(url: url, name: "run-annotate")
            let missing = try await runError(ExperimentRunOptions(experimentFile: file, stages: .annotationOnly))
            #expect(missing.exitCode == .storeProblem)
            #expect(missing.message.hasPrefix("error: no store at ") && missing.message.contains("run the discussions first"))
            _ = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false))
            let before = log.all.count
            let result = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, stages: .annotationOnly))
            #expect(result.discussions == nil && result.exitCode == .allDone)
            #expect(result.annotation?.skipped == result.annotation?.jobs)
            #expect(log.all.count == before)
        }
    }

    @Test func refusalsCarryTheLayersExitCodeAndMessage() async throws {
        // A bad experiment file: exit 2, the diagnostics as they are, nothing written.
        let bad = try writeExperiment(url: "http://127.0.0.1:9/v1", name: "run-bad", extra: "\nprompts:\n  turn: \"\"\n")
        let badError = try await runError(ExperimentRunOptions(experimentFile: bad))
        #expect(badError.exitCode == .badExperiment && badError.underlying is ExperimentFileError)
        #expect(badError.message.hasPrefix("error: ") && badError.message.contains("prompts.turn"), "\(badError.message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: (bad as NSString).deletingLastPathComponent) == ["e.yaml"])
        // An unreachable endpoint: exit 3.
        let unreachable = try await runError(ExperimentRunOptions(experimentFile: try writeExperiment(url: "http://127.0.0.1:9/v1", name: "run-down")))
        #expect(unreachable.exitCode == .engineProblem && unreachable.underlying is LLMError)
        #expect(unreachable.message.hasPrefix("error: model 'fake': cannot reach"), "\(unreachable.message)")
        // A refused key: exit 3, and the message says where the finished work is.
        try await FakeOpenAIServer.with(script: { _ in .raw(status: 401, body: #"{"error":{"message":"Invalid API key: key revoked"}}"#) }) { url, _ in
            let file = try writeExperiment(url: url, name: "run-401")
            let error = try await runError(ExperimentRunOptions(experimentFile: file))
            #expect(error.exitCode == .engineProblem)
            let lines = error.message.split(separator: "\n")
            #expect(lines.count == 2 && lines[0].contains("Invalid API key: key revoked"), "\(error.message)")
            #expect(lines[1].hasPrefix("stopped at the first refused call") && lines[1].contains(ExperimentRunOptions.defaultStorePath(for: file)))
        }
        // A store in use: exit 4, and the server is never called.
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let file = try writeExperiment(url: url, name: "run-locked")
            let storePath = ExperimentRunOptions.defaultStorePath(for: file)
            let error = try await StoreLock.withLock(store: storePath, command: "sdf run (test)") {
                try await runError(ExperimentRunOptions(experimentFile: file))
            }
            #expect(error.exitCode == .storeProblem && error.underlying is StoreError)
            #expect(error.message.hasPrefix("error: ") && error.message.contains("in use by `sdf run (test)`"), "\(error.message)")
            #expect(log.all.isEmpty)
        }
    }

    @Test func cancellingTheCallStopsTheRunWithExit130() async throws {
        try await FakeOpenAIServer.with(script: { r in .delay(0.2, then: .chat(FakeOpenAIServer.scriptedAnswer(r.body))) }) { url, log in
            let file = try writeExperiment(url: url, name: "run-cancel")
            let task = Task { try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file)) }
            while log.all.count < 3 { try await Task.sleep(nanoseconds: 20_000_000) }
            task.cancel()
            do {
                _ = try await task.value
                Issue.record("the cancelled run returned")
            } catch let error as ExperimentRunError {
                #expect(error.exitCode == .interrupted && error.exitCode.rawValue == 130)
                #expect(error.message == "stopped. Finished work is in \(ExperimentRunOptions.defaultStorePath(for: file)); run the same command again to resume.")
            }
            let store = try Store.openExisting(path: ExperimentRunOptions.defaultStorePath(for: file))
            #expect(try await store.runs().last?.status == .interrupted)
        }
    }

    @Test func aConditionWithoutABoundModelIsAnEngineProblemNotAStoreProblem() async throws {
        let experiment = try smallExperiment(replicates: 1)
        let runner = ExperimentRunner(experiment: experiment, store: try Store.inMemory(), models: [:], concurrency: 1, specText: "spec")
        await #expect {
            _ = try await runner.run()
        } throws: { error in
            guard let error = error as? EngineError else { return false }
            return error.kind == .noModelBound && error.exitCode == .engineProblem && error.message == "no model bound for 'scripted'"
                && ExperimentRunError(wrapping: error, storePath: "s").message == "error: no model bound for 'scripted'"
        }
    }
}

@Suite("Exit codes: every layer's error maps to the README's code")
struct ExitCodeMappingTests {
    @Test func theCodesAreTheREADMEs() {
        #expect(SDFExitCode.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 64, 130])
        #expect(SDFExitCode.allDone.rawValue == 0)
        #expect(SDFExitCode.someFailed.rawValue == 1)
        #expect(SDFExitCode.badExperiment.rawValue == 2)
        #expect(SDFExitCode.engineProblem.rawValue == 3)
        #expect(SDFExitCode.storeProblem.rawValue == 4)
        #expect(SDFExitCode.badFlags.rawValue == 64)
        #expect(SDFExitCode.interrupted.rawValue == 130)
        #expect(SDFExitCode.storeProblem.description == "4 (storeProblem)")
    }

    @Test func everyConformanceMapsToItsCode() {
        let cases: [(any Error, SDFExitCode)] = [
            (ExperimentFileError([SpecDiagnostic(file: "e.yaml", field: "replicates", message: "too many")]), .badExperiment),
            (LegacyFormatError(location: "logs[3]", problem: "expected [name, text]"), .someFailed),
            (StoreError("s.sqlite is in use"), .storeProblem),
            (ImportError(report: ImportReport()), .someFailed),
            (EngineError(.noModelBound, "no model bound for 'm'"), .engineProblem),
            (EngineError(.storeMismatch, "the store does not match this experiment"), .storeProblem),
            (ExperimentRunError(.badFlags, "bad"), .badFlags),
            (CancellationError(), .interrupted),
            (CocoaError(.fileReadNoPermission), .someFailed),
        ] + LLMErrorKinds.all.map { (LLMError($0, "m") as any Error, SDFExitCode.engineProblem) }
        for (error, code) in cases {
            #expect(SDFExitCode(for: error) == code, "\(type(of: error)): \(error)")
            if let error = error as? any SDFError { #expect(error.exitCode == code) }
        }
        #expect(EngineError.Kind.allCases.count == 2, "a new kind needs a case above")
    }

    @Test func wrappingKeepsEachLayersMessageAndCode() {
        let store = StoreError("s.sqlite: cannot open")
        #expect(ExperimentRunError(wrapping: store, storePath: "s").message == "error: s.sqlite: cannot open")
        #expect(ExperimentRunError(wrapping: store, storePath: "s").exitCode == .storeProblem)
        let file = ExperimentFileError([
            SpecDiagnostic(file: "e.yaml", line: 3, field: "replicates", message: "too many"),
            SpecDiagnostic(file: "e.yaml", field: "turns", message: "must be >= 1"),
        ])
        #expect(ExperimentRunError(wrapping: file, storePath: "s").message == "error: e.yaml:3: replicates: too many\nerror: e.yaml: turns: must be >= 1")
        let llm = LLMError(.connection, "cannot reach http://x")
        #expect(ExperimentRunError(wrapping: llm, storePath: "s").message == "error: cannot reach http://x")
        let mismatch = EngineError(.storeMismatch, "discussion d: stored turn 2 is ann's")
        #expect(ExperimentRunError(wrapping: mismatch, storePath: "s").exitCode == .storeProblem)
        let own = ExperimentRunError(.badExperiment, "error: nothing to annotate")
        let rewrapped = ExperimentRunError(wrapping: own, storePath: "s")
        #expect(rewrapped.message == own.message && rewrapped.exitCode == .badExperiment)
    }
}

/// Every ``LLMError/Kind``.
enum LLMErrorKinds {
    static let all: [LLMError.Kind] = [
        .connection, .timeout, .rateLimited, .server, .badRequest, .authentication, .malformedResponse, .emptyResponse, .engine,
        .cancelled,
    ]
}
