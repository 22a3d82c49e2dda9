import AsyncHTTPClient
import Foundation
import SDFCore
import SDFLLM
import SDFStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The python of a virtual environment with PyPI's `llama-cpp-python[server]` (`$SDF_LLAMA_CPP_PYTHON`), if set
/// and present.
let llamaCppPython: String? = {
    guard let python = ProcessInfo.processInfo.environment["SDF_LLAMA_CPP_PYTHON"], FileManager.default.isExecutableFile(atPath: python)
    else { return nil }
    return python
}()

/// Why the llama-cpp-python end-to-end test does not run here, or `nil` when it does.
let llamaCppPythonSkipReason: String? = {
    if llamaCppPython == nil {
        return "SDF_LLAMA_CPP_PYTHON is not set to the python of a venv with llama-cpp-python[server] installed "
            + "(pip install 'llama-cpp-python[server]' builds llama.cpp from source: ~11+ min on 2 cores)"
    }
    if !FileManager.default.fileExists(atPath: EnginePaths.fromEnvironment().defaultModel) {
        return "the bundled model is not installed in SDF_HOME (run: sdf engine install)"
    }
    return nil
}()

/// Issue #18 on the real second server: the quickstart, shortened, with `endpoint:` pointing at llama-cpp-python's
/// OpenAI-compatible server on the bundled model.
@Suite(
    "End to end on llama-cpp-python's server", .enabled(if: llamaCppPythonSkipReason == nil, Comment(rawValue: llamaCppPythonSkipReason ?? "")),
    .serialized)
struct LlamaCppPythonEndToEndTests {
    /// Starts `python -m llama_cpp.server` on a free port with the bundled model, runs `body` with its base URL, stops it.
    func withServer<T>(_ body: (String) async throws -> T) async throws -> T {
        let port = Int.random(in: 20_000..<40_000)
        let log = try temporaryFolder("llama-cpp-python") + "/server.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: llamaCppPython!)
        process.arguments = [
            "-m", "llama_cpp.server", "--model", EnginePaths.fromEnvironment().defaultModel, "--host", "127.0.0.1", "--port", String(port),
            "--n_ctx", "2048",
        ]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let url = "http://127.0.0.1:\(port)/v1"
        let started = Date()
        while true {
            let up = try await HTTPClient.withHTTPClient { http in
                (try? await OpenAIClient(baseURL: url, apiKey: nil, timeout: 5, retry: .none, http: http).listModels()) != nil
            }
            if up { break }
            if !process.isRunning || Date().timeIntervalSince(started) > 180 {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw LLMError(.engine, "llama-cpp-python's server did not come up: \(text.suffix(2000))")
            }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        print("llama-cpp-python server up in \(String(format: "%.1f", Date().timeIntervalSince(started))) s at \(url)")
        return try await body(url)
    }

    @Test func quickstartAnnotatesThroughJSONObjectWithNoWastedRetries() async throws {
        try await withServer { url in
            let dir = try temporaryFolder("llama-cpp-python-run")
            #expect(try await sdf(["init", dir]).status == 0)
            let yaml = try String(contentsOfFile: dir + "/quickstart.yaml", encoding: .utf8)
                .replacingOccurrences(of: "endpoint: local", with: "endpoint: \(url)")
                .replacingOccurrences(of: "replicates: 2", with: "replicates: 1")
                .replacingOccurrences(of: "turns: 5", with: "turns: 4")
                .replacingOccurrences(of: "maxTokens: 80", with: "maxTokens: 48")
                .split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.contains("parallel:") && !$0.contains("contextPerSlot:") }
                .joined(separator: "\n")
            try yaml.write(toFile: dir + "/remote.yaml", atomically: true, encoding: .utf8)
            let started = Date()
            let result = try await sdf(["run", dir + "/remote.yaml"], deadline: 1500)
            let seconds = Date().timeIntervalSince(started)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let store = try Store.openExisting(path: dir + "/remote.sqlite")
            let annotations = try await store.annotations()
            let ok = annotations.filter { $0.status == .ok }.count
            let summary = try await store.summary()
            print(
                "llama-cpp-python quickstart (1 replicate, 4 turns): \(String(format: "%.0f", seconds)) s, parse rate \(ok)/\(annotations.count), "
                    + "retries \(summary.retries)")
            #expect(!annotations.isEmpty)
            // Provenance: the form each call used, and the model id the server reported.
            #expect(annotations.allSatisfy { $0.structuredOutput == .jsonObject })
            #expect(annotations.allSatisfy { $0.call.modelId?.isEmpty == false })
            #expect(annotations.allSatisfy { $0.status != .failed })
            #expect(ok * 10 >= annotations.count * 9, "parse rate \(ok)/\(annotations.count)")
            // No wasted retries: the deterministic rejection is a negotiation, never retried.
            #expect(summary.retries == 0)
            #expect(annotations.allSatisfy { $0.call.attempts == 1 })
            // One notice, and no cached share claimed for a server that does not report it.
            #expect(result.stderr.components(separatedBy: "rejects response_format json_schema").count == 2, "\(result.stderr)")
            #expect(result.stderr.contains("cached prompt share not reported by the server"))
        }
    }
}
