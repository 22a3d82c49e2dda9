import SDFCore

extension ChatRequest {
    /// The request's sampling parameters as recorded with a call (stop sequences, penalties and `extraBody`
    /// included).
    public var samplingParameters: SamplingParameters {
        SamplingParameters(
            temperature: temperature, topP: topP, maxTokens: maxTokens, seed: seed, stop: stop,
            frequencyPenalty: frequencyPenalty, presencePenalty: presencePenalty, extraBody: extraBody)
    }

    /// The request in ``CallKey``'s canonical form, as sent with `response_format` form `form`.
    ///
    /// - Parameter form: the `response_format` form actually sent (``ChatResponse/structuredOutput`` or
    ///   ``LLMError/structuredOutput`` of the call); `nil` or `off`, or a request without ``jsonSchema``, means none.
    public func canonical(form: StructuredOutputForm?) -> CallKey.Request {
        CallKey.Request(
            model: model, messages: messages.map { CallKey.Message(role: $0.role, content: $0.content) },
            sampling: samplingParameters, responseFormat: CallKey.ResponseFormat(form: form, schema: jsonSchema))
    }

    /// The request's content address (``CallKey``) as sent with `response_format` form `form`: SHA-256 hex.
    public func callKey(form: StructuredOutputForm?) -> String { canonical(form: form).key }

    /// The forms this request may have been sent in, in the order a client tries them: `[nil]` without a JSON
    /// schema, else ``StructuredOutputMode/candidates`` of ``structuredOutput``.
    public var possibleForms: [StructuredOutputForm?] {
        jsonSchema == nil ? [nil] : structuredOutput.candidates.map { Optional($0) }
    }
}
