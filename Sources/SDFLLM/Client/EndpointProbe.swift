import AsyncHTTPClient
import Foundation
import SDFCore

/// What one OpenAI-compatible endpoint supports, found by probing it once (`sdf engine check ENDPOINT`).
public struct EndpointCapabilities: Sendable, Hashable {
    /// What happened to one probe request.
    public enum Outcome: Sendable, Hashable, CustomStringConvertible {
        /// The server answered.
        case accepted
        /// The server rejected the request because of the probed feature (its body names it).
        case rejected(String)
        /// The call failed for another reason.
        case failed(String)

        /// `accepted`, `rejected: …`, `failed: …`.
        public var description: String {
            switch self {
            case .accepted: return "accepted"
            case .rejected(let message): return "rejected: \(message)"
            case .failed(let message): return "failed: \(message)"
            }
        }
    }

    /// The base URL probed.
    public var endpoint: String
    /// Model ids of `GET /models`.
    public var models: [String]
    /// The model the probe requests used.
    public var model: String
    /// The model id the answers reported.
    public var reportedModelId: String?
    /// Each `response_format` form's outcome, and whether its answer was JSON.
    public var structuredOutput: [StructuredOutputForm: (outcome: Outcome, answerIsJSON: Bool)]
    /// The form `structuredOutput: auto` would settle on.
    public var autoForm: StructuredOutputForm
    /// `stop` accepted, and whether the answer left the stop sequence out.
    public var stop: (outcome: Outcome, honoured: Bool?)
    /// `seed` accepted, and whether two sampled answers with one seed were identical.
    public var seed: (outcome: Outcome, reproducible: Bool?)
    /// Which usage fields the answers reported.
    public var usage: (promptTokens: Bool, completionTokens: Bool, cachedTokens: Bool)
    /// llama-server's `GET /props` `total_slots`, if the server has it.
    public var slots: Int?

    /// Equal when every printed line is.
    public static func == (a: Self, b: Self) -> Bool { a.lines == b.lines }
    /// Hashes the printed lines.
    public func hash(into hasher: inout Hasher) { hasher.combine(lines) }

    /// The report, one line per capability.
    public var lines: [String] {
        var out = ["endpoint: \(endpoint)", "models: " + (models.isEmpty ? "none listed" : models.joined(separator: ", "))]
        out.append("model used: \(model)" + (reportedModelId.map { "; answers report model id \($0)" } ?? "; answers report no model id"))
        for form in [StructuredOutputForm.jsonSchema, .jsonObject] {
            if let result = structuredOutput[form] {
                out.append(
                    "response_format \(form.rawValue): \(result.outcome)"
                        + (result.outcome == .accepted ? (result.answerIsJSON ? " (answer is JSON)" : " (answer is not JSON: the form is ignored)") : ""))
            }
        }
        out.append("structuredOutput auto: uses \(autoForm.rawValue)")
        out.append("stop: \(stop.outcome)" + (stop.honoured.map { $0 ? " (honoured)" : " (the answer went past the stop sequence)" } ?? ""))
        out.append("seed: \(seed.outcome)" + (seed.reproducible.map { $0 ? " (same answer twice)" : " (different answers with one seed: not reproducible)" } ?? ""))
        func said(_ reported: Bool) -> String { reported ? "reported" : "not reported" }
        out.append(
            "usage: prompt tokens \(said(usage.promptTokens)), completion tokens \(said(usage.completionTokens)), cached tokens \(said(usage.cachedTokens))")
        out.append("slots: " + (slots.map { "\($0) (GET /props total_slots)" } ?? "not reported (no llama-server /props)"))
        return out
    }
}

/// Probes an endpoint once: models, each structured-output form, stop, seed, usage fields and slots.
public enum EndpointProbe {
    /// A one-field schema for the structured-output probes.
    static let schema = #"{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"],"additionalProperties":false}"#

    /// Probes `client`'s endpoint with a handful of short requests (no retries).
    ///
    /// - Parameter model: the model to request; `nil` uses the first listed.
    /// - Throws: ``LLMError`` when `GET /models` fails (the endpoint is unreachable or not OpenAI-compatible).
    public static func probe(_ client: OpenAIClient, model: String? = nil) async throws -> EndpointCapabilities {
        let models = try await client.listModels(retry: RetryPolicy.none)
        let chosen = model ?? models.first ?? "default"
        var usage = (promptTokens: false, completionTokens: false, cachedTokens: false)
        var reportedModel: String?
        func note(_ response: ChatResponse) {
            usage.promptTokens = usage.promptTokens || response.usage.promptTokens != nil
            usage.completionTokens = usage.completionTokens || response.usage.completionTokens != nil
            usage.cachedTokens = usage.cachedTokens || response.usage.cachedTokens != nil
            reportedModel = reportedModel ?? response.model
        }
        func outcome(_ error: any Error, feature: (LLMError) -> Bool) -> EndpointCapabilities.Outcome {
            guard let error = error as? LLMError else { return .failed("\(error)") }
            return feature(error) ? .rejected(error.message) : .failed(error.message)
        }
        let ask = [ChatMessage(role: "user", content: "Reply with a JSON object whose field answer is 2 + 2.")]
        var forms: [StructuredOutputForm: (outcome: EndpointCapabilities.Outcome, answerIsJSON: Bool)] = [:]
        for form in [StructuredOutputForm.jsonSchema, .jsonObject] {
            let mode: StructuredOutputMode = form == .jsonSchema ? .jsonSchema : .jsonObject
            let request = ChatRequest(
                model: chosen, messages: ask, temperature: 0, maxTokens: 24, seed: 1, jsonSchema: schema, structuredOutput: mode)
            do {
                let response = try await client.complete(request)
                note(response)
                let isJSON = (try? JSONSerialization.jsonObject(with: Data(response.text.utf8))) is [String: Any]
                forms[form] = (.accepted, isJSON)
            } catch {
                forms[form] = (outcome(error) { $0.rejectsStructuredOutput }, false)
            }
        }
        let autoForm: StructuredOutputForm =
            forms[.jsonSchema]?.outcome == .accepted ? .jsonSchema : forms[.jsonObject]?.outcome == .accepted ? .jsonObject : .off

        var stop: (outcome: EndpointCapabilities.Outcome, honoured: Bool?)
        do {
            let response = try await client.complete(
                ChatRequest(
                    model: chosen, messages: [.init(role: "user", content: "Count from 1 to 10, one number per line.")], temperature: 0,
                    maxTokens: 40, stop: ["5"]))
            note(response)
            stop = (.accepted, !response.text.contains("5"))
        } catch {
            stop = (outcome(error) { $0.message.lowercased().contains("stop") }, nil)
        }

        var seed: (outcome: EndpointCapabilities.Outcome, reproducible: Bool?)
        do {
            let request = ChatRequest(
                model: chosen, messages: [.init(role: "user", content: "Write one short sentence about the sea.")], temperature: 1.0,
                maxTokens: 24, seed: 42)
            let a = try await client.complete(request)
            let b = try await client.complete(request)
            note(a)
            seed = (.accepted, a.text == b.text)
        } catch {
            seed = (outcome(error) { $0.message.lowercased().contains("seed") }, nil)
        }
        return EndpointCapabilities(
            endpoint: client.baseURL, models: models, model: chosen, reportedModelId: reportedModel, structuredOutput: forms,
            autoForm: autoForm, stop: stop, seed: seed, usage: usage, slots: await client.serverSlots())
    }
}

extension EndpointProbe {
    /// Probes the endpoint at `baseURL` on an HTTP client of its own (no retries, fallback notices kept silent).
    ///
    /// - Throws: ``LLMError`` when `GET /models` fails.
    public static func probe(baseURL: String, apiKey: String?, timeout: Double, model: String?) async throws -> EndpointCapabilities {
        try await HTTPClient.withHTTPClient { http in
            let client = OpenAIClient(
                baseURL: baseURL, apiKey: apiKey, timeout: timeout, retry: .none, http: http,
                structuredOutputMemory: StructuredOutputMemory { _ in })
            return try await probe(client, model: model)
        }
    }
}
