import SDFCore
import SDFLLM

/// One LLM call as the engine sees it: an answer, or a failure to record; cancellation propagates.
enum ModelCall {
    /// Calls `client`; maps every failure other than cancellation and authentication to an ``LLMError`` to be
    /// recorded.
    ///
    /// - Throws: `CancellationError` (Ctrl-C, shutdown): the caller stops without recording the call.
    ///   ``LLMError`` of kind ``LLMError/Kind/authentication`` (bad key, no permission, quota used up): every
    ///   other call would fail the same way, so the run stops at once, recording nothing for this call.
    ///   ``ReplayError`` (a replayed run met a request with no recorded call): the run stops, recording nothing for
    ///   this call.
    static func perform(_ client: any ChatModel, _ request: ChatRequest) async throws -> Result<ChatResponse, LLMError> {
        do {
            return .success(try await client.complete(request))
        } catch let error as LLMError where error.kind == .cancelled {
            throw CancellationError()
        } catch let error as LLMError where error.kind == .authentication {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as ReplayError {
            throw error
        } catch let error as LLMError {
            return .failure(error)
        } catch {
            return .failure(LLMError(.malformedResponse, "unexpected: \(error)"))
        }
    }
}

extension CallProvenance {
    /// Copies what the server reported about a successful call (model id, usage, latency, finish reason,
    /// attempts, the endpoint that answered).
    mutating func record(_ response: ChatResponse) {
        modelId = response.model
        promptTokens = response.usage.promptTokens
        completionTokens = response.usage.completionTokens
        cachedTokens = response.usage.cachedTokens
        latencyMs = response.latencyMs
        finishReason = response.finishReason
        attempts = response.attempts
        if let answered = response.endpoint { endpoint = answered }
    }

    /// Records a call that failed after its retries.
    mutating func record(_ error: LLMError) {
        self.error = error.recorded
        attempts = error.attempts
    }
}
