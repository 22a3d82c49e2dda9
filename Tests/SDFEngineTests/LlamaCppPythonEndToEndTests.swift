import AsyncHTTPClient
import Foundation
import SDFCore
import SDFLLM
import SDFStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An executable named by an environment variable (set by `scripts/setup-compat-servers.sh`), if set and present.
func compatExecutable(_ variable: String) -> String? {
    guard let path = ProcessInfo.processInfo.environment[variable], FileManager.default.isExecutableFile(atPath: path) else { return nil }
    return path
}

/// Whether the real second servers must run: in CI (where `scripts/test.sh` installs them) a missing server fails
/// the test instead of skipping it.
let compatServersRequired = ProcessInfo.processInfo.environment["CI"] != nil

/// Why a real-second-server suite does not run here, or `nil` when it does (always `nil` in CI).
func compatSkipReason(_ variable: String, _ what: String) -> String? {
    if compatServersRequired { return nil }
    if compatExecutable(variable) == nil {
        return "\(variable) is not set to \(what) (scripts/setup-compat-servers.sh DIR installs it)"
    }
    if !FileManager.default.fileExists(atPath: EnginePaths.fromEnvironment().defaultModel) {
        return "the bundled model is not installed in SDF_HOME (run: sdf engine install)"
    }
    return nil
}

/// Starts `executable arguments` (a second OpenAI-compatible server) with its output in a log, waits until `GET
/// url/models` answers, runs `body`, and stops the server (SIGTERM, then SIGKILL).
func withCompatServer<T>(
    _ name: String, executable: String, arguments: [String], environment: [String: String] = [:], url: String,
    startup: Double = 240, _ body: () async throws -> T
) async throws -> T {
    let log = try temporaryFolder(name) + "/server.log"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    try process.run()
    defer {
        process.terminate()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 10) { if kill(pid, 0) == 0 { kill(pid, SIGKILL) } }
        process.waitUntilExit()
    }
    let started = Date()
    while true {
        let up = try await HTTPClient.withHTTPClient { http in
            (try? await OpenAIClient(baseURL: url, apiKey: nil, timeout: 5, retry: .none, http: http).listModels()) != nil
        }
        if up { break }
        if !process.isRunning || Date().timeIntervalSince(started) > startup {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw LLMError(.engine, "\(name) did not come up at \(url): \(text.suffix(2000))")
        }
        try await Task.sleep(nanoseconds: 250_000_000)
    }
    print("\(name) up in \(String(format: "%.1f", Date().timeIntervalSince(started))) s at \(url)")
    return try await body()
}

/// The quickstart, shortened (1 replicate, 4 turns, 48 tokens), with `endpoint:` set to `url` for both the
/// discussion and the annotation model; returns the experiment file's path. Calls may take 900 s (not 300) so
/// that a machine busy with other work does not turn a slow answer into a retry the tests count as wasted.
func shortQuickstart(endpoint url: String, in dir: String) async throws -> String {
    #expect(try await sdf(["init", dir]).status == 0)
    let yaml = try String(contentsOfFile: dir + "/quickstart.yaml", encoding: .utf8)
        .replacingOccurrences(of: "endpoint: local", with: "endpoint: \(url)")
        .replacingOccurrences(of: "replicates: 2", with: "replicates: 1")
        .replacingOccurrences(of: "turns: 5", with: "turns: 4")
        .replacingOccurrences(of: "maxTokens: 80", with: "maxTokens: 48\n    timeoutSeconds: 900")
        .replacingOccurrences(of: "maxTokens: 32}", with: "maxTokens: 32, timeoutSeconds: 900}")
        .split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.contains("parallel:") && !$0.contains("contextPerSlot:") }
        .joined(separator: "\n")
    try yaml.write(toFile: dir + "/remote.yaml", atomically: true, encoding: .utf8)
    return dir + "/remote.yaml"
}

/// Issue #18 on a real second server: the quickstart, shortened, with `endpoint:` pointing at llama-cpp-python's
/// OpenAI-compatible server (PyPI `llama-cpp-python[server]`) on the bundled model.
@Suite(
    "End to end on llama-cpp-python's server",
    .enabled(
        if: compatSkipReason("SDF_LLAMA_CPP_PYTHON", "the python of a venv with llama-cpp-python[server]") == nil,
        Comment(rawValue: compatSkipReason("SDF_LLAMA_CPP_PYTHON", "the python of a venv with llama-cpp-python[server]") ?? "")),
    .serialized)
struct LlamaCppPythonEndToEndTests {
    @Test func quickstartAnnotatesThroughJSONObjectWithNoWastedRetries() async throws {
        let python = try #require(
            compatExecutable("SDF_LLAMA_CPP_PYTHON"), "SDF_LLAMA_CPP_PYTHON must name llama-cpp-python's venv python in CI (scripts/test.sh sets it)")
        let port = try FreePort.pick()
        let url = "http://127.0.0.1:\(port)/v1"
        try await withCompatServer(
            "llama-cpp-python", executable: python,
            arguments: [
                "-m", "llama_cpp.server", "--model", EnginePaths.fromEnvironment().defaultModel, "--host", "127.0.0.1", "--port", String(port),
                "--n_ctx", "2048",
            ], url: url
        ) {
            let dir = try temporaryFolder("llama-cpp-python-run")
            let experiment = try await shortQuickstart(endpoint: url, in: dir)
            let started = Date()
            let result = try await sdf(["run", experiment], deadline: 1500)
            let seconds = Date().timeIntervalSince(started)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let store = try Store.openExisting(path: dir + "/remote.sqlite")
            let annotations = try await store.annotations()
            let ok = annotations.filter { $0.status == .ok }.count
            // llama-cpp-python turns the schema into a grammar without the integers' minimum/maximum: a value outside
            // the scale is well-formed JSON, recorded `outOfRange` (seen: toxicity 0 on 1–5 in 3 of 24 ratings).
            let parsed = annotations.filter { $0.status == .ok || $0.status == .outOfRange }.count
            let summary = try await store.summary()
            print(
                "llama-cpp-python quickstart (1 replicate, 4 turns): \(String(format: "%.0f", seconds)) s, parse rate \(ok)/\(annotations.count), "
                    + "well-formed JSON \(parsed)/\(annotations.count), retries \(summary.retries)")
            #expect(!annotations.isEmpty)
            // Provenance: the form each call used, and the model id the server reported.
            #expect(annotations.allSatisfy { $0.structuredOutput == .jsonObject })
            #expect(annotations.allSatisfy { $0.call.modelId?.isEmpty == false })
            #expect(annotations.allSatisfy { $0.status != .failed })
            #expect(parsed * 10 >= annotations.count * 9, "well-formed JSON \(parsed)/\(annotations.count)")
            #expect(ok * 2 >= annotations.count, "parse rate \(ok)/\(annotations.count)")
            // No wasted retries: the deterministic rejection is a negotiation, never retried.
            #expect(summary.retries == 0)
            #expect(annotations.allSatisfy { $0.call.attempts == 1 })
            // One notice, and no cached share claimed for a server that does not report it.
            #expect(result.stderr.components(separatedBy: "rejects response_format json_schema").count == 2, "\(result.stderr)")
            #expect(result.stderr.contains("cached prompt share not reported by the server"))
        }
    }
}
