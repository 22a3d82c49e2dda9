import Foundation

/// An experiment with every file read and every default filled in: what the engine runs.
///
/// Built by ``ExperimentLoader``; all fields are validated (see ``ExperimentLoader/validate(_:file:locate:)``).
public struct Experiment: Codable, Sendable, Hashable {
    /// The experiment's name (the spec's `name`, or the file name without extension).
    public var name: String
    /// The spec as written (paths unresolved), kept for the run manifest.
    public var spec: ExperimentSpec
    /// The persona pool, in file order.
    public var personas: [Persona]
    /// The seeds' first comments, in file order (folders: sorted by file name): for one-comment seeds by `OP`, the
    /// seed comments themselves. Set together with ``seedThreads`` (use ``init(name:spec:personas:seedThreads:userInstructions:trollInstructions:strategies:templates:annotation:replicateAssignment:)``
    /// for threads).
    public var seedComments: [String]
    /// The seeds, in the order of ``seedComments``: each a one-comment seed by `OP` or a thread of comments by named
    /// non-participant authors. Replicate assignment deals them as units.
    public var seedThreads: [SeedThread]
    /// Instructions for ordinary users.
    public var userInstructions: String
    /// Instructions for trolls (empty when there are no trolls).
    public var trollInstructions: String
    /// The strategies with their instructions read (`none` has empty instructions).
    public var strategies: [Strategy]
    /// Prompt templates (Mustache), built-in or overridden.
    public var templates: PromptTemplates
    /// The annotation stage, if the file has an `annotation` section.
    public var annotation: AnnotationSetup?
    /// The file's `factors:`, in file order; empty when it has none.
    public var factors: [Factor] = []
    /// The level combinations the design runs (the full factorial, or the explicit `conditions:`), each in factor
    /// order; empty when the file has no factors.
    public var levelCombinations: [[FactorLevel]] = []
    /// The experiment as each level combination makes it (the file deep-merged with the levels), by
    /// ``FactorLevel/key(_:)``; each has no factors of its own.
    public var variants: [String: Experiment] = [:]
    /// How seed comments and users are assigned to replicates: ``ReplicateAssignmentMethod/balanced`` for new
    /// stores, ``ReplicateAssignmentMethod/independentDraws`` when resuming a store written before balancing.
    public var replicateAssignment: ReplicateAssignmentMethod = .balanced

    /// Creates a resolved experiment.
    public init(
        name: String, spec: ExperimentSpec, personas: [Persona], seedComments: [String], userInstructions: String,
        trollInstructions: String, strategies: [Strategy], templates: PromptTemplates, annotation: AnnotationSetup? = nil,
        replicateAssignment: ReplicateAssignmentMethod = .balanced
    ) {
        self.replicateAssignment = replicateAssignment
        self.name = name
        self.spec = spec
        self.personas = personas
        self.seedComments = seedComments
        self.seedThreads = seedComments.map(SeedThread.single)
        self.userInstructions = userInstructions
        self.trollInstructions = trollInstructions
        self.strategies = strategies
        self.templates = templates
        self.annotation = annotation
    }
}

extension Experiment {
    /// Creates a resolved experiment whose seeds may be threads; ``seedComments`` holds each seed's first comment.
    public init(
        name: String, spec: ExperimentSpec, personas: [Persona], seedThreads: [SeedThread], userInstructions: String,
        trollInstructions: String, strategies: [Strategy], templates: PromptTemplates, annotation: AnnotationSetup? = nil,
        replicateAssignment: ReplicateAssignmentMethod = .balanced
    ) {
        self.init(
            name: name, spec: spec, personas: personas, seedComments: seedThreads.map(\.firstText), userInstructions: userInstructions,
            trollInstructions: trollInstructions, strategies: strategies, templates: templates, annotation: annotation,
            replicateAssignment: replicateAssignment)
        self.seedThreads = seedThreads
    }

    /// The seed at `index` of ``seedThreads`` (a one-comment seed by `OP` of ``seedComments`` if the list is shorter).
    public func seedThread(at index: Int) -> SeedThread {
        index < seedThreads.count ? seedThreads[index] : .single(seedComments[index])
    }
}

/// A moderation strategy with its instructions read.
public struct Strategy: Codable, Sendable, Hashable {
    /// Condition label; `none` means no moderator.
    public var name: String
    /// The moderator's instructions (empty for `none`).
    public var instructions: String

    /// Creates a strategy.
    public init(name: String, instructions: String) {
        self.name = name
        self.instructions = instructions
    }

    /// Whether this strategy has a moderator at all.
    public var hasModerator: Bool { name != "none" }
}

extension Experiment {
    /// Everything that decides what the discussions are, as sorted-key JSON: seed, replicates, personas, seed
    /// comments, instructions, troll share, strategies, discussion settings, moderator, templates, and per model
    /// its name, model, GGUF, whether it is local, and sampling settings. Not: concurrency, timeouts, file names,
    /// endpoint URLs (a server that moved is infrastructure, not design), the annotation stage — except under a
    /// `decideFirst` schedule, where the decision template and its schema are design, and under `onTrigger`, where the
    /// named annotator's persona, the instructions, the rubric, the annotation templates and model settings decide
    /// when the moderator speaks (both absent otherwise, so other designs keep their hash).
    public var designFingerprint: String {
        struct Fingerprint: Encodable {
            var seed: UInt64
            var replicates: Int
            var personas: [Persona]
            var seedComments: [String]
            // Absent (so the hash is unchanged) when every seed is one comment by OP.
            var seedThreads: [SeedThread]?
            var userInstructions: String
            var trollInstructions: String
            var trollShare: Double?
            var strategies: [Strategy]
            var discussion: DiscussionSettings
            var moderator: ModeratorSettings
            var models: [[String: String]]
            var templates: PromptTemplates
            // Absent (so the hash is unchanged) for designs without factors and for the independent draws of
            // stores written before balanced assignment.
            var assignment: String?
            var factors: [Factor]?
            var conditions: [String]?
            var variants: [String: String]?
            var moderatorDecision: [String: String]?
            var moderatorTrigger: [String: String]?
            // Absent for designs without branching.
            var branching: BranchingSpec?
        }
        let fingerprint = Fingerprint(
            seed: spec.seed, replicates: spec.replicates, personas: personas, seedComments: seedComments,
            seedThreads: seedThreads.allSatisfy(\.isSingleOP) ? nil : seedThreads,
            userInstructions: userInstructions, trollInstructions: trollInstructions, trollShare: spec.trolls?.share,
            strategies: strategies, discussion: spec.discussion, moderator: spec.moderator,
            models: spec.models.map {
                [
                    "name": $0.name, "local": String($0.isLocal), "model": $0.model ?? "", "gguf": $0.gguf ?? "",
                    "temperature": String($0.temperature), "topP": $0.topP.map { String($0) } ?? "",
                    "maxTokens": String($0.maxTokens),
                ].merging($0.samplingFingerprint) { a, _ in a }
            }, templates: templates,
            assignment: replicateAssignment == .balanced ? ReplicateAssignmentMethod.balanced.rawValue : nil,
            factors: factors.isEmpty ? nil : factors,
            conditions: factors.isEmpty ? nil : levelCombinations.map(FactorLevel.key),
            variants: factors.isEmpty ? nil : variants.mapValues(\.designFingerprint),
            moderatorDecision: spec.moderator.schedule == .decideFirst
                ? ["template": templates.moderatorDecision, "schema": PromptTemplates.moderatorDecisionSchema] : nil,
            moderatorTrigger: triggerFingerprint, branching: spec.branching)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(fingerprint)) ?? Data(), as: UTF8.self)
    }

    /// What decides an `onTrigger` moderator's turns besides the discussion: the trigger, the named annotator's
    /// persona, the annotation instructions, rubric, history length and structured-output mode, the annotation
    /// templates and the annotation model's sampling settings. `nil` for other schedules.
    var triggerFingerprint: [String: String]? {
        guard case .onTrigger(let trigger) = spec.moderator.schedule else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ value: T) -> String { String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self) }
        var result = ["trigger": json(trigger)]
        if let annotation {
            let model = annotation.model
            result["annotator"] = json(annotation.annotators.first { $0.username == trigger.annotator })
            result["instructions"] = annotation.instructions
            result["rubric"] = json(annotation.rubric)
            result["historyLength"] = String(annotation.historyLength)
            result["structuredOutput"] = annotation.structuredOutput.rawValue
            result["templates"] = templates.annotatorSystem + "\u{0}" + templates.annotation
            result["model"] = json(
                [
                    "name": model.name, "local": String(model.isLocal), "model": model.model ?? "", "gguf": model.gguf ?? "",
                    "temperature": String(model.temperature), "topP": model.topP.map { String($0) } ?? "",
                    "maxTokens": String(model.maxTokens),
                ].merging(model.samplingFingerprint) { a, _ in a })
        }
        return result
    }

    /// SHA-256 of ``designFingerprint``: a store refuses to continue under a different one, and ids are derived
    /// within it, so two experiments with the same seed never share a discussion, participant or comment id.
    public var designHash: String { RenderedPrompt.sha256Hex(designFingerprint) }

    /// The namespace discussion ids are derived in: ``designHash`` of this experiment without its `branching:`
    /// section (equal to ``designHash`` for designs without branching). So a trunk discussion has the id it has in
    /// the same file run without branching, and a finished store of that run can be branched from
    /// (`sdf run --branch-from`); branched discussions differ by their condition id (`;branch_turn=K`).
    public var idNamespace: String {
        guard spec.branching != nil else { return designHash }
        var plain = self
        plain.spec.branching = nil
        plain.variants = variants.mapValues { variant in
            var v = variant
            v.spec.branching = nil
            return v
        }
        return plain.designHash
    }
}

extension Experiment {
    /// The experiment a condition runs: the variant of its factor levels, or this experiment when it has none.
    public func experiment(for condition: Condition) -> Experiment {
        guard !condition.levels.isEmpty, var variant = variants[FactorLevel.key(condition.levels)] else { return self }
        variant.replicateAssignment = replicateAssignment
        return variant
    }

    /// This experiment with another replicate assignment (its design hash changes with it).
    public func with(assignment: ReplicateAssignmentMethod) -> Experiment {
        var copy = self
        copy.replicateAssignment = assignment
        return copy
    }
}
