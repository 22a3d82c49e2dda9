import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SDFCore
import SDFLLM

/// Brings up every model of an experiment — starting llama-server for `endpoint: local`, checking remote
/// endpoints with `GET /v1/models` — and binds them for the run; tears everything down afterwards.
public enum ModelSession {
    /// Checks what can be checked without starting anything: the engine and model files for local models,
    /// the API-key environment variables for remote ones.
    ///
    /// - Parameters:
    ///   - experiment: the resolved experiment.
    ///   - experimentFile: used to resolve relative `gguf` paths and in messages.
    /// - Throws: ``ExperimentFileError`` naming the field, or ``LLMError`` of kind `engine` when the engine
    ///   is not installed.
    public static func preflight(
        _ experiment: Experiment, experimentFile: String, paths: EnginePaths = .fromEnvironment(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        var diagnostics: [SpecDiagnostic] = []
        for (i, model) in allModels(experiment).enumerated() {
            if model.isLocal {
                if paths.serverBinary(environment) == nil {
                    throw LLMError(
                        .engine,
                        "models[\(i)] (\(model.name)) uses the local engine, but llama-server is not installed; run: sdf engine install")
                }
                let gguf = ggufPath(model, experimentFile: experimentFile, paths: paths)
                if !FileManager.default.fileExists(atPath: gguf) {
                    if model.gguf == nil {
                        throw LLMError(.engine, "the default model is not installed (\(gguf)); run: sdf engine install")
                    }
                    diagnostics.append(.init(file: experimentFile, field: "models[\(i)].gguf", message: "model file '\(gguf)' does not exist"))
                }
            } else if let env = model.apiKeyEnv, (environment[env] ?? "").isEmpty {
                diagnostics.append(
                    .init(file: experimentFile, field: "models[\(i)].apiKeyEnv", message: "environment variable \(env) is not set"))
            }
        }
        if !diagnostics.isEmpty { throw ExperimentFileError(diagnostics) }
    }

    /// The GGUF file a local model uses: its `gguf` (relative to the experiment file) or the default model.
    public static func ggufPath(_ model: ModelSettings, experimentFile: String, paths: EnginePaths) -> String {
        guard let gguf = model.gguf else { return paths.defaultModel }
        let expanded = (gguf as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: experimentFile).deletingLastPathComponent().appendingPathComponent(expanded).path
    }

    /// Starts local servers, checks remote endpoints, then runs `body` with the bindings by model name and
    /// a fingerprint per model (reported model id, endpoint, GGUF file) for the run manifest.
    ///
    /// - Throws: ``LLMError`` (`connection` for an unreachable endpoint, `engine` for a server that does not
    ///   start), or whatever `body` throws. Servers are stopped before this returns.
    public static func withBindings<T: Sendable>(
        _ experiment: Experiment, experimentFile: String, paths: EnginePaths = .fromEnvironment(),
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger,
        _ body: @Sendable ([String: ModelBinding], [String: String]) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(600))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let models = allModels(experiment)
        return try await HTTPClient.withHTTPClient(configuration: configuration) { http in
            try await bind(
                models, into: [:], fingerprints: [:], servers: [:], experimentFile: experimentFile, paths: paths,
                environment: environment, http: http, logger: logger, body)
        }
    }

    /// The discussion models and, when the experiment annotates, the annotation model (bound under its name).
    public static func allModels(_ experiment: Experiment) -> [ModelSettings] {
        experiment.spec.models + (experiment.annotation.map { [$0.model] } ?? [])
    }

    static func bind<T: Sendable>(
        _ remaining: [ModelSettings], into bindings: [String: ModelBinding], fingerprints: [String: String],
        servers: [String: String], experimentFile: String, paths: EnginePaths, environment: [String: String], http: HTTPClient, logger: Logger,
        _ body: @Sendable ([String: ModelBinding], [String: String]) async throws -> T
    ) async throws -> T {
        guard let model = remaining.first else { return try await body(bindings, fingerprints) }
        let rest = Array(remaining.dropFirst())
        let retry = RetryPolicy()
        if model.isLocal, let baseURL = servers[ggufPath(model, experimentFile: experimentFile, paths: paths)] {
            // Another model of the run already started a server for this GGUF: share it.
            let client = OpenAIClient(baseURL: baseURL, apiKey: nil, timeout: model.timeoutSeconds, retry: retry, http: http)
            let shared = bindings.values.first { $0.client.endpoint == baseURL }
            var b = bindings
            b[model.name] = ModelBinding(
                name: model.name, client: client, requestModel: model.model ?? shared?.requestModel ?? "local", settings: model)
            var f = fingerprints
            f[model.name] = fingerprints[shared?.name ?? ""] ?? "local llama-server at \(baseURL)"
            return try await bind(
                rest, into: b, fingerprints: f, servers: servers, experimentFile: experimentFile, paths: paths,
                environment: environment, http: http, logger: logger, body)
        }
        if model.isLocal {
            let gguf = ggufPath(model, experimentFile: experimentFile, paths: paths)
            guard let binary = paths.serverBinary(environment) else {
                throw LLMError(.engine, "llama-server is not installed; run: sdf engine install")
            }
            let config = LocalServerConfiguration(
                binary: binary, model: gguf, parallel: model.parallel, contextPerSlot: model.contextPerSlot,
                runDirectory: paths.servers)
            return try await withLocalServer(config, logger: logger) { server in
                let client = OpenAIClient(baseURL: server.baseURL, apiKey: nil, timeout: model.timeoutSeconds, retry: retry, http: http)
                let ids = try await client.listModels()
                let requestModel = model.model ?? ids.first ?? "local"
                var b = bindings
                b[model.name] = ModelBinding(name: model.name, client: client, requestModel: requestModel, settings: model)
                var f = fingerprints
                f[model.name] = "local llama-server; model id \(ids.first ?? "?"); gguf \(gguf)"
                    + (gguf == paths.defaultModel ? " (sha256 \(DefaultModel.sha256))" : "")
                var s = servers
                s[gguf] = server.baseURL
                return try await bind(
                    rest, into: b, fingerprints: f, servers: s, experimentFile: experimentFile, paths: paths, environment: environment,
                    http: http, logger: logger, body)
            }
        }
        let key = model.apiKeyEnv.flatMap { environment[$0] }
        let client = OpenAIClient(baseURL: model.endpoint, apiKey: key, timeout: model.timeoutSeconds, retry: retry, http: http)
        let ids: [String]
        do {
            ids = try await client.listModels(retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.5))
        } catch let error as LLMError {
            throw LLMError(error.kind, "model '\(model.name)': cannot reach \(model.endpoint): \(error.message)")
        }
        guard let requestModel = model.model ?? ids.first else {
            throw LLMError(.badRequest, "model '\(model.name)': \(model.endpoint) lists no models; set 'model' in the experiment file")
        }
        var b = bindings
        b[model.name] = ModelBinding(name: model.name, client: client, requestModel: requestModel, settings: model)
        var f = fingerprints
        f[model.name] = "\(model.endpoint); model \(requestModel); served: \(ids.prefix(5).joined(separator: ", "))"
        return try await bind(
            rest, into: b, fingerprints: f, servers: servers, experimentFile: experimentFile, paths: paths, environment: environment, http: http,
            logger: logger, body)
    }
}
