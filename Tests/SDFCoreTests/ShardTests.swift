import Foundation
import SDFCore
import Testing

@Suite("Shards: --shard values and the balanced partition")
struct ShardTests {
    @Test func indexSlashCountParses() throws {
        #expect(try ShardSpec.parse("0/3") == ShardSpec(index: 0, count: 3))
        #expect(try ShardSpec.parse("2/3") == ShardSpec(index: 2, count: 3))
        #expect(try ShardSpec.parse(" 0 / 1 ") == ShardSpec(index: 0, count: 1))
        #expect(ShardSpec(index: 1, count: 4).description == "1/4")
    }

    @Test func autoReadsKubernetesThenSlurm() throws {
        #expect(try ShardSpec.parse("auto/4", environment: ["JOB_COMPLETION_INDEX": "3"]) == ShardSpec(index: 3, count: 4))
        #expect(try ShardSpec.parse("auto/4", environment: ["SLURM_ARRAY_TASK_ID": "1"]) == ShardSpec(index: 1, count: 4))
        #expect(
            try ShardSpec.parse("auto/4", environment: ["JOB_COMPLETION_INDEX": "2", "SLURM_ARRAY_TASK_ID": "1"]) == ShardSpec(index: 2, count: 4))
    }

    @Test func badValuesNameTheValueAndWhatWasExpected() {
        func message(_ text: String, _ env: [String: String] = [:]) -> String {
            do {
                _ = try ShardSpec.parse(text, environment: env)
                return "parsed"
            } catch let error as ShardSpecError {
                #expect(error.exitCode == .badFlags)
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(message("3/3").contains("INDEX must be in 0...2"))
        #expect(message("3/3").contains("--array=0-2"))
        #expect(message("-1/3").contains("INDEX must be in 0...2"))
        #expect(message("1/0").contains("COUNT must be a whole number in 1..."))
        #expect(message("1").contains("expected INDEX/COUNT"))
        #expect(message("1/2/3").contains("expected INDEX/COUNT"))
        #expect(message("a/2").contains("INDEX must be a whole number or 'auto', got 'a'"))
        #expect(message("auto/2").contains("JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID"))
        #expect(message("auto/2", ["SLURM_ARRAY_TASK_ID": "5"]).contains("SLURM_ARRAY_TASK_ID=5 is not an index in 0...1"))
    }

    /// A design of 3 conditions × 7 replicates; condition weights 10, 25, 40 calls.
    func cells() -> [DesignCell] {
        Design(strategies: ["none", "guidelines", "strict"], models: ["m"], replicates: 7, runSeed: 5).cells
    }

    func weight(_ cell: DesignCell) -> Int { ["none": 10, "guidelines": 25, "strict": 40][cell.condition.strategy]! }

    @Test func everyDiscussionIsInExactlyOneShard() {
        let all = cells()
        for count in 1...8 {
            let partition = ShardPartition(cells: all, count: count, weight: weight)
            let ids = partition.shards.flatMap(\.discussionIds)
            #expect(ids.count == all.count && Set(ids) == Set(all.map(\.discussionId)), "count \(count)")
            #expect(partition.shards.count == count)
            // Each share keeps design order.
            let position = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1.discussionId, $0) })
            for share in partition.shards {
                #expect(share.discussionIds.map { position[$0]! } == share.discussionIds.map { position[$0]! }.sorted())
                #expect(share.weight == share.discussionIds.map { id in weight(all.first { $0.discussionId == id }!) }.reduce(0, +))
                #expect(share.conditions.values.reduce(0, +) == share.discussionIds.count)
            }
        }
    }

    @Test func sharesAreBalancedByWeightWithinTheLPTBound() {
        let all = cells()
        let total = all.map(weight).reduce(0, +)  // 7 × 75 = 525
        #expect(total == 525)
        for count in 2...6 {
            let partition = ShardPartition(cells: all, count: count, weight: weight)
            #expect(partition.maxCellWeight == 40)
            #expect(partition.maxExcess <= partition.maxExcessBound, "count \(count): \(partition.shards.map(\.weight))")
        }
        // 3 shards: 525 / 3 = 175 each is reachable and LPT finds it here.
        let three = ShardPartition(cells: all, count: 3, weight: weight)
        #expect(three.shards.map(\.weight) == [175, 175, 175])
        // Splitting the design order into thirds would give 70, 175, 280 calls; here each shard mixes the conditions.
        #expect(three.shards.allSatisfy { $0.conditions.count == 3 })
    }

    @Test func thePartitionIsAFunctionOfTheDesign() {
        let a = ShardPartition(cells: cells(), count: 4, weight: weight)
        let b = ShardPartition(cells: cells(), count: 4, weight: weight)
        #expect(a == b)
        let one = ShardPartition(cells: cells(), count: 1, weight: weight)
        #expect(one.shards[0].discussionIds == cells().map(\.discussionId))
    }
}
