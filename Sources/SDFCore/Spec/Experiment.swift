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
    /// The seed comments, in file order (folders: sorted by file name).
    public var seedComments: [String]
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

    /// Creates a resolved experiment.
    public init(
        name: String, spec: ExperimentSpec, personas: [Persona], seedComments: [String], userInstructions: String,
        trollInstructions: String, strategies: [Strategy], templates: PromptTemplates, annotation: AnnotationSetup? = nil
    ) {
        self.name = name
        self.spec = spec
        self.personas = personas
        self.seedComments = seedComments
        self.userInstructions = userInstructions
        self.trollInstructions = trollInstructions
        self.strategies = strategies
        self.templates = templates
        self.annotation = annotation
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
