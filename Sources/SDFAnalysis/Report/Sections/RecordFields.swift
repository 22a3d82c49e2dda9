import SDFCore

/// The only places where the analysis reads record fields whose type is being redesigned.
///
/// `AnnotationRecord.status` (a string today), `DiscussionRecord.turnTaking` (the policy as text today) and
/// the discussion's model name are read through these helpers and nowhere else in the report sections, so a
/// change of those record types touches one line each here.
enum RecordFields {
    /// Whether an annotation job's values enter the scores: only jobs with parse status `ok` do.
    static func isUsable(_ annotation: AnnotationRecord) -> Bool { annotation.status == "ok" }

    /// The annotation job's parse status as the key of the data-quality counts (`ok`, `refusal`, …).
    static func statusKey(_ annotation: AnnotationRecord) -> String { annotation.status }

    /// The discussion's turn-taking policy as shown in the report, e.g. `respond(p=0.4)`.
    static func policyText(_ discussion: DiscussionRecord) -> String { discussion.turnTaking }

    /// The reply-back probability of the discussion's `respond(p)` policy; `nil` under any other policy.
    static func respondProbability(_ discussion: DiscussionRecord) -> Double? {
        ExperimentAnalysis.respondProbability(discussion.turnTaking)
    }

    /// The name of the model that played the discussion's participants.
    static func modelName(_ discussion: DiscussionRecord) -> String { discussion.modelName }
}
