import SDFCore
import SDFStore

/// The data-quality section: discussion statuses, failures, abstentions, cleaning, annotation statuses.
enum QualitySection {
    /// The figures of the whole store (turns of unknown discussions are not counted).
    static func quality(_ input: AnalysisInput) -> DataQuality {
        let discussions = input.discussions
        var quality = DataQuality(
            discussions: discussions.count, done: discussions.filter { $0.status == .done }.count,
            failed: discussions.filter { $0.status == .failed }.count, running: discussions.filter { $0.status == .running }.count,
            abstentions: [:], flags: input.summary.flags, cleanedComments: 0, annotationStatus: [:], annotationStatusByAnnotator: [:],
            failedCalls: 0, analysedComments: input.analysed.count,
            unscoredComments: input.analysed.filter { input.usableValues[$0.id]?.isEmpty ?? true }.count,
            promptTokens: input.summary.promptTokens, completionTokens: input.summary.completionTokens)
        let known = Set(discussions.map(\.id))
        for t in input.turns where known.contains(t.discussionId) {
            switch t.outcome {
            case .abstention: quality.abstentions[t.role.rawValue, default: 0] += 1
            case .failed: quality.failedCalls += 1
            case .comment:
                if t.cleaningSteps.contains(where: { $0 != "whitespace" }) { quality.cleanedComments += 1 }
            }
        }
        for a in input.annotations {
            let status = a.status.rawValue
            quality.annotationStatus[status, default: 0] += 1
            quality.annotationStatusByAnnotator[a.annotator, default: [:]][status, default: 0] += 1
        }
        return quality
    }
}
