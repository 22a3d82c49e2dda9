import Foundation
import SDFCore
import SDFLLM
import SDFStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The `sdf` binary built by `swift build` (debug).
let sdfBinary = repositoryRoot.appendingPathComponent(".build/debug/sdf").path

/// Whether the tests that need the real local model run: always in CI, elsewhere when the engine is installed.
let liveEngine: Bool = {
    if ProcessInfo.processInfo.environment["CI"] != nil { return true }
    let paths = EnginePaths.fromEnvironment()
    return paths.serverBinary() != nil && FileManager.default.fileExists(atPath: paths.defaultModel)
}()

/// The result of running the `sdf` binary.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `sdf` with `arguments`, with a deadline; kills it if the deadline passes.
func sdf(_ arguments: [String], deadline: Double = 600, onStart: (@Sendable (Int32) -> Void)? = nil) async throws -> CommandResult {
    try await runProcess(sdfBinary, arguments, deadline: deadline, onStart: onStart)
}

/// Runs `executable` with `arguments`, with a deadline (killed when it passes); its output is captured in files.
///
/// - Parameters:
///   - environment: `nil` inherits this process's environment; otherwise it is added to this process's, without the
///     shard index variables (``ShardSpec/indexVariables``) a cluster may have set.
///   - onStart: told the process id once it runs.
func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, deadline: Double = 600,
    onStart: (@Sendable (Int32) -> Void)? = nil
) async throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.filter { !ShardSpec.indexVariables.contains($0.key) }
            .merging(environment) { _, new in new }
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-cmd-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let out = dir.appendingPathComponent("out")
    let err = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { p in continuation.resume(returning: p.terminationStatus) }
        do {
            try process.run()
        } catch {
            continuation.resume(throwing: error)
            return
        }
        let pid = process.processIdentifier
        onStart?(pid)
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline) {
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
    }
    return CommandResult(
        status: status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

func temporaryFolder(_ name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

@Suite("sdf command line", .serialized)
struct CommandLineTests {
    @Test func badExperimentFilesFailClearlyAndWriteNoStore() async throws {
        let dir = try temporaryFolder("bad")
        let init_ = try await sdf(["init", dir])
        #expect(init_.status == 0, "\(init_.stderr)")
        let quickstart = try String(contentsOfFile: dir + "/quickstart.yaml", encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("p", quickstart.replacingOccurrences(of: "p: 0.4", with: "p: 1.5"), "discussion.turnTaking.p"),
            ("turns", quickstart.replacingOccurrences(of: "turns: 5", with: "turns: 0"), "discussion.turns"),
            ("users", quickstart.replacingOccurrences(of: "users: 3", with: "users: 30"), "discussion.users"),
            ("unknown", quickstart.replacingOccurrences(of: "replicates: 2", with: "replicate: 2"), "replicate"),
            ("type", quickstart.replacingOccurrences(of: "replicates: 2", with: "replicates: two"), "replicates"),
            ("personas", quickstart.replacingOccurrences(of: "personas: personas.json", with: "personas: nobody.json"), "personas"),
            ("seeds", quickstart.replacingOccurrences(of: "seedComments: seeds", with: "seedComments: nowhere"), "seedComments"),
            ("yaml", quickstart.replacingOccurrences(of: "replicates: 2", with: "replicates: [2"), "malformed YAML"),
            ("missing", quickstart.replacingOccurrences(of: "version: 1\n", with: ""), "version"),
            ("endpoint", quickstart.replacingOccurrences(of: "endpoint: local", with: "endpoint: somewhere"), "models[0].endpoint"),
        ]
        for (name, yaml, field) in cases {
            let file = dir + "/bad-\(name).yaml"
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await sdf(["run", file])
            #expect(result.status == 2, "\(name): exit \(result.status), stderr: \(result.stderr)")
            #expect(result.stderr.contains("bad-\(name).yaml"), "\(name): \(result.stderr)")
            #expect(result.stderr.contains(field), "\(name): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad-\(name).sqlite"), "\(name) left a store")
        }
    }

    @Test func anUnreachableEndpointFailsBeforeAnyStoreIsWritten() async throws {
        let dir = try temporaryFolder("unreachable")
        _ = try await sdf(["init", dir])
        let port = try FreePort.pick()
        let yaml = try String(contentsOfFile: dir + "/quickstart.yaml", encoding: .utf8)
            .replacingOccurrences(of: "    endpoint: local\n", with: "    endpoint: http://127.0.0.1:\(port)/v1\n    timeoutSeconds: 5\n")
            // The annotator too (a flow mapping), so that no model needs the local engine: the outcome is the same
            // whether or not it is installed on the machine running the tests.
            .replacingOccurrences(of: "endpoint: local,", with: "endpoint: \"http://127.0.0.1:\(port)/v1\", timeoutSeconds: 5,")
        #expect(!yaml.contains("endpoint: local"), "\(yaml)")
        try yaml.write(toFile: dir + "/remote.yaml", atomically: true, encoding: .utf8)
        let result = try await sdf(["run", dir + "/remote.yaml"], deadline: 120)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("cannot reach"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/remote.sqlite"))
    }

    @Test func aMissingEngineIsReportedWithTheInstallCommand() async throws {
        let dir = try temporaryFolder("noengine")
        _ = try await sdf(["init", dir])
        let process = try await sdfWithEnvironment(["run", dir + "/quickstart.yaml"], ["SDF_HOME": dir + "/empty-home"])
        #expect(process.status == 3)
        #expect(process.stderr.contains("sdf engine install"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/quickstart.sqlite"))
    }

    @Test func initRefusesToOverwrite() async throws {
        let dir = try temporaryFolder("init")
        #expect(try await sdf(["init", dir]).status == 0)
        let again = try await sdf(["init", dir])
        #expect(again.status == 2)
        #expect(again.stderr.contains("--force"))
    }
}

/// Runs `sdf` with extra environment variables.
func sdfWithEnvironment(_ arguments: [String], _ environment: [String: String]) async throws -> CommandResult {
    var args = ["-u", "CI"]
    for (k, v) in environment { args.append("\(k)=\(v)") }
    args.append(sdfBinary)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = args + arguments
    let pipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = pipe
    process.standardError = errPipe
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { p in continuation.resume(returning: p.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return CommandResult(status: status, stdout: out, stderr: err)
}

@Suite("End to end on the real local model", .enabled(if: liveEngine), .serialized)
struct LiveEndToEndTests {
    @Test func runsAnExperimentOnTheLocalModelWithFullProvenance() async throws {
        let dir = try temporaryFolder("live")
        #expect(try await sdf(["init", dir]).status == 0)
        let yaml = try String(contentsOfFile: dir + "/quickstart.yaml", encoding: .utf8)
            .replacingOccurrences(of: "replicates: 2", with: "replicates: 1")
            .replacingOccurrences(of: "turns: 5", with: "turns: 4")
            .replacingOccurrences(of: "maxTokens: 80", with: "maxTokens: 48")
        try yaml.write(toFile: dir + "/live.yaml", atomically: true, encoding: .utf8)
        let result = try await sdf(["run", dir + "/live.yaml"], deadline: 900)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let storePath = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(storePath == dir + "/live.sqlite")
        let store = try Store.openExisting(path: storePath)
        let discussions = try await store.discussions()
        #expect(discussions.count == 2)
        #expect(discussions.allSatisfy { $0.status == .done })
        let turns = try await store.allTurns()
        #expect(turns.filter { $0.role != .moderator }.count == 8)
        #expect(turns.contains { $0.role == .moderator })
        for t in turns {
            #expect(t.outcome != .failed, "\(t.call.error?.description ?? "")")
            if t.outcome == .comment {
                #expect(!(t.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
                #expect(t.text != "\"\"")
            } else {
                #expect(t.text == nil)
            }
            #expect(t.call.modelId?.isEmpty == false)
            #expect(t.call.endpoint.hasPrefix("http://127.0.0.1:"))
            #expect((t.call.promptTokens ?? 0) > 0)
            #expect(t.call.completionTokens != nil)
            #expect(t.call.finishReason != nil)
            #expect(t.call.latencyMs != nil)
            #expect(t.call.sampling.stop.contains("\nOP:"))
            #expect(try await store.prompt(hash: t.call.promptHash) != nil)
        }
        // The quickstart's annotation section ran on the local model: every comment × annotator has a job,
        // parsed or recorded as a failure with its raw text.
        let comments = turns.filter { $0.outcome == .comment }
        let annotations = try await store.annotations()
        #expect(annotations.count == comments.count * 2)
        #expect(annotations.allSatisfy { $0.status == .failed || $0.rawText != nil })
        #expect(annotations.allSatisfy { $0.status != .ok || $0.values.count == 2 })
        #expect(annotations.filter { $0.status == .ok }.count * 2 >= annotations.count, "parse rate below 50%")
        #expect(annotations.allSatisfy { $0.structuredOutput == .jsonSchema })
        #expect(result.stderr.contains("parse rate"))
        let runs = try await store.runs()
        #expect(runs.count == 1)
        #expect(runs[0].status == .done)
        #expect(runs[0].models["smollm2"]?.contains("gguf") == true)

        let show = try await sdf(["show", storePath, String(discussions[0].id.prefix(8))])
        #expect(show.status == 0)
        #expect(show.stdout.contains("[0] OP (seed comment):"))
        let export = try await sdf(["export", storePath, "--format", "sdf-json", "--out", dir + "/export"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/export/none/\(discussions.first { $0.strategy == "none" }!.id).json"))

        // Re-running the same command resumes: nothing left to do, nothing duplicated.
        let again = try await sdf(["run", dir + "/live.yaml"], deadline: 300)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("2 skipped"))
        #expect(try await store.allTurns().count == turns.count)
        #expect(try await store.annotations().count == annotations.count)
        #expect(again.stderr.contains("(\(annotations.count) already done)"))
    }

    @Test func killingSdfLeavesNoOrphanEngine() async throws {
        let dir = try temporaryFolder("orphan")
        #expect(try await sdf(["init", dir]).status == 0)
        let serversDir = EnginePaths.fromEnvironment().servers
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: serversDir)) ?? [])
        let sdfPid = SendablePid()
        let serverPid = SendablePid()
        async let result = sdf(["run", dir + "/quickstart.yaml"], deadline: 300) { pid in sdfPid.set(pid) }
        // Wait for the engine to start (its pidfile appears), then SIGKILL sdf: no cleanup code runs.
        let deadline = ContinuousClock.now + .seconds(120)
        while serverPid.get() == nil && ContinuousClock.now < deadline {
            try await Task.sleep(nanoseconds: 200_000_000)
            let now = Set((try? FileManager.default.contentsOfDirectory(atPath: serversDir)) ?? [])
            for name in now.subtracting(before) where name.hasSuffix(".pid") {
                let text = (try? String(contentsOfFile: serversDir + "/" + name, encoding: .utf8)) ?? ""
                let parts = text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if parts.count == 2, parts[1] == sdfPid.get() { serverPid.set(parts[0]) }
            }
        }
        let server = try #require(serverPid.get(), "llama-server never started")
        #expect(kill(server, 0) == 0)
        kill(try #require(sdfPid.get()), SIGKILL)
        let finished = try await result
        #expect(finished.status != 0)
        let gone = ContinuousClock.now + .seconds(15)
        while kill(server, 0) == 0 && !isZombie(server) && ContinuousClock.now < gone {
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        #expect(kill(server, 0) != 0 || isZombie(server), "llama-server \(server) survived its parent's SIGKILL")
    }
}

func isZombie(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
        return false
    }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

import Synchronization

final class SendablePid: Sendable {
    private let value = Mutex<Int32?>(nil)
    func set(_ pid: Int32) { value.withLock { $0 = pid } }
    func get() -> Int32? { value.withLock { $0 } }
}
