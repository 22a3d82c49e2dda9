import Foundation

/// One slice of a design run on its own machine: shard `index` of `count` (`sdf run --shard INDEX/COUNT`).
///
/// `index` is 0-based, as Kubernetes' `JOB_COMPLETION_INDEX` and a Slurm array declared `--array=0-(COUNT-1)`
/// (`SLURM_ARRAY_TASK_ID`). The shards of one design partition its discussions (``ShardPartition``): every
/// discussion is in exactly one shard, with the ids, seeds, seed comment and personas of the unsharded run.
public struct ShardSpec: Codable, Sendable, Hashable, CustomStringConvertible {
    /// 0-based shard index, in `0..<count`.
    public var index: Int
    /// Number of shards, at least 1.
    public var count: Int

    /// The environment variables `auto/COUNT` reads the index from, in order: Kubernetes Indexed Jobs, then Slurm
    /// job arrays.
    public static let indexVariables = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"]

    /// The most shards a design may be split into.
    public static let maxCount = 100_000

    /// Creates a shard; the caller checks `0 <= index < count` (``parse(_:environment:)`` does).
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// `INDEX/COUNT`.
    public var description: String { "\(index)/\(count)" }

    /// Parses `INDEX/COUNT` (`0/3`, `2/3`) or `auto/COUNT`, which takes the index from the first of
    /// ``indexVariables`` set in `environment`.
    ///
    /// - Parameters:
    ///   - text: the `--shard` value.
    ///   - environment: the process environment (for `auto`).
    /// - Returns: the shard, with `0 <= index < count` and `1 <= count <= ` ``maxCount``.
    /// - Throws: ``ShardSpecError`` naming the value and what was expected.
    public static func parse(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else {
            throw ShardSpecError("--shard '\(text)': expected INDEX/COUNT (0-based index, e.g. 0/3) or auto/COUNT")
        }
        guard let count = Int(parts[1]), (1...maxCount).contains(count) else {
            throw ShardSpecError("--shard '\(text)': COUNT must be a whole number in 1...\(maxCount), got '\(parts[1])'")
        }
        let indexText: String
        if parts[0].lowercased() == "auto" {
            guard let name = indexVariables.first(where: { environment[$0] != nil }), let value = environment[name] else {
                throw ShardSpecError(
                    "--shard '\(text)': auto needs \(indexVariables.joined(separator: " or ")) in the environment "
                        + "(a Kubernetes Indexed Job or a Slurm array task); neither is set")
            }
            guard let index = Int(value.trimmingCharacters(in: .whitespaces)), (0..<count).contains(index) else {
                throw ShardSpecError("--shard '\(text)': \(name)=\(value) is not an index in 0...\(count - 1)")
            }
            return ShardSpec(index: index, count: count)
        } else {
            indexText = parts[0]
        }
        guard let index = Int(indexText) else {
            throw ShardSpecError("--shard '\(text)': INDEX must be a whole number or 'auto', got '\(indexText)'")
        }
        guard (0..<count).contains(index) else {
            throw ShardSpecError(
                "--shard '\(text)': INDEX must be in 0...\(count - 1) (0-based, like JOB_COMPLETION_INDEX; "
                    + "for Slurm use --array=0-\(count - 1)), got \(index)")
        }
        return ShardSpec(index: index, count: count)
    }
}

/// A bad `--shard` value: the message names the value and what was expected.
public struct ShardSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

extension ShardSpecError: SDFError {
    /// ``SDFExitCode/badFlags``.
    public var exitCode: SDFExitCode { .badFlags }
}

/// A deterministic split of a design's discussions into shards, balanced by expected LLM calls.
///
/// Algorithm (longest processing time first, Graham 1969, "Bounds on multiprocessing timing anomalies"): cells are
/// taken in decreasing weight (ties: design order) and each goes to the shard with the least weight so far (ties:
/// lowest index). The result depends only on the cells' order and weights, so every machine computes the same
/// partition. Bound: no shard's weight exceeds the mean weight per shard plus the largest single weight
/// (``ShardPartition/maxExcessBound``).
public struct ShardPartition: Codable, Sendable, Hashable {
    /// Per shard, in index order: its discussions and their weight.
    public var shards: [Share]
    /// The largest single cell weight.
    public var maxCellWeight: Int

    /// One shard's share.
    public struct Share: Codable, Sendable, Hashable {
        /// The discussion ids, in design order.
        public var discussionIds: [String]
        /// The sum of their weights (expected LLM calls).
        public var weight: Int
        /// Discussions per condition label.
        public var conditions: [String: Int]
    }

    /// Splits `cells` into `count` shards.
    ///
    /// - Parameters:
    ///   - cells: the design's cells in design order (``Design/cells``).
    ///   - count: number of shards, ≥ 1.
    ///   - weight: a cell's expected cost (LLM calls), ≥ 0; conditions with a moderator cost more.
    public init(cells: [DesignCell], count: Int, weight: (DesignCell) -> Int) {
        let n = max(count, 1)
        let weights = cells.map { max(weight($0), 0) }
        let order = cells.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        var load = [Int](repeating: 0, count: n)
        var owner = [Int](repeating: 0, count: cells.count)
        for i in order {
            var best = 0
            for s in 1..<n where load[s] < load[best] { best = s }
            owner[i] = best
            load[best] += weights[i]
        }
        var shards = (0..<n).map { _ in Share(discussionIds: [], weight: 0, conditions: [:]) }
        for (i, cell) in cells.enumerated() {
            shards[owner[i]].discussionIds.append(cell.discussionId)
            shards[owner[i]].weight += weights[i]
            shards[owner[i]].conditions[cell.condition.label, default: 0] += 1
        }
        self.shards = shards
        self.maxCellWeight = weights.max() ?? 0
    }

    /// The share of `shard`.
    public func share(_ shard: ShardSpec) -> Share { shards[shard.index] }

    /// The bound on ``maxExcess`` that the greedy assignment guarantees: the largest single cell weight.
    public var maxExcessBound: Double { Double(maxCellWeight) }

    /// The largest shard weight minus the mean shard weight; at most ``maxExcessBound`` by construction.
    public var maxExcess: Double {
        guard !shards.isEmpty else { return 0 }
        let mean = Double(shards.map(\.weight).reduce(0, +)) / Double(shards.count)
        return Double(shards.map(\.weight).max() ?? 0) - mean
    }
}
