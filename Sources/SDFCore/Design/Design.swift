/// One cell of the experimental design: a moderation strategy × a model.
public struct Condition: Codable, Sendable, Hashable {
    /// Stable key, e.g. `strategy=guidelines;model=local`; used in seeds and stores.
    public var id: String
    /// Human label: the strategy name, or `strategy/model` when several models are compared.
    public var label: String
    /// The moderation strategy's name.
    public var strategy: String
    /// The model's name (``ModelSettings/name``).
    public var model: String

    /// Creates a condition.
    public init(strategy: String, model: String, label: String) {
        self.id = "strategy=\(strategy);model=\(model)"
        self.label = label
        self.strategy = strategy
        self.model = model
    }
}

/// One discussion to run: a condition, a replicate index, and the seed all its random choices derive from.
public struct DesignCell: Codable, Sendable, Hashable {
    /// The condition.
    public var condition: Condition
    /// 0-based replicate index within the condition.
    public var replicate: Int
    /// `derive(runSeed, condition.id, replicate)`: condition-specific randomness.
    public var seed: UInt64
    /// `derive(runSeed, replicate)`: shared by replicate *r* of every condition, so that the users, their
    /// roles, the seed comment, the user turn order and the sampling seeds are the same across conditions
    /// (a blocked design: conditions differ only by what the condition changes).
    public var replicateSeed: UInt64
    /// The discussion's id: a UUID derived from the same inputs and the design's namespace (stable across runs of
    /// the same design; different for different designs with the same seed).
    public var discussionId: String

    /// Creates a cell, deriving its seed from the run seed and its id from the run seed and `namespace`.
    public init(condition: Condition, replicate: Int, runSeed: UInt64, namespace: String = "") {
        self.condition = condition
        self.replicate = replicate
        self.seed = SeedDerivation.derive(runSeed, condition.id, "replicate-\(replicate)")
        self.replicateSeed = SeedDerivation.derive(runSeed, "replicate-\(replicate)")
        self.discussionId = SeedDerivation.uuid(runSeed, "discussion", namespace, condition.id, "replicate-\(replicate)")
    }
}

/// The experimental design as data: conditions (strategies × models) × replicates.
public struct Design: Codable, Sendable, Hashable {
    /// The conditions: models outermost, then strategies, each in file order.
    public var conditions: [Condition]
    /// Every discussion to run, condition by condition, replicates in order.
    public var cells: [DesignCell]

    /// Expands an experiment into its conditions and cells.
    public init(experiment: Experiment) {
        self.init(
            strategies: experiment.strategies.map(\.name), models: experiment.spec.models.map(\.name),
            replicates: experiment.spec.replicates, runSeed: experiment.spec.seed, namespace: experiment.designHash)
    }

    /// Expands the cross product of `strategies` × `models` with `replicates` discussions each.
    ///
    /// - Parameter namespace: mixed into the discussion ids (the experiment's design hash), so that different
    ///   designs never share ids.
    public init(strategies: [String], models: [String], replicates: Int, runSeed: UInt64, namespace: String = "") {
        var conditions: [Condition] = []
        for model in models {
            for strategy in strategies {
                let label = models.count > 1 ? "\(strategy)/\(model)" : strategy
                conditions.append(Condition(strategy: strategy, model: model, label: label))
            }
        }
        self.conditions = conditions
        self.cells = conditions.flatMap { condition in
            (0..<max(replicates, 0)).map { DesignCell(condition: condition, replicate: $0, runSeed: runSeed, namespace: namespace) }
        }
    }
}
