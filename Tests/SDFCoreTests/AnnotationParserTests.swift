import Foundation
import Testing

@testable import SDFCore

/// One realistic annotator answer with what the parser must make of it.
struct AnnotationParseCase: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var rubric: Rubric
    var status: AnnotationParseStatus
    var values: [String: Int]
    var method: AnnotationParseMethod?
    var detail: String?

    init(
        _ name: String, _ text: String, rubric: Rubric = .default, _ status: AnnotationParseStatus,
        _ values: [String: Int], method: AnnotationParseMethod? = nil, detail: String? = nil
    ) {
        self.name = name
        self.text = text
        self.rubric = rubric
        self.status = status
        self.values = values
        self.method = method
        self.detail = detail
    }

    var testDescription: String { name }
}

enum ParserRubrics {
    /// The one-dimension toxicity rubric of the 2024 tools (`Toxicity=N`).
    static let toxicityOnly = Rubric(dimensions: [
        RubricDimension(
            name: "toxicity", description: "How toxic the comment is.", min: 1, max: 5, labels: [],
            higherMeans: "more toxic")
    ])
    /// A custom one-dimension rubric starting at zero.
    static let constructiveness = Rubric(dimensions: [
        RubricDimension(
            name: "constructiveness", description: "Does the comment move the discussion forward?", min: 0, max: 3,
            labels: ["not at all", "a little", "somewhat", "very"], higherMeans: "more constructive")
    ])
    /// Two dimensions where one name is part of the other.
    static let nested = Rubric(dimensions: [
        RubricDimension(name: "quality", description: "", min: 1, max: 5, labels: [], higherMeans: "better"),
        RubricDimension(name: "argument_quality", description: "", min: 1, max: 5, labels: [], higherMeans: "better"),
    ])
}

let annotationParseCases: [AnnotationParseCase] = [
    // JSON
    .init("clean JSON", #"{"toxicity": 2, "argument_quality": 4}"#, .ok, ["toxicity": 2, "argument_quality": 4], method: .json),
    .init(
        "JSON with other key spellings, numeric string and whole float",
        #"{"Toxicity": "3", "ArgumentQuality": 5.0}"#, .ok, ["toxicity": 3, "argument_quality": 5], method: .json),
    .init(
        "JSON in a json code fence", "```json\n{\"toxicity\": 1, \"argument quality\": 3}\n```", .ok,
        ["toxicity": 1, "argument_quality": 3], method: .fencedJSON),
    .init(
        "JSON embedded after prose, with prose after",
        "Here is my rating of the comment:\n{\"toxicity\": 4, \"argument-quality\": 2}\nThe comment attacks the other user.",
        .ok, ["toxicity": 4, "argument_quality": 2], method: .fencedJSON),
    .init(
        "JSON with a brace inside a string value",
        #"Sure! {"reason": "uses {placeholders}", "toxicity": 1, "argument_quality": 2}"#, .ok,
        ["toxicity": 1, "argument_quality": 2], method: .fencedJSON),
    .init(
        "JSON nested under a scores key", #"{"scores": {"toxicity": 1, "argument_quality": 2}, "reason": "polite"}"#,
        .ok, ["toxicity": 1, "argument_quality": 2], method: .json),
    .init(
        "JSON with score objects per dimension",
        #"{"toxicity": {"score": 4, "reason": "insult"}, "argument_quality_score": {"score": 2}}"#, .ok,
        ["toxicity": 4, "argument_quality": 2], method: .json),
    .init(
        "JSON non-whole float", #"{"toxicity": 3.5, "argument_quality": 2}"#, .outOfRange, ["argument_quality": 2],
        method: .json, detail: "toxicity = 3.5 is not a whole point of 1...5"),
    .init(
        "JSON out of range", #"{"toxicity": 7, "argument_quality": 3}"#, .outOfRange, ["argument_quality": 3],
        method: .json, detail: "toxicity = 7 is outside 1...5"),
    .init(
        "JSON missing a dimension", #"{"toxicity": 2}"#, .missingDimension, ["toxicity": 2], method: .json,
        detail: "missing argument_quality"),
    .init(
        "JSON null value counts as missing", #"{"toxicity": 2, "argument_quality": null}"#, .missingDimension,
        ["toxicity": 2], detail: "missing argument_quality"),
    .init(
        "JSON word value", #"{"toxicity": "high", "argument_quality": 3}"#, .unparseable, ["argument_quality": 3],
        detail: #"toxicity: expected an integer, got "high""#),
    .init(
        "JSON boolean value", #"{"toxicity": true, "argument_quality": 3}"#, .unparseable, ["argument_quality": 3],
        detail: "got true"),
    .init(
        "JSON duplicate dimension under two spellings", #"{"toxicity": 2, "Toxicity": 4, "argument_quality": 3}"#,
        .unparseable, ["argument_quality": 3], detail: "conflicting values for toxicity"),
    .init(
        "JSON object without rubric keys", #"{"label": "neutral", "confidence": 0.9}"#, .missingDimension, [:],
        method: .json, detail: "missing toxicity, argument_quality"),
    .init(
        "Python dict is read as key-value text", "{'toxicity': 2, 'argument_quality': 3}", .ok,
        ["toxicity": 2, "argument_quality": 3], method: .keyValue),

    // Free text
    .init("legacy key=value lines", "Toxicity=2\nArgumentQuality=4", .ok, ["toxicity": 2, "argument_quality": 4], method: .keyValue),
    .init(
        "two dimensions on one line", "toxicity: 1, argument quality: 5", .ok, ["toxicity": 1, "argument_quality": 5]),
    .init(
        "bold labels with denominators", "**Toxicity**: 3/5\n**Argument quality**: 2/5", .ok,
        ["toxicity": 3, "argument_quality": 2], method: .keyValue),
    .init(
        "markdown bullets, reversed order, colon inside bold", "- **Argument Quality:** 4\n- **Toxicity:** 1", .ok,
        ["toxicity": 1, "argument_quality": 4]),
    .init("dash separators", "Toxicity - 2\nArgument quality - 3", .ok, ["toxicity": 2, "argument_quality": 3]),
    .init("score suffix", "Toxicity score: 4\nArgument quality score: 1", .ok, ["toxicity": 4, "argument_quality": 1]),
    .init(
        "scale in parentheses before the colon", "Argument quality (1-5): 4\nToxicity (1-5): 2", .ok,
        ["toxicity": 2, "argument_quality": 4]),
    .init(
        "scale anchors in parentheses",
        "Toxicity (1 = not toxic, 5 = extremely toxic): 5\nArgument quality (1 = very poor, 5 = excellent): 1", .ok,
        ["toxicity": 5, "argument_quality": 1]),
    .init(
        "bare scale between label and colon", "Toxicity 1-5: 4\nArgument quality 1-5: 2", .ok,
        ["toxicity": 4, "argument_quality": 2]),
    .init(
        "scale mentions in prose are not values",
        "On a 1-5 scale, I would rate this comment as follows.\nToxicity: 2\nArgument quality: 3\nOverall it is civil.",
        .ok, ["toxicity": 2, "argument_quality": 3]),
    .init(
        "scale phrase after the label", "Toxicity on a scale of 1 to 5: 2. Argument quality on a 1-5 scale: 3", .ok,
        ["toxicity": 2, "argument_quality": 3]),
    .init(
        "prose with 'as'", "I'd rate the toxicity as 1 and the argument quality as a 4.", .ok,
        ["toxicity": 1, "argument_quality": 4]),
    .init(
        "prose before and explanation after",
        "Let me think about this comment carefully. It disagrees politely.\n\nToxicity: 1\nArgument quality: 3\n\n"
            + "Explanation: the toxicity is low because no one is insulted; it offers one reason.",
        .ok, ["toxicity": 1, "argument_quality": 3]),
    .init(
        "markdown table", "| Dimension | Score |\n|---|---|\n| Toxicity | 2 |\n| Argument quality | 4 |", .ok,
        ["toxicity": 2, "argument_quality": 4]),
    .init(
        "spelled-out numbers", "Toxicity: three\nArgument quality: Four", .ok, ["toxicity": 3, "argument_quality": 4],
        method: .spelledOut),
    .init(
        "number word starting prose is not a value", "Toxicity: 2\nArgument quality: one could argue either way.",
        .missingDimension, ["toxicity": 2], detail: "missing argument_quality"),
    .init(
        "numbered list under a heading is not a value",
        "Toxicity: 1\nArgument quality:\n1. Clear claim\n2. No evidence", .missingDimension, ["toxicity": 1]),
    .init(
        "value on the next line after a colon", "Toxicity:\n2\nArgument quality:\n5", .ok,
        ["toxicity": 2, "argument_quality": 5]),
    .init(
        "Windows line ends", "toxicity: 2\r\nargument quality: 3\r\n", .ok, ["toxicity": 2, "argument_quality": 3]),
    .init(
        "out of range in free text", "Toxicity: 6\nArgument quality: 3", .outOfRange, ["argument_quality": 3],
        method: .keyValue, detail: "toxicity = 6 is outside 1...5"),
    .init(
        "zero out of five", "Toxicity: 0/5, Argument quality: 3/5", .outOfRange, ["argument_quality": 3],
        detail: "toxicity = 0/5 is outside 1...5"),
    .init(
        "negative value", "Toxicity: -1\nArgument quality: 3", .outOfRange, ["argument_quality": 3],
        detail: "toxicity = -1 is outside 1...5"),
    .init(
        "another scale's denominator", "Toxicity: 3/10\nArgument quality: 4/10", .outOfRange, [:],
        detail: "toxicity = 3/10 is on another scale than 1...5"),
    .init(
        "half point in free text", "Toxicity: 2.5\nArgument quality: 4", .outOfRange, ["argument_quality": 4],
        detail: "toxicity = 2.5 is not a whole point of 1...5"),
    .init(
        "whole decimal in free text", "Toxicity: 2.0\nArgument quality: 4.", .ok, ["toxicity": 2, "argument_quality": 4]),
    .init(
        "missing dimension in free text", "Toxicity: 2\nThe argument is weak.", .missingDimension, ["toxicity": 2],
        method: .keyValue, detail: "missing argument_quality"),
    .init(
        "N/A value", "Toxicity: 1\nArgument quality: N/A", .missingDimension, ["toxicity": 1],
        detail: "missing argument_quality"),
    .init(
        "a range given as the answer is not a value", "Toxicity: 1-2\nArgument quality: 3", .missingDimension,
        ["argument_quality": 3]),
    .init(
        "conflicting duplicates", "Toxicity: 2\nArgument quality: 3\n\nOn reflection, Toxicity: 4", .unparseable,
        ["argument_quality": 3], detail: "conflicting values for toxicity: 2 and 4"),
    .init(
        "same value repeated in another form", "Toxicity: 2\nArgument quality: 5\nFinal answer: toxicity = two/5",
        .ok, ["toxicity": 2, "argument_quality": 5], method: .spelledOut),
    .init(
        "refusal wording next to values is not a refusal",
        "I can't be completely sure, but Toxicity: 2, Argument quality: 3", .ok,
        ["toxicity": 2, "argument_quality": 3]),
    .init(
        "longer label wins over a name inside it", "Argument quality: 4\nQuality: 2", rubric: ParserRubrics.nested,
        .ok, ["argument_quality": 4, "quality": 2]),
    .init(
        "label must be a whole word", "Nontoxicity: 5\nArgumentQuality: 2", .missingDimension,
        ["argument_quality": 2], detail: "missing toxicity"),

    // Refusals and nothing
    .init("refusal", "I cannot rate this comment.", .refusal, [:], method: .none),
    .init("as an AI refusal", "As an AI, I can't make judgements about people's opinions.", .refusal, [:]),
    .init("sorry refusal with typographic apostrophes", "I’m sorry, but I won’t score this.", .refusal, [:]),
    .init(
        "refusal that names a dimension", "I cannot rate the toxicity of this comment.", .refusal, [:],
        detail: "I cannot"),
    .init("empty answer", "", .unparseable, [:], method: .none, detail: "empty answer"),
    .init("whitespace answer", "  \n ", .unparseable, [:], detail: "empty answer"),
    .init(
        "prose without values", "The comment is somewhat rude but makes a fair point.", .unparseable, [:],
        method: .none, detail: "no rubric dimension found"),
    .init(
        "echoed template", "Toxicity=<number>\nArgumentQuality=<number>", .unparseable, [:],
        detail: "no readable value after toxicity, argument_quality"),

    // One-dimension rubrics
    .init("legacy Toxicity=N", "Toxicity=3", rubric: ParserRubrics.toxicityOnly, .ok, ["toxicity": 3], method: .keyValue),
    .init("legacy Toxicity=?", "Toxicity=?", rubric: ParserRubrics.toxicityOnly, .unparseable, [:]),
    .init(
        "bare number without a label", "**Your response here:** 1", rubric: ParserRubrics.toxicityOnly, .unparseable,
        [:]),
    .init(
        "legacy spelled-out capitalised", "toxicity = Five", rubric: ParserRubrics.toxicityOnly, .ok, ["toxicity": 5],
        method: .spelledOut),
    .init(
        "legacy out of range", "Toxicity=9", rubric: ParserRubrics.toxicityOnly, .outOfRange, [:],
        detail: "toxicity = 9 is outside 1...5"),
    .init(
        "unlabelled code fence", "```\n{\"toxicity\": 2}\n```", rubric: ParserRubrics.toxicityOnly, .ok,
        ["toxicity": 2], method: .fencedJSON),
    .init(
        "zero spelled out on a 0-based scale", "Constructiveness: zero", rubric: ParserRubrics.constructiveness, .ok,
        ["constructiveness": 0], method: .spelledOut),
    .init(
        "three out of three", "Constructiveness: 3 out of 3", rubric: ParserRubrics.constructiveness, .ok,
        ["constructiveness": 3]),
    .init(
        "JSON below a 0-based scale", #"{"constructiveness": -1}"#, rubric: ParserRubrics.constructiveness,
        .outOfRange, [:], detail: "constructiveness = -1 is outside 0...3"),
    .init(
        "default-rubric answer against a custom rubric", "Toxicity: 2\nArgument quality: 3",
        rubric: ParserRubrics.constructiveness, .unparseable, [:], detail: "no rubric dimension found"),
]

@Suite struct AnnotationParserTests {
    @Test(arguments: annotationParseCases)
    func parses(_ c: AnnotationParseCase) {
        let result = AnnotationParser.parse(c.text, rubric: c.rubric)
        #expect(result.status == c.status, "\(result)")
        #expect(result.values == c.values, "\(result)")
        if let method = c.method { #expect(result.method == method, "\(result)") }
        if let detail = c.detail {
            #expect(result.detail?.contains(detail) == true, "detail: \(result.detail ?? "nil")")
        }
        if result.status == .ok {
            #expect(result.detail == nil)
            #expect(Set(result.values.keys) == Set(c.rubric.dimensions.map(\.name)))
        } else {
            #expect(result.detail != nil)
        }
    }

    @Test func tableIsLargeAndCoversEveryStatus() {
        #expect(annotationParseCases.count >= 30)
        let statuses = Set(annotationParseCases.map(\.status))
        #expect(statuses == [.ok, .outOfRange, .missingDimension, .refusal, .unparseable])
        #expect(Set(annotationParseCases.map(\.name)).count == annotationParseCases.count, "case names are unique")
    }

    @Test func failuresNeverInventValues() {
        for c in annotationParseCases {
            let result = AnnotationParser.parse(c.text, rubric: c.rubric)
            for (name, value) in result.values {
                let dimension = c.rubric.dimensions.first { $0.name == name }
                #expect(dimension?.points.contains(value) == true, "\(c.name): \(name) = \(value)")
            }
        }
    }

    @Test func resultRoundTripsThroughJSON() throws {
        let result = AnnotationParser.parse("Toxicity: 6\nArgument quality: 3", rubric: .default)
        let data = try JSONEncoder().encode(result)
        #expect(try JSONDecoder().decode(AnnotationParseResult.self, from: data) == result)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["status"] as? String == "outOfRange")
    }

    @Test func rubricWithoutDimensionsIsUnparseable() {
        let result = AnnotationParser.parse(#"{"toxicity": 2}"#, rubric: Rubric(dimensions: []))
        #expect(result.status == .unparseable)
        #expect(result.values.isEmpty)
    }

    @Test func parsingIsDeterministic() {
        for c in annotationParseCases {
            #expect(AnnotationParser.parse(c.text, rubric: c.rubric) == AnnotationParser.parse(c.text, rubric: c.rubric))
        }
    }
}
