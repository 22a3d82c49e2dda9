/// The largest counts an experiment file may ask for: far beyond any real study, small enough that a typo
/// (`replicates: 10000000000`) is refused with a message instead of allocating terabytes or running forever.
///
/// Every bound is inclusive and is named in the error message that enforces it.
public enum StudyLimits {
    /// Replicates per condition.
    public static let replicates = 1...100_000
    /// Discussions in the whole design (conditions × replicates).
    public static let discussions = 1...1_000_000
    /// Strategies, models: entries per list.
    public static let listEntries = 1...1_000
    /// Users per discussion.
    public static let users = 2...1_000
    /// User turns per discussion.
    public static let turns = 1...10_000
    /// Context window length (comments shown), for discussions and annotation.
    public static let historyLength = 1...10_000
    /// `everyKComments`: K.
    public static let moderatorEvery = 1...10_000
    /// Discussions or annotation jobs in flight at once.
    public static let concurrency = 1...4_096
    /// Tokens per answer.
    public static let maxTokens = 1...1_000_000
    /// Local engine: slots.
    public static let parallel = 1...1_024
    /// Local engine: context tokens per slot.
    public static let contextPerSlot = 256...10_000_000
    /// Seconds one call may take.
    public static let timeoutSeconds = 0.001...86_400.0
    /// Points on one rubric scale (max − min + 1).
    public static let scalePoints = 2...1_001
    /// Annotators in the panel.
    public static let annotators = 1...10_000

    /// "expected WHAT in LOWER...UPPER, got VALUE": the message for a count outside its bound.
    public static func message<T: Comparable>(_ what: String, _ bound: ClosedRange<T>, got value: T) -> String {
        "expected \(what) in \(bound.lowerBound)...\(bound.upperBound), got \(value)"
    }
}
