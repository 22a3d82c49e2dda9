import SDFCore
import SDFLLM

/// A model of the experiment bound to something that answers: the condition's name, the client, and the
/// model name to send.
public struct ModelBinding: Sendable {
    /// ``ModelSettings/name``.
    public var name: String
    /// The client (HTTP, or a scripted model in tests).
    public var client: any ChatModel
    /// The model name sent in requests (from the file, or the first id the server lists).
    public var requestModel: String
    /// The settings (sampling parameters).
    public var settings: ModelSettings
    /// The gate shared by every binding that reaches the same server(s); its permits are the requests the
    /// servers process at once — the local engine's slots, or what remote llama-servers report at `/props`
    /// (`total_slots`, summed). `nil` when a server does not say.
    public var gate: CallGate?

    /// Creates a binding.
    public init(name: String, client: any ChatModel, requestModel: String, settings: ModelSettings, gate: CallGate? = nil) {
        self.name = name
        self.client = client
        self.requestModel = requestModel
        self.settings = settings
        self.gate = gate
    }

    /// This binding with its calls queued at ``gate`` under `priority` (unchanged when there is no gate).
    public func gated(_ priority: CallGate.Priority) -> ModelBinding {
        guard let gate else { return self }
        var copy = self
        copy.client = GatedChatModel(client, gate: gate, priority: priority)
        copy.gate = nil
        return copy
    }
}

/// Something that happened during a run, for progress displays.
public enum RunEvent: Sendable {
    /// The run starts: discussions in the design, how many were already done in the store, and how many run at once.
    case started(total: Int, alreadyDone: Int, inFlight: Int)
    /// A turn was committed.
    case turn(discussionId: String, outcome: TurnOutcome, role: Role, completionTokens: Int)
    /// A discussion finished or failed.
    case discussionFinished(discussionId: String, status: DiscussionStatus, label: String, replicate: Int)
    /// A finished discussion's annotation jobs were queued: jobs to do, and jobs already done in the store.
    case annotationQueued(jobs: Int, alreadyDone: Int)
    /// An annotation job was committed with this parse status.
    case annotation(status: AnnotationStatus)
}
