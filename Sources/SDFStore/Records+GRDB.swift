import GRDB
import SDFCore

extension DiscussionRecord: FetchableRecord, PersistableRecord {
    /// Table `discussion`.
    public static var databaseTableName: String { "discussion" }
}

extension ParticipantRecord: FetchableRecord, PersistableRecord {
    /// Table `participant`.
    public static var databaseTableName: String { "participant" }
}

extension TurnRecord: FetchableRecord, PersistableRecord {
    /// Table `turn`.
    public static var databaseTableName: String { "turn" }
}

extension PromptRecord: FetchableRecord, PersistableRecord {
    /// Table `prompt`.
    public static var databaseTableName: String { "prompt" }
}

extension RunManifest: FetchableRecord, PersistableRecord {
    /// Table `run`.
    public static var databaseTableName: String { "run" }
}

extension AnnotationRecord: FetchableRecord, PersistableRecord {
    /// Table `annotation`.
    public static var databaseTableName: String { "annotation" }
}

extension AnnotatorRecord: FetchableRecord, PersistableRecord {
    /// Table `annotator`.
    public static var databaseTableName: String { "annotator" }
}
