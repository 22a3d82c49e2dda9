import SDFCore
import Testing

@testable import SDFAnalysis

@Suite("Rubric of an imported panel")
struct ImportedRubricTests {
    @Test("dimensions of every annotator count, not only the first one's; unknown labels stay unknown")
    func unionOfDimensions() {
        let toxicity = RubricDimension(
            name: "toxicity", description: "unknown (not stated in the annotation prompt)", min: 1, max: 5, labels: [],
            higherMeans: "more toxic")
        let quality = RubricDimension(
            name: "argument_quality", description: "as asked", min: 1, max: 5, labels: ["a", "b", "c", "d", "e"],
            higherMeans: "better argument")
        let annotators = [
            "annotator-1": AnnotatorRecord(username: "annotator-1", persona: Persona(username: "annotator-1"), systemPrompt: "", rubric: Rubric(dimensions: [toxicity])),
            "annotator-2": AnnotatorRecord(username: "annotator-2", persona: Persona(username: "annotator-2"), systemPrompt: "", rubric: Rubric(dimensions: [toxicity, quality])),
        ]
        let dimensions = ExperimentAnalysis.rubric(annotators: annotators, annotations: [])
        #expect(dimensions == [toxicity, quality])
        #expect(dimensions[0].labels != Rubric.default.dimensions[0].labels)
    }
}
