import Foundation
import SDFCore
import SDFStore
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Golden files under `Tests/SDFAnalysisTests/Golden/`, found next to this source file.
///
/// With `SDF_UPDATE_GOLDEN=1` in the environment, ``check(_:named:)`` rewrites the file instead of comparing
/// (and records no failure); otherwise a missing or different file fails the test, naming the first
/// differing line and leaving the actual text in the temporary folder for `diff`.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var updating: Bool { ProcessInfo.processInfo.environment["SDF_UPDATE_GOLDEN"] == "1" }

    static func check(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if updating {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url, options: .atomic)
            return
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("golden file \(name) is missing; run the tests once with SDF_UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("actual-" + name)
        try? Data(actual.utf8).write(to: out)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
        let got = line < a.count ? String(a[line]) : "(end of text)"
        let want = line < e.count ? String(e[line]) : "(end of text)"
        Issue.record(
            "\(name) differs from its golden file at line \(line + 1):\n  expected: \(want.prefix(300))\n  actual:   \(got.prefix(300))\n(actual text in \(out.path); SDF_UPDATE_GOLDEN=1 rewrites the golden file)",
            sourceLocation: sourceLocation)
    }
}

/// One element of a parsed XML document.
struct XMLElementInfo {
    var name: String
    var attributes: [String: String]
    /// The text directly inside the element (concatenated).
    var text: String
    /// Index of the enclosing `<g class="panel">`, if any.
    var panel: Int?

    var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }
    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
}

/// Parses a document with Foundation's `XMLParser` and collects every element in document order.
final class XMLInspector: NSObject, XMLParserDelegate {
    private(set) var elements: [XMLElementInfo] = []
    private var stack: [Int] = []
    private var panelStack: [Int?] = []
    private var panels = 0
    private(set) var error: String?

    /// Parses `text`; `nil` when it is not well-formed XML (see ``error``).
    static func parse(_ text: String) -> XMLInspector? {
        let inspector = XMLInspector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = inspector
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else {
            inspector.error = parser.parserError.map { "\($0)" } ?? "unknown error"
            return nil
        }
        return inspector
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        var panel = panelStack.last ?? nil
        if elementName == "g", (attributeDict["class"] ?? "").split(separator: " ").contains("panel") {
            panel = panels
            panels += 1
        }
        panelStack.append(panel)
        elements.append(XMLElementInfo(name: elementName, attributes: attributeDict, text: "", panel: panel))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let top = stack.last { elements[top].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
        panelStack.removeLast()
    }

    func all(_ name: String? = nil, class className: String? = nil) -> [XMLElementInfo] {
        elements.filter { (name == nil || $0.name == name) && (className == nil || $0.classes.contains(className!)) }
    }
}

/// Builds SDF records by hand for analysis and report tests, then writes them into an in-memory store.
struct RecordBuilder {
    var discussions: [DiscussionRecord] = []
    var participants: [String: [ParticipantRecord]] = [:]
    var turns: [TurnRecord] = []
    var annotations: [AnnotationRecord] = []
    var annotators: [AnnotatorRecord] = []
    var runs: [RunManifest] = []
    static let epoch = Date(timeIntervalSince1970: 1_750_000_000)

    /// Adds a discussion and its participants (users, then an optional `moderator`); returns its id.
    @discardableResult
    mutating func discussion(
        _ condition: String, strategy: String? = nil, replicate: Int, users: [String], moderator: Bool,
        policy: String = "respond(p=0.5)", status: DiscussionStatus = .done, trolls: Set<String> = []
    ) -> String {
        let id = "\(condition)-\(replicate)"
        discussions.append(
            DiscussionRecord(
                id: id, conditionId: "c-\(condition)", conditionLabel: condition, strategy: strategy ?? condition, modelName: "m",
                replicate: replicate, seed: "1", seedCommentId: "seed-\(id)", seedComment: "Seed of \(id)", seedCommentIndex: 0,
                userTurns: 6, historyLength: 3, turnTaking: RecordedTurnTaking(label: policy)!, status: status, startedAt: Self.epoch))
        var list: [ParticipantRecord] = []
        for (i, u) in users.enumerated() {
            list.append(
                ParticipantRecord(
                    id: "\(id)-p\(i)", discussionId: id, position: i, username: u, role: trolls.contains(u) ? .troll : .user,
                    persona: Persona(username: u, age: 30 + i, occupation: "job \(i)", personality: ["calm"]), instructions: "i",
                    systemPrompt: "s"))
        }
        if moderator {
            list.append(
                ParticipantRecord(
                    id: "\(id)-mod", discussionId: id, position: users.count, username: "moderator", role: .moderator,
                    persona: Persona(username: "moderator"), instructions: "m", systemPrompt: "s"))
        }
        participants[id] = list
        return id
    }

    /// Adds the next turn of `discussion`; returns its id (`<discussion>-t<index>`).
    @discardableResult
    mutating func turn(
        _ discussion: String, _ speaker: String, _ outcome: TurnOutcome = .comment, text: String? = nil, role: Role? = nil,
        flags: [CommentFlag] = [], cleaning: [CleaningChange] = []
    ) -> String {
        let index = turns.filter { $0.discussionId == discussion }.count + 1
        let id = "\(discussion)-t\(index)"
        let resolvedRole =
            role ?? (speaker == "moderator" ? .moderator : (participants[discussion]?.first { $0.username == speaker }?.role ?? .user))
        let finished = Self.epoch.addingTimeInterval(Double(index))
        turns.append(
            TurnRecord(
                id: id, discussionId: discussion, turnIndex: index, speaker: speaker, role: resolvedRole,
                outcome: outcome, text: outcome == .comment ? (text ?? "\(speaker) says something \(index)") : nil,
                rawText: outcome == .failed ? nil : (text ?? "raw"), cleaning: cleaning, flags: flags,
                decision: resolvedRole == .moderator ? nil : TurnDecision(speaker: 0, candidates: [0], draw: nil, rule: "first"),
                call: CallProvenance(modelName: "m", modelId: "model-id", endpoint: "scripted", sampling: SamplingParameters(temperature: 0.8, topP: nil, maxTokens: 50, seed: 1, stop: []), promptHash: "h", templateId: "t", promptTokens: 10, completionTokens: 5, cachedTokens: 0, latencyMs: 1, finishReason: "stop", attempts: 1, error: outcome == .failed ? CallFailure(legacyDescription: "server: HTTP 500") : nil),
                startedAt: finished, finishedAt: finished))
        return id
    }

    /// Adds one annotation job.
    mutating func annotate(_ comment: String, by annotator: String, _ values: [String: Int], status: AnnotationStatus = .ok) {
        let discussion = turns.first { $0.id == comment }?.discussionId ?? discussions.first { $0.seedCommentId == comment }?.id ?? "?"
        annotations.append(
            AnnotationRecord(
                id: "\(comment)-\(annotator)", commentId: comment, discussionId: discussion, annotator: annotator,
                values: values, status: status, method: status == .ok ? .json : .none, detail: nil, rawText: "{}",
                structuredOutput: .off,
                call: CallProvenance(modelName: "annotator", modelId: "a", endpoint: "scripted", sampling: SamplingParameters(temperature: 0.2, topP: nil, maxTokens: 32, seed: 1, stop: []), promptHash: "h", templateId: "t", promptTokens: 1, completionTokens: 1, cachedTokens: 0, latencyMs: 1, finishReason: "stop", attempts: 1),
                startedAt: Self.epoch, finishedAt: Self.epoch))
        if !annotators.contains(where: { $0.username == annotator }) {
            annotators.append(
                AnnotatorRecord(username: annotator, persona: Persona(username: annotator), systemPrompt: "s", rubric: .default))
        }
    }

    /// Writes everything into a new in-memory store.
    func store() async throws -> Store {
        let store = try Store.inMemory()
        for run in runs { try await store.beginRun(run) }
        for d in discussions { try await store.startDiscussion(d, participants: participants[d.id] ?? []) }
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t"))
        for t in turns { try await store.commitTurn(t, prompt: prompt) }
        try await store.saveAnnotators(annotators)
        for a in annotations { try await store.commitAnnotation(a, prompt: prompt) }
        return store
    }
}
