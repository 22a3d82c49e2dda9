/// One scored dimension of a rubric, e.g. toxicity 1–5 where higher means more toxic.
public struct RubricDimension: Codable, Sendable, Hashable {
    /// Key used in answers, stores and exports, e.g. `toxicity`, `argument_quality` (letters, digits, `_`).
    public var name: String
    /// What is scored, for the annotator.
    public var description: String
    /// Lowest point of the integer scale.
    public var min: Int
    /// Highest point of the integer scale (> `min`).
    public var max: Int
    /// A label per point, from `min` to `max` (`max − min + 1` entries), e.g. `["not toxic", …, "extremely toxic"]`.
    public var labels: [String]
    /// What a higher value means, stated explicitly: e.g. `more toxic`, `better argument`.
    public var higherMeans: String

    enum CodingKeys: String, CodingKey, CaseIterable { case name, description, min, max, labels, higherMeans }

    /// Creates a dimension.
    public init(name: String, description: String, min: Int, max: Int, labels: [String], higherMeans: String) {
        self.name = name
        self.description = description
        self.min = min
        self.max = max
        self.labels = labels
        self.higherMeans = higherMeans
    }

    /// Decodes strictly; every key but `description` and `labels` is required.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name),
            description: try c.decodeIfPresent(String.self, forKey: .description) ?? "",
            min: try c.decode(Int.self, forKey: .min), max: try c.decode(Int.self, forKey: .max),
            labels: try c.decodeIfPresent([String].self, forKey: .labels) ?? [],
            higherMeans: try c.decode(String.self, forKey: .higherMeans))
    }

    /// The scale's points, `min...max`.
    public var points: ClosedRange<Int> { min...max }
}

/// What annotators score: one or more dimensions.
public struct Rubric: Codable, Sendable, Hashable {
    /// The dimensions, in the order they are asked for.
    public var dimensions: [RubricDimension]

    /// Creates a rubric.
    public init(dimensions: [RubricDimension]) { self.dimensions = dimensions }

    /// Toxicity 1–5 (higher = more toxic) and argument quality 1–5 (higher = better): SDF's default rubric.
    public static let `default` = Rubric(dimensions: [
        RubricDimension(
            name: "toxicity",
            description: "How rude, disrespectful, hateful or aggressive the comment is toward others.",
            min: 1, max: 5,
            labels: ["not toxic", "slightly toxic", "moderately toxic", "very toxic", "extremely toxic"],
            higherMeans: "more toxic"),
        RubricDimension(
            name: "argument_quality",
            description: "How well the comment argues its point: clear claims, reasons or evidence, relevance to the discussion.",
            min: 1, max: 5,
            labels: ["very poor", "poor", "fair", "good", "excellent"],
            higherMeans: "better argument"),
    ])

    /// A JSON schema for an object with one integer per dimension within its scale, all required, nothing else.
    ///
    /// Sent as `response_format` to servers with structured output (llama.cpp, vLLM, OpenAI).
    public var jsonSchema: String {
        let properties = dimensions.map { d in
            "\"\(d.name)\":{\"type\":\"integer\",\"minimum\":\(d.min),\"maximum\":\(d.max)}"
        }.joined(separator: ",")
        let required = dimensions.map { "\"\($0.name)\"" }.joined(separator: ",")
        return "{\"type\":\"object\",\"properties\":{\(properties)},\"required\":[\(required)],\"additionalProperties\":false}"
    }
}
