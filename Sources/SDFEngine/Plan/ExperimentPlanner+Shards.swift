import Foundation
import SDFCore
import SDFStore

extension ExperimentPlanner {
    /// Expected LLM calls of one discussion of each condition, by condition id: user turns, moderator turns and
    /// annotation calls of the engine's schedule with no abstentions (the most there can be; see ``ExperimentPlan``).
    ///
    /// Every discussion of a condition makes the same number of calls (replicates differ in who speaks and what
    /// they say, not in how many turns), so one discussion per condition is simulated.
    ///
    /// - Throws: the prompt renderer's error for a malformed template.
    public static func expectedCallsPerDiscussion(_ experiment: Experiment) throws -> [String: Int] {
        let design = Design(experiment: experiment)
        var result: [String: Int] = [:]
        for condition in design.conditions {
            guard let cell = design.cells.first(where: { $0.condition == condition }) else { continue }
            let variant = experiment.experiment(for: condition)
            let renderer = try PromptRenderer(templates: variant.templates)
            let model = variant.spec.models.first { $0.name == condition.model } ?? ModelSettings()
            let table = ReplicateAssignment.table(for: variant)
            let plan = try DiscussionPlan(experiment: variant, cell: cell, renderer: renderer, assignment: table[cell.replicate])
            var c = ExperimentPlan.ConditionPlan(
                condition: condition, discussions: 0, userCalls: 0, moderatorCalls: 0, annotationCalls: 0, promptTokens: 0,
                completionTokens: 0, model: condition.model, annotationPromptTokens: 0, annotationCompletionTokens: 0)
            add(plan: plan, experiment: variant, model: model, renderer: renderer, to: &c)
            result[condition.id] = c.userCalls + c.moderatorCalls + c.annotationCalls
        }
        return result
    }

    /// The split of `experiment`'s discussions into `count` shards, balanced by
    /// ``expectedCallsPerDiscussion(_:)`` (``ShardPartition``): what `sdf run --shard INDEX/COUNT` runs.
    ///
    /// - Throws: the prompt renderer's error for a malformed template.
    public static func shardPartition(_ experiment: Experiment, count: Int) throws -> ShardPartition {
        let calls = try expectedCallsPerDiscussion(experiment)
        return ShardPartition(cells: Design(experiment: experiment).cells, count: count) { calls[$0.condition.id] ?? 1 }
    }

    /// The ``ShardRecord`` a shard store holds: the shard and every shard's share of `partition`.
    public static func shardRecord(_ experiment: Experiment, shard: ShardSpec, partition: ShardPartition) -> ShardRecord {
        ShardRecord(
            designHash: experiment.designHash, shardIndex: shard.index, shardCount: shard.count,
            shares: partition.shards.map {
                ShardRecord.Share(discussions: $0.discussionIds.count, expectedCalls: $0.weight, conditions: $0.conditions)
            })
    }
}
