import Foundation
import SDFCore
import SDFLLM
import SDFStore
import Testing

/// Issue #18 on a real second server: the quickstart, shortened, through a LiteLLM proxy (PyPI `litellm[proxy]`)
/// in front of the bundled llama-server, as users put one in front of their model servers.
@Suite(
    "End to end through a LiteLLM proxy",
    .enabled(
        if: compatSkipReason("SDF_LITELLM", "the litellm executable of a venv with litellm[proxy]") == nil,
        Comment(rawValue: compatSkipReason("SDF_LITELLM", "the litellm executable of a venv with litellm[proxy]") ?? "")),
    .serialized)
struct LiteLLMEndToEndTests {
    @Test func quickstartThroughTheProxyAnnotatesWithNoWastedRetries() async throws {
        let litellm = try #require(
            compatExecutable("SDF_LITELLM"), "SDF_LITELLM must name the litellm proxy executable in CI (scripts/test.sh sets it)")
        let paths = EnginePaths.fromEnvironment()
        let binary = try #require(paths.serverBinary(), "llama-server is not installed: run sdf engine install")
        let dir = try temporaryFolder("litellm-run")
        let configuration = LocalServerConfiguration(
            binary: binary, model: paths.defaultModel, parallel: 4, contextPerSlot: 2048, runDirectory: dir + "/engine")
        try await withLocalServer(configuration) { backend in
            // The proxy's model list: one model, named as users name it, forwarded to llama-server.
            let config = """
                model_list:
                  - model_name: smollm2-proxied
                    litellm_params:
                      model: openai/smollm2
                      api_base: \(backend.baseURL)
                      api_key: none
                litellm_settings:
                  telemetry: false
                """
            try config.write(toFile: dir + "/litellm.yaml", atomically: true, encoding: .utf8)
            let port = try FreePort.pick()
            let url = "http://127.0.0.1:\(port)/v1"
            try await withCompatServer(
                "litellm", executable: litellm,
                arguments: ["--config", dir + "/litellm.yaml", "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"],
                // No network at start-up: the model cost map from the package, not from GitHub.
                environment: ["LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_DOCS": "True"], url: url
            ) {
                let experiment = try await shortQuickstart(endpoint: url, in: dir)
                let started = Date()
                let result = try await sdf(["run", experiment], deadline: 1500)
                let seconds = Date().timeIntervalSince(started)
                #expect(result.status == 0, "stderr: \(result.stderr)")
                let store = try Store.openExisting(path: dir + "/remote.sqlite")
                let annotations = try await store.annotations()
                let turns = try await store.allTurns()
                let ok = annotations.filter { $0.status == .ok }.count
                let summary = try await store.summary()
                let forms = Set(annotations.map(\.structuredOutput.rawValue)).sorted()
                print(
                    "LiteLLM proxy quickstart (1 replicate, 4 turns): \(String(format: "%.0f", seconds)) s, parse rate \(ok)/\(annotations.count), "
                        + "retries \(summary.retries), forms \(forms)")
                #expect(!annotations.isEmpty)
                // Provenance: the model id is the proxy's name for the model (the first id at /v1/models).
                #expect(Set(turns.compactMap(\.call.modelId)) == ["smollm2-proxied"])
                #expect(annotations.allSatisfy { $0.call.modelId == "smollm2-proxied" })
                // The proxy passes json_schema on to llama-server, which supports it: the richest form, no fallback.
                #expect(annotations.allSatisfy { $0.structuredOutput == .jsonSchema }, "forms \(forms)")
                #expect(!result.stderr.contains("rejects response_format"), "\(result.stderr)")
                #expect(annotations.allSatisfy { $0.status != .failed })
                #expect(ok * 10 >= annotations.count * 9, "parse rate \(ok)/\(annotations.count)")
                #expect(summary.retries == 0)
                #expect(annotations.allSatisfy { $0.call.attempts == 1 })
            }
        }
    }
}
