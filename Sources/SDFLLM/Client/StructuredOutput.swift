import Foundation
import SDFCore
import Synchronization

/// Which `response_format` forms one endpoint (or pool of endpoints serving one model) has rejected during a run,
/// so that under ``StructuredOutputMode/auto`` every later request goes straight to the richest form it accepts.
///
/// Shared by every copy of the client it belongs to. The first rejection of each form is announced once through
/// `notice` (by default one `note:` line on stderr) and kept in ``notices``.
public final class StructuredOutputMemory: Sendable {
    let rejected = Mutex<Set<StructuredOutputForm>>([])
    let said = Mutex<[String]>([])
    let notice: @Sendable (String) -> Void

    /// Creates an empty memory.
    ///
    /// - Parameter notice: receives each fallback notice once (default: a line on stderr).
    public init(notice: @escaping @Sendable (String) -> Void = StructuredOutputMemory.printToStandardError) {
        self.notice = notice
    }

    /// Writes `text` and a newline to stderr.
    public static let printToStandardError: @Sendable (String) -> Void = { text in
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// The form to send under `mode`: for `auto` the first candidate this endpoint has not rejected
    /// (``StructuredOutputForm/off`` when it rejected them all); a forced mode's own form otherwise.
    public func form(for mode: StructuredOutputMode) -> StructuredOutputForm {
        // A forced form is always sent as such; only `auto` moves on after a rejection.
        guard mode == .auto else { return mode.firstForm }
        let gone = rejected.withLock { $0 }
        return mode.candidates.first { !gone.contains($0) } ?? .off
    }

    /// The forms this endpoint rejected so far.
    public var rejectedForms: Set<StructuredOutputForm> { rejected.withLock { $0 } }

    /// The notices given so far, in order.
    public var notices: [String] { said.withLock { $0 } }

    /// Records that `endpoint` rejected `form` (with the server's `message`) and says so once.
    ///
    /// - Returns: whether `mode` has another form to try.
    func reject(_ form: StructuredOutputForm, mode: StructuredOutputMode, endpoint: String, message: String) -> Bool {
        guard form != .off else { return false }
        let first = rejected.withLock { $0.insert(form).inserted }
        let next = self.form(for: mode)
        if first, mode == .auto {
            let text =
                "note: \(endpoint) rejects response_format \(form.rawValue) (\(message.prefix(160))); "
                + (next == .off ? "annotation requests to it go without response_format (free text, tolerant parser)" : "using \(next.rawValue) instead")
                + " for the rest of the run; each annotation records the form it used"
            said.withLock { $0.append(text) }
            notice(text)
        }
        return mode == .auto && next != form
    }
}

/// Sends a request in the richest `response_format` form the endpoint accepts (``StructuredOutputMode``), falling
/// back form by form when the server rejects the request because of `response_format`.
enum StructuredOutputNegotiation {
    /// Encodes `request` in the memory's current form, sends it with `send` (which retries transient failures and
    /// returns the answer and its attempts), and on a rejection of the form under `auto` tries the next one.
    ///
    /// The answer carries the form used (``ChatResponse/structuredOutput``) and the attempts made in that form (a
    /// rejected form is a negotiation, not a retry); a failure carries the form of its last attempt.
    static func run(
        _ request: ChatRequest, memory: StructuredOutputMemory, endpoint: String,
        send: (Data) async throws -> (ChatResponse, Int)
    ) async throws -> ChatResponse {
        while true {
            let form: StructuredOutputForm? = request.jsonSchema == nil ? nil : memory.form(for: request.structuredOutput)
            let body = try JSONEncoder().encode(WireChatRequest(request, form: form ?? .off))
            do {
                var (response, attempts) = try await send(body)
                response.attempts = attempts
                response.structuredOutput = form
                return response
            } catch var error as LLMError {
                error.structuredOutput = form
                if let form, error.rejectsStructuredOutput,
                    memory.reject(form, mode: request.structuredOutput, endpoint: endpoint, message: error.message)
                {
                    continue
                }
                throw error
            }
        }
    }
}

/// Classifies an HTTP error answer by its status code *and* what its body says.
enum ErrorClassifier {
    /// Whether the body says the request was rejected because of its `response_format` (an unsupported type, a
    /// schema the server's grammar engine cannot handle): the parameter named, or OpenAI's `param`.
    static func namesResponseFormat(_ body: String, param: String?) -> Bool {
        if param == "response_format" { return true }
        let text = body.lowercased()
        return ["response_format", "json_schema", "json_object", "json schema"].contains { text.contains($0) }
    }

    /// Whether a 5xx body is a request validation error (pydantic/FastAPI, as llama-cpp-python's server sends
    /// with status 500): the same request fails the same way, so it is a bad request, not a server failure.
    static func isValidationError(_ body: String) -> Bool {
        let text = body.lowercased()
        return ["validation error", "input should be", "extra inputs are not permitted", "field required", "unprocessable"]
            .contains { text.contains($0) }
    }

    /// Whether the body says the prompt does not fit the model's context (a 5xx at some servers).
    static func isContextLength(_ body: String) -> Bool {
        let text = body.lowercased()
        return ["context window", "context length", "context_length_exceeded", "exceed_context_size"].contains { text.contains($0) }
    }

    /// The error for a non-200 answer, or `nil` when status alone decides (the caller's default mapping).
    ///
    /// - 400, 422 or 5xx whose body names `response_format`: ``LLMError/Kind/badRequest`` with
    ///   ``LLMError/rejectsStructuredOutput`` (never retried; `auto` falls back to the next form).
    /// - 5xx whose body is a request validation or context-length error: ``LLMError/Kind/badRequest`` (never retried).
    static func classify(status: Int, body: String, param: String?, message: String) -> LLMError? {
        let rejectable = status == 400 || status == 422 || (500...599).contains(status)
        guard rejectable else { return nil }
        if namesResponseFormat(body, param: param) {
            var error = LLMError(.badRequest, "the server rejects this response_format: \(message)")
            error.rejectsStructuredOutput = true
            return error
        }
        if status >= 500, isValidationError(body) || isContextLength(body) {
            return LLMError(.badRequest, "the server rejects the request as such (HTTP \(status), not transient): \(message)")
        }
        return nil
    }
}
