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
    /// - Parameter notice: receives one-time notes about the servers (e.g. an endpoint rejecting a
    ///   `response_format` form and the fallback chosen); default: a line on stderr.
    public static func withBindings<T: Sendable>(
        _ experiment: Experiment, experimentFile: String, paths: EnginePaths = .fromEnvironment(),
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger,
        notice: @escaping @Sendable (String) -> Void = StructuredOutputMemory.printToStandardError,
        _ body: @Sendable ([String: ModelBinding], [String: String]) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(600))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let models = allModels(experiment)
        let context = Context(experimentFile: experimentFile, paths: paths, environment: environment, logger: logger, notice: notice)
        return try await HTTPClient.withHTTPClient(configuration: configuration) { http in
            try await bind(models, into: Bound(), context: context, http: http, body)
        }
    }

    /// The discussion models and, when the experiment annotates, the annotation model (bound under its name).
    public static func allModels(_ experiment: Experiment) -> [ModelSettings] {
        experiment.spec.models + (experiment.annotation.map { [$0.model] } ?? [])
    }

    /// Discussions in flight when neither the file nor the command line says: the slots of the servers the
    /// discussion models reach (each server counted once), or 8 when a server does not report its slots.
    ///
    /// - Parameters:
    ///   - experiment: the experiment (its discussion models).
    ///   - bindings: the bound models, by name.
    /// - Returns: a count ≥ 1.
    public static func derivedConcurrency(_ experiment: Experiment, bindings: [String: ModelBinding]) -> Int {
        var seen: Set<ObjectIdentifier> = []
        var total = 0
        for model in experiment.spec.models {
            guard let binding = bindings[model.name] else { continue }
            guard let gate = binding.gate else { return 8 }
            if seen.insert(ObjectIdentifier(gate)).inserted { total += gate.permits }
        }
        return max(1, total)
    }

    struct Context: Sendable {
        var experimentFile: String
        var paths: EnginePaths
        var environment: [String: String]
        var logger: Logger
        var notice: @Sendable (String) -> Void
    }

    /// What is bound so far: bindings and fingerprints by model name; per server key (a GGUF path, or the
    /// endpoint URLs with the API-key variable) how to reach the server and its gate, so models on one server
    /// share the gate (and the engine) while each keeps its own client settings (timeout).
    struct Bound: Sendable {
        var bindings: [String: ModelBinding] = [:]
        var fingerprints: [String: String] = [:]
        var servers: [String: Server] = [:]

        struct Server: Sendable {
            /// A client for one model of this server, with that model's timeout.
            var client: @Sendable (ModelSettings) -> any ChatModel
            var requestModel: String
            var fingerprint: String
            var gate: CallGate?
        }

        func adding(_ model: ModelSettings, key: String, server: Server) -> Bound {
            var next = self
            next.servers[key] = server
            next.bindings[model.name] = ModelBinding(
                name: model.name, client: server.client(model), requestModel: model.model ?? server.requestModel, settings: model,
                gate: server.gate)
            next.fingerprints[model.name] = server.fingerprint
            return next
        }
    }

    static func bind<T: Sendable>(
        _ remaining: [ModelSettings], into bound: Bound, context: Context, http: HTTPClient,
        _ body: @Sendable ([String: ModelBinding], [String: String]) async throws -> T
    ) async throws -> T {
        guard let model = remaining.first else { return try await body(bound.bindings, bound.fingerprints) }
        let rest = Array(remaining.dropFirst())
        let retry = RetryPolicy()
        let key =
            model.isLocal
            ? ggufPath(model, experimentFile: context.experimentFile, paths: context.paths)
            : model.endpoints.joined(separator: ",") + " key:" + (model.apiKeyEnv ?? "")
        if let server = bound.servers[key] {
            // Another model of the run already reaches this server (the same GGUF, or the same endpoints): share it.
            return try await bind(rest, into: bound.adding(model, key: key, server: server), context: context, http: http, body)
        }
        if model.isLocal {
            guard let binary = context.paths.serverBinary(context.environment) else {
                throw LLMError(.engine, "llama-server is not installed; run: sdf engine install")
            }
            let config = LocalServerConfiguration(
                binary: binary, model: key, parallel: model.parallel, contextPerSlot: model.contextPerSlot,
                runDirectory: context.paths.servers)
            return try await withLocalServer(config, logger: context.logger) { server in
                let client: @Sendable (ModelSettings) -> any ChatModel = {
                    OpenAIClient(
                        baseURL: server.baseURL, apiKey: nil, timeout: $0.timeoutSeconds, retry: retry, http: http,
                        structuredOutputMemory: StructuredOutputMemory(notice: context.notice))
                }
                let ids = try await OpenAIClient(baseURL: server.baseURL, apiKey: nil, retry: retry, http: http).listModels()
                let fingerprint = "local llama-server; model id \(ids.first ?? "?"); gguf \(key)"
                    + (key == context.paths.defaultModel ? " (sha256 \(DefaultModel.sha256))" : "")
                // The engine was started with `parallel` slots: no need to ask it.
                let entry = Bound.Server(
                    client: client, requestModel: ids.first ?? "local", fingerprint: fingerprint, gate: CallGate(permits: model.parallel))
                return try await bind(rest, into: bound.adding(model, key: key, server: entry), context: context, http: http, body)
            }
        }
        let apiKey = model.apiKeyEnv.flatMap { context.environment[$0] }
        let single = model.endpoints.count == 1
        let endpoints = model.endpoints
        @Sendable func clients(_ settings: ModelSettings) -> [OpenAIClient] {
            endpoints.map {
                OpenAIClient(
                    baseURL: $0, apiKey: apiKey, timeout: settings.timeoutSeconds, retry: single ? retry : .none, http: http,
                    structuredOutputMemory: StructuredOutputMemory(notice: context.notice))
            }
        }
        var ids: [String]?
        var slotCounts: [Int?] = []
        var unreachable: [String] = []
        for client in clients(model) {
            do {
                let listed = try await client.listModels(retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.5))
                ids = ids ?? listed
                slotCounts.append(await client.serverSlots())
            } catch let error as LLMError {
                if single { throw LLMError(error.kind, "model '\(model.name)': cannot reach \(client.baseURL): \(error.message)") }
                unreachable.append("\(client.baseURL) (\(error.message))")
                slotCounts.append(nil)
            }
        }
        guard let ids else {
            throw LLMError(.connection, "model '\(model.name)': cannot reach any endpoint: " + unreachable.joined(separator: "; "))
        }
        for endpoint in unreachable {
            context.logger.warning("endpoint unreachable at start; it will be tried again during the run", metadata: ["endpoint": "\(endpoint)"])
        }
        guard let requestModel = model.model ?? ids.first else {
            throw LLMError(.badRequest, "model '\(model.name)': \(model.endpoint) lists no models; set 'model' in the experiment file")
        }
        let capacities = slotCounts.allSatisfy { $0 != nil } ? slotCounts.compactMap { $0 } : nil
        let client: @Sendable (ModelSettings) -> any ChatModel = { settings in
            single ? clients(settings)[0] : EndpointPool(clients: clients(settings), retry: retry, capacities: capacities)
        }
        let entry = Bound.Server(
            client: client, requestModel: requestModel,
            fingerprint: "\(model.endpoints.joined(separator: ", ")); model \(requestModel); served: \(ids.prefix(5).joined(separator: ", "))",
            gate: capacities.map { CallGate(permits: $0.reduce(0, +)) })
        return try await bind(rest, into: bound.adding(model, key: key, server: entry), context: context, http: http, body)
    }
}
