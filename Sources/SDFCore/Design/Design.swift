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
    /// The factor levels of the condition, in factor order; empty when the experiment has no factors.
    public var levels: [FactorLevel]
    /// For a branched condition of a design with `branching:`, the branch point *K* its discussions start from (a
    /// copy of the trunk's first *K* user turns); `nil` for trunk conditions and designs without branching.
    public var branchTurn: Int?

    /// Creates a condition. With factor levels, the id gains `;factor=level` for each
    /// (`strategy=guidelines;model=local;trolls=none`) and the label `/factor=level` for each
    /// (`guidelines/trolls=none`); without, both are as they were before factors existed.
    public init(strategy: String, model: String, label: String, levels: [FactorLevel] = []) {
        self.id = "strategy=\(strategy);model=\(model)" + levels.map { ";\($0)" }.joined()
        self.label = label + levels.map { "/\($0)" }.joined()
        self.strategy = strategy
        self.model = model
        self.levels = levels
    }

    /// This condition branched at user turn `k`: the id gains `;branch_turn=K` and the label `/branch_turn=K` (after
    /// any factor levels), so that each (condition, *K*) pair of a design with several branch points is a condition
    /// of its own, shown like a factor level.
    public func branched(atTurn k: Int) -> Condition {
        var copy = self
        copy.id += ";branch_turn=\(k)"
        copy.label += "/branch_turn=\(k)"
        copy.branchTurn = k
        return copy
    }

    /// The level of `factor`, if the condition has it.
    public func level(of factor: String) -> String? { levels.first { $0.factor == factor }?.level }
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
    /// For a cell of a branched condition: the trunk cell's discussion id (replicate *r* of the condition with the
    /// trunk strategy and the same model and factor levels); `nil` otherwise.
    public var trunkDiscussionId: String?

    /// Creates a cell, deriving its seed from the run seed and its id from the run seed and `namespace`.
    public init(condition: Condition, replicate: Int, runSeed: UInt64, namespace: String = "") {
        self.condition = condition
        self.replicate = replicate
        self.seed = SeedDerivation.derive(runSeed, condition.id, "replicate-\(replicate)")
        self.replicateSeed = SeedDerivation.derive(runSeed, "replicate-\(replicate)")
        self.discussionId = SeedDerivation.uuid(runSeed, "discussion", namespace, condition.id, "replicate-\(replicate)")
    }
}

/// The experimental design as data: conditions (strategies × models × factor level combinations) × replicates.
public struct Design: Codable, Sendable, Hashable {
    /// The conditions: models outermost, then strategies, then factor level combinations, each in file order.
    public var conditions: [Condition]
    /// Every discussion to run, condition by condition, replicates in order.
    public var cells: [DesignCell]

    /// Expands an experiment into its conditions and cells.
    public init(experiment: Experiment) {
        self.init(
            strategies: experiment.strategies.map(\.name), models: experiment.spec.models.map(\.name),
            replicates: experiment.spec.replicates, runSeed: experiment.spec.seed, namespace: experiment.idNamespace,
            levelCombinations: experiment.levelCombinations)
        if let branching = experiment.spec.branching {
            branch(branching, runSeed: experiment.spec.seed, namespace: experiment.idNamespace)
        }
    }

    /// Turns every condition whose strategy is not `branching.from` into one branched condition per branch point
    /// (``Condition/branched(atTurn:)``, in `atTurn` order), and links each of their cells to its trunk cell (the
    /// condition with strategy `from` and the same model and factor levels, same replicate). Trunk conditions keep
    /// their ids, so their discussions are those of the same design without branching.
    ///
    /// - Parameters:
    ///   - runSeed: the experiment's seed; `namespace`: its design hash (as for ``init(strategies:models:replicates:runSeed:namespace:levelCombinations:)``).
    public mutating func branch(_ branching: BranchingSpec, runSeed: UInt64, namespace: String) {
        let trunks = Dictionary(
            cells.filter { $0.condition.strategy == branching.from }.map { ("\($0.condition.model)|\(FactorLevel.key($0.condition.levels))|\($0.replicate)", $0.discussionId) },
            uniquingKeysWith: { a, _ in a })
        var newConditions: [Condition] = []
        var newCells: [DesignCell] = []
        for condition in conditions {
            let own = cells.filter { $0.condition == condition }
            if condition.strategy == branching.from {
                newConditions.append(condition)
                newCells += own
                continue
            }
            for k in branching.atTurn {
                let branched = condition.branched(atTurn: k)
                newConditions.append(branched)
                for cell in own {
                    // Seeds and ids as for any cell of the branched condition: derived from its id.
                    var copy = DesignCell(condition: branched, replicate: cell.replicate, runSeed: runSeed, namespace: namespace)
                    copy.trunkDiscussionId = trunks["\(condition.model)|\(FactorLevel.key(condition.levels))|\(cell.replicate)"]
                    newCells.append(copy)
                }
            }
        }
        conditions = newConditions
        cells = newCells
    }

    /// Expands the cross product of `strategies` × `models` × `levelCombinations` with `replicates` discussions each.
    ///
    /// - Parameters:
    ///   - namespace: mixed into the discussion ids (the experiment's design hash), so that different designs never
    ///     share ids.
    ///   - levelCombinations: the factor level combinations (``Experiment/levelCombinations``), innermost; empty for
    ///     a design without factors.
    public init(
        strategies: [String], models: [String], replicates: Int, runSeed: UInt64, namespace: String = "",
        levelCombinations: [[FactorLevel]] = []
    ) {
        var conditions: [Condition] = []
        for model in models {
            for strategy in strategies {
                let label = models.count > 1 ? "\(strategy)/\(model)" : strategy
                for levels in levelCombinations.isEmpty ? [[]] : levelCombinations {
                    conditions.append(Condition(strategy: strategy, model: model, label: label, levels: levels))
                }
            }
        }
        self.conditions = conditions
        self.cells = conditions.flatMap { condition in
            (0..<max(replicates, 0)).map { DesignCell(condition: condition, replicate: $0, runSeed: runSeed, namespace: namespace) }
        }
    }
}
