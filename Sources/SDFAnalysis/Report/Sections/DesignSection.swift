import SDFCore
import SDFStore

/// The design section: one ``ConditionDesign`` per condition found in the store.
enum DesignSection {
    /// The conditions, in the input's condition order.
    static func conditions(_ input: AnalysisInput) -> [ConditionDesign] {
        input.conditionOrder.map { design(of: $0, input.discussionsByCondition[$0] ?? []) }
    }

    /// One condition from its discussions (at least one; the first gives id, strategy and model).
    static func design(of label: String, _ discussions: [DiscussionRecord]) -> ConditionDesign {
        let first = discussions[0]
        return ConditionDesign(
            id: first.conditionId, label: label, strategy: first.strategy, model: first.modelName,
            replicates: Set(discussions.map(\.replicate)).count, discussions: discussions.count,
            done: discussions.filter { $0.status == .done }.count, failed: discussions.filter { $0.status == .failed }.count,
            running: discussions.filter { $0.status == .running }.count,
            turnTaking: Array(Set(discussions.map(\.turnTaking.description))).sorted(),
            userTurns: Array(Set(discussions.map(\.userTurns))).sorted())
    }
}
