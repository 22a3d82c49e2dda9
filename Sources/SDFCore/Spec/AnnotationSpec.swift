/// The `annotation` section of an experiment file: who annotates, what, how, and with which model.
///
/// YAML:
/// ```yaml
/// annotation:
///   annotators: annotators.json     # persona path or inline list; default: the built-in panel
///   instructions: {file: annotation.txt}   # default: built-in
///   rubric: [{name: toxicity, min: 1, max: 5, higherMeans: more toxic, labels: [...]}]  # default: toxicity + argument quality
///   historyLength: 4                # comments shown, ending with the target (default 4)
///   annotateModerator: true         # also score moderator comments (default true)
///   structuredOutput: auto          # response_format form: auto (default), json_schema, json_object, off
///   model: {endpoint: local, temperature: 0.2, maxTokens: 60}   # default: the first model's endpoint
///   concurrency: 4
/// ```
public struct AnnotationSpec: Codable, Sendable, Hashable {
    /// The annotator personas: a path or an inline list; `nil` uses ``DefaultData/annotatorsJSON``.
    public var annotators: PersonaSource?
    /// Annotation instructions; `nil` uses the built-in ones.
    public var instructions: TextSource?
    /// The rubric's dimensions; `nil` uses ``Rubric/default``.
    public var rubric: [RubricDimension]?
    /// Comments shown to the annotator, ending with the target comment (≥ 1; default 4).
    public var historyLength: Int
    /// Whether moderator comments are annotated too (default `true`).
    public var annotateModerator: Bool
    /// Which `response_format` form to send (default ``StructuredOutputMode/auto``: the richest one each endpoint accepts).
    public var structuredOutput: StructuredOutputMode
    /// The annotation model; `nil` uses the first discussion model's endpoint with temperature 0.2 and 64 tokens.
    public var model: ModelSettings?
    /// Annotation jobs in flight at once (default 4).
    public var concurrency: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case annotators, instructions, rubric, historyLength, annotateModerator, structuredOutput, model, concurrency
    }

    /// Creates a section with the documented defaults.
    public init(
        annotators: PersonaSource? = nil, instructions: TextSource? = nil, rubric: [RubricDimension]? = nil,
        historyLength: Int = 4, annotateModerator: Bool = true, structuredOutput: StructuredOutputMode = .auto, model: ModelSettings? = nil,
        concurrency: Int = 4
    ) {
        self.annotators = annotators
        self.instructions = instructions
        self.rubric = rubric
        self.historyLength = historyLength
        self.annotateModerator = annotateModerator
        self.structuredOutput = structuredOutput
        self.model = model
        self.concurrency = concurrency
    }

    /// Decodes strictly with defaults for missing keys.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            annotators: try c.decodeIfPresent(PersonaSource.self, forKey: .annotators),
            instructions: try c.decodeIfPresent(TextSource.self, forKey: .instructions),
            rubric: try c.decodeIfPresent([RubricDimension].self, forKey: .rubric),
            historyLength: try c.decodeIfPresent(Int.self, forKey: .historyLength) ?? 4,
            annotateModerator: try c.decodeIfPresent(Bool.self, forKey: .annotateModerator) ?? true,
            structuredOutput: try c.decodeIfPresent(StructuredOutputMode.self, forKey: .structuredOutput) ?? .auto,
            model: try c.decodeIfPresent(ModelSettings.self, forKey: .model),
            concurrency: try c.decodeIfPresent(Int.self, forKey: .concurrency) ?? 4)
    }
}

/// The annotation stage with every file read and every default filled in.
public struct AnnotationSetup: Codable, Sendable, Hashable {
    /// The annotation panel.
    public var annotators: [Persona]
    /// Instructions shown to every annotator.
    public var instructions: String
    /// The rubric.
    public var rubric: Rubric
    /// Comments shown, ending with the target.
    public var historyLength: Int
    /// Whether moderator comments are annotated.
    public var annotateModerator: Bool
    /// Which `response_format` form is sent (``StructuredOutputMode``).
    public var structuredOutput: StructuredOutputMode
    /// The model settings (name `annotation` unless given).
    public var model: ModelSettings
    /// Jobs in flight.
    public var concurrency: Int

    /// Creates a setup.
    public init(
        annotators: [Persona], instructions: String, rubric: Rubric, historyLength: Int, annotateModerator: Bool,
        structuredOutput: StructuredOutputMode, model: ModelSettings, concurrency: Int
    ) {
        self.annotators = annotators
        self.instructions = instructions
        self.rubric = rubric
        self.historyLength = historyLength
        self.annotateModerator = annotateModerator
        self.structuredOutput = structuredOutput
        self.model = model
        self.concurrency = concurrency
    }

    /// The default annotation model for an experiment: the first model's endpoint, temperature 0.2, 64 tokens.
    public static func defaultModel(for models: [ModelSettings]) -> ModelSettings {
        var model = models.first ?? ModelSettings()
        model.name = "annotator"
        model.temperature = 0.2
        model.maxTokens = 64
        return model
    }
}
