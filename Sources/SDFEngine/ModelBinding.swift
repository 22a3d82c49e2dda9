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

    /// Creates a binding.
    public init(name: String, client: any ChatModel, requestModel: String, settings: ModelSettings) {
        self.name = name
        self.client = client
        self.requestModel = requestModel
        self.settings = settings
    }
}

/// Something that happened during a run, for progress displays.
public enum RunEvent: Sendable {
    /// The run starts: discussions to run now, and how many were already done in the store.
    case started(total: Int, alreadyDone: Int)
    /// A turn was committed.
    case turn(discussionId: String, outcome: TurnOutcome, role: Role, completionTokens: Int)
    /// A discussion finished or failed.
    case discussionFinished(discussionId: String, status: DiscussionStatus, label: String, replicate: Int)
    /// The annotation stage starts: jobs in all, and how many were already done.
    case annotationStarted(total: Int, alreadyDone: Int)
    /// An annotation job was committed with this parse status.
    case annotation(status: String)
}
