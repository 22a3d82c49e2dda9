/// The experiment file's `branching:` section: counterfactual branching (`branching: {from: none, atTurn: 3}`).
///
/// For each replicate, the discussion of the trunk condition (strategy ``from``) is produced once; every other
/// condition's discussion of that replicate starts from an exact copy of the trunk's first *K* user turns and
/// continues under its own condition. With several branch points (`atTurn: [2, 5]`), each (condition, *K*) pair is a
/// branched discussion of its own (a condition with ``Condition/branchTurn`` set).
public struct BranchingSpec: Codable, Sendable, Hashable {
    /// The trunk strategy's name (one of the file's `strategies`). With models and factors, the trunk of a branched
    /// condition is the condition with this strategy and the same model and factor levels.
    public var from: String
    /// The branch points *K* (1-based user turns, seed comment excluded), each in `1..<discussion.turns`, distinct,
    /// in file order. YAML: one integer or a list.
    public var atTurn: [Int]

    enum CodingKeys: String, CodingKey, CaseIterable { case from, atTurn }

    /// Creates a section.
    public init(from: String, atTurn: [Int]) {
        self.from = from
        self.atTurn = atTurn
    }

    /// Decodes strictly; `atTurn` is one integer or a list of them.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        from = try c.decode(String.self, forKey: .from)
        if let one = try? c.decode(Int.self, forKey: .atTurn) {
            atTurn = [one]
        } else {
            atTurn = try c.decode([Int].self, forKey: .atTurn)
        }
    }

    /// Checks the section against the spec it belongs to.
    ///
    /// - Returns: one message per problem, keyed by the field (`branching.from`, `branching.atTurn`): an unknown
    ///   strategy, a design with no other strategy to branch, an empty, repeated or out-of-range branch point
    ///   (expected `1...turns-1`: at turn `turns` nothing would be left to continue).
    public func problems(strategies: [String], turns: Int) -> [(field: [String], message: String)] {
        var result: [(field: [String], message: String)] = []
        if !strategies.contains(from) {
            result.append(
                (["branching", "from"], "unknown strategy '\(from)'; expected one of the file's strategies: \(strategies.joined(separator: ", "))"))
        } else if !strategies.contains(where: { $0 != from }) {
            result.append((["branching", "from"], "the design has no strategy besides '\(from)' to branch from it"))
        }
        if atTurn.isEmpty {
            result.append((["branching", "atTurn"], "expected at least one branch point (a user turn between 1 and \(turns - 1))"))
        }
        for k in atTurn where k < 1 || k >= turns {
            result.append(
                (["branching", "atTurn"],
                 "branch point \(k) is outside the discussion: expected a user turn between 1 and \(turns - 1) (discussion.turns is \(turns); "
                    + "the branched discussion continues after turn K)"))
        }
        if Set(atTurn).count != atTurn.count {
            result.append((["branching", "atTurn"], "branch points repeat: \(atTurn.map(String.init).joined(separator: ", "))"))
        }
        return result
    }
}
