/// A step of a long-running command (import, export, report), reported as work is done so a front end can show
/// progress and an ETA.
///
/// A command reports each phase with its own total, e.g. `reading files 120/1,562`, then `storing 120/1,562`;
/// `done` runs from 0 to `total` within a phase and the last event of a phase has `done == total`. A `total` of 0
/// means the size is unknown (no ETA).
public struct WorkProgress: Sendable, Hashable {
    /// What is being done, e.g. `reading files`, `comments table`, `discussion files`, `mixed models`.
    public var phase: String
    /// Units finished in this phase (0…`total`).
    public var done: Int
    /// Units in this phase; 0 when unknown.
    public var total: Int
    /// What a unit is, e.g. `files`, `discussions`, `rows`, `dimensions`.
    public var unit: String

    /// Creates a progress step.
    public init(phase: String, done: Int, total: Int, unit: String) {
        self.phase = phase
        self.done = done
        self.total = total
        self.unit = unit
    }
}

/// Receives ``WorkProgress`` events; called on the worker's task, so it must be cheap and thread-safe
/// (a front end throttles its own drawing).
public typealias WorkProgressHandler = @Sendable (WorkProgress) -> Void
