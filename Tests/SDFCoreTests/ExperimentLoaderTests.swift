import Foundation
import Testing

@testable import SDFCore

/// 1-based number of the first line of `yaml` that contains `needle` (computed from the text, for diagnostics).
func lineNumber(of needle: String, in yaml: String, occurrence: Int = 1) -> Int? {
    var seen = 0
    for (i, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains(needle) {
        seen += 1
        if seen == occurrence { return i + 1 }
    }
    return nil
}

/// 1-based column of `needle` on its line.
func columnNumber(of needle: String, in yaml: String) -> Int? {
    for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
        if let r = line.range(of: needle) { return line.distance(from: line.startIndex, to: r.lowerBound) + 1 }
    }
    return nil
}

enum YAMLFixtures {
    static let minimal = """
        version: 1
        personas:
          - username: alice
          - username: bob
          - username: carol
        seedComments:
          - "Rent control works."
        """

    /// `minimal` with `body` appended (top-level keys).
    static func minimal(plus body: String) -> String { minimal + "\n" + body }
}

@Suite("Experiment loading")
struct ExperimentLoaderTests {
    static let file = "studies/exp.yaml"

    /// Loads `yaml`, expecting failure, and returns the diagnostics.
    static func diagnostics(
        _ yaml: String, base: String = "/nonexistent-sdf-base", sourceLocation: SourceLocation = #_sourceLocation
    ) -> [SpecDiagnostic] {
        let error = #expect(throws: ExperimentFileError.self, sourceLocation: sourceLocation) {
            try ExperimentLoader.load(yaml: yaml, file: file, baseDirectory: base)
        }
        let diagnostics = error?.diagnostics ?? []
        for d in diagnostics {
            #expect(d.file == file, sourceLocation: sourceLocation)
            #expect(d.description.hasPrefix(file), sourceLocation: sourceLocation)
        }
        return diagnostics
    }

    /// Expects exactly one diagnostic for `field`, on `line` when given, and returns it.
    @discardableResult
    static func expectOne(
        _ yaml: String, field: String, line: Int?, messageContains: [String], base: String = "/nonexistent-sdf-base",
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> SpecDiagnostic? {
        let all = diagnostics(yaml, base: base, sourceLocation: sourceLocation)
        #expect(all.count == 1, "diagnostics: \(all)", sourceLocation: sourceLocation)
        guard let d = all.first else { return nil }
        #expect(d.field == field, "\(d)", sourceLocation: sourceLocation)
        if let line { #expect(d.line == line, "\(d)", sourceLocation: sourceLocation) }
        for part in messageContains {
            #expect(d.message.contains(part), "\(d.message) should mention \(part)", sourceLocation: sourceLocation)
        }
        var expectedDescription = file + (line.map { ":\($0)" } ?? "")
        if line != nil, let column = d.column { expectedDescription += ":\(column)" }
        expectedDescription += field.isEmpty ? ": " : ": \(field): "
        #expect(d.description.hasPrefix(expectedDescription), "\(d.description)", sourceLocation: sourceLocation)
        return d
    }

    // MARK: valid files

    @Test func minimalFileLoadsWithDocumentedDefaults() throws {
        let e = try ExperimentLoader.load(yaml: YAMLFixtures.minimal, file: "studies/minimal.yaml", baseDirectory: "/nonexistent")
        #expect(e.name == "minimal")
        #expect(e.spec.version == 1)
        #expect(e.spec.seed == 42)
        #expect(e.spec.replicates == 1)
        #expect(e.spec.concurrency == nil)
        #expect(e.spec.discussion == DiscussionSettings(users: 3, turns: 6, historyLength: 5, turnTaking: .respond(p: 0.4)))
        #expect(e.spec.trolls == nil)
        #expect(e.trollInstructions == "")
        #expect(e.userInstructions == DefaultData.userInstructions)
        #expect(e.spec.moderator.username == "moderator")
        #expect(e.spec.moderator.schedule == .afterEveryComment)
        #expect(e.spec.moderator.persona == nil)
        #expect(e.strategies == [Strategy(name: "none", instructions: "")])
        #expect(!e.strategies[0].hasModerator)
        let model = try #require(e.spec.models.first)
        #expect(e.spec.models.count == 1)
        #expect(model.name == "local" && model.endpoint == "local" && model.isLocal)
        #expect(model.temperature == 0.8 && model.maxTokens == 120 && model.timeoutSeconds == 300)
        #expect(model.parallel == 4 && model.contextPerSlot == 2048)
        #expect(model.topP == nil && model.model == nil && model.gguf == nil && model.apiKeyEnv == nil)
        #expect(e.personas.map(\.username) == ["alice", "bob", "carol"])
        #expect(e.seedComments == ["Rent control works."])
        #expect(e.templates == .builtIn)
    }

    @Test func fullInlineFileLoadsEveryField() throws {
        let yaml = """
            version: 1
            name: civility
            seed: 7
            replicates: 3
            personas:
              - {username: alice, age: 30, occupation: nurse, personality: [calm, curious]}
              - {username: bob, age: "61", politics: right}
              - username: carol
                personality: blunt, impatient
                extra: {country: Ireland}
              - {username: dan}
            seedComments:
              - "  Rents are out of control.\\n"
              - Remote work is here to stay.
            discussion:
              users: 4
              turns: 10
              historyLength: all
              turnTaking: {policy: roundRobin, randomStart: true}
            users:
              instructions: Be yourself.
            trolls:
              share: 0.25
            moderator:
              username: mod_ana
              schedule: everyKComments
              every: 3
              persona: {username: ignored, age: 44, occupation: librarian}
            strategies:
              - none
              - guidelines
              - name: custom
                instructions: "Ask one question."
            models:
              - name: remote
                endpoint: http://127.0.0.1:8000/v1
                model: Qwen/Qwen2.5-7B-Instruct
                apiKeyEnv: VLLM_API_KEY
                temperature: 0.3
                topP: 0.9
                maxTokens: 64
                timeoutSeconds: 12.5
            concurrency: 2
            prompts:
              turn: "{{% CONTENT_TYPE: TEXT}}Go, {{username}}."
            """
        let e = try ExperimentLoader.load(yaml: yaml, file: "x.yaml", baseDirectory: "/nonexistent")
        #expect(e.name == "civility")
        #expect(e.spec.seed == 7 && e.spec.replicates == 3 && e.spec.concurrency == 2)
        #expect(e.personas.count == 4)
        #expect(e.personas[0].personality == ["calm", "curious"] && e.personas[0].occupation == "nurse")
        #expect(e.personas[1].age == 61 && e.personas[1].politicalLeaning == "right")
        #expect(e.personas[2].personality == ["blunt", "impatient"] && e.personas[2].extra == ["country": "Ireland"])
        #expect(e.seedComments == ["Rents are out of control.", "Remote work is here to stay."])
        #expect(e.spec.discussion == DiscussionSettings(users: 4, turns: 10, historyLength: nil, turnTaking: .roundRobin(randomStart: true)))
        #expect(e.userInstructions == "Be yourself.")
        #expect(e.trollInstructions == DefaultData.trollInstructions)
        #expect(e.spec.trolls?.share == 0.25)
        #expect(e.spec.moderator.username == "mod_ana" && e.spec.moderator.schedule == .everyKComments(3))
        #expect(e.spec.moderator.persona?.occupation == "librarian")
        let guidelines = try #require(DefaultData.strategies.first { $0.name == "guidelines" })
        #expect(e.strategies == [
            Strategy(name: "none", instructions: ""), Strategy(name: "guidelines", instructions: guidelines.instructions),
            Strategy(name: "custom", instructions: "Ask one question."),
        ])
        let m = try #require(e.spec.models.first)
        #expect(m.name == "remote" && !m.isLocal && m.model == "Qwen/Qwen2.5-7B-Instruct" && m.apiKeyEnv == "VLLM_API_KEY")
        #expect(m.temperature == 0.3 && m.topP == 0.9 && m.maxTokens == 64 && m.timeoutSeconds == 12.5)
        #expect(e.templates.turn == "{{% CONTENT_TYPE: TEXT}}Go, {{username}}.")
        #expect(e.templates.participantSystem == PromptTemplates.builtIn.participantSystem)
    }

    @Test func historyLengthAcceptsNullAllAndIntegers() throws {
        for (value, expected) in [("null", nil), ("all", nil), ("~", nil), ("3", Int?(3))] as [(String, Int?)] {
            let e = try ExperimentLoader.load(
                yaml: YAMLFixtures.minimal(plus: "discussion:\n  historyLength: \(value)"), file: "h.yaml", baseDirectory: "/x")
            #expect(e.spec.discussion.historyLength == expected, "historyLength: \(value)")
        }
    }

    @Test func seedAcceptsTheWholeUInt64Range() throws {
        for (text, value) in [("0", UInt64(0)), ("18446744073709551615", UInt64.max), ("9223372036854775808", UInt64(1) << 63)] {
            let e = try ExperimentLoader.load(yaml: YAMLFixtures.minimal(plus: "seed: \(text)"), file: "s.yaml", baseDirectory: "/x")
            #expect(e.spec.seed == value)
        }
        let negative = YAMLFixtures.minimal(plus: "seed: -1")
        let d = Self.diagnostics(negative)
        #expect(d.count == 1 && d.first?.field == "seed" && d.first?.line == lineNumber(of: "seed: -1", in: negative))
    }

    @Test func remoteModelNameDefaultsToEndpoint() throws {
        let e = try ExperimentLoader.load(
            yaml: YAMLFixtures.minimal(plus: "models:\n  - endpoint: https://api.example.org/v1"), file: "m.yaml", baseDirectory: "/x")
        #expect(e.spec.models.first?.name == "https://api.example.org/v1")
    }

    // MARK: YAML and decoding errors

    @Test func malformedYAMLGivesTheLine() {
        let yaml = """
            version: 1
            discussion:
              users: 3
               turns: 4
            personas: people.json
            """
        let all = Self.diagnostics(yaml)
        #expect(all.count == 1)
        let d = all.first
        #expect(d?.field == "")
        #expect(d?.line == lineNumber(of: " turns: 4", in: yaml))
        #expect(d?.column != nil)
        #expect(d?.message.hasPrefix("malformed YAML") == true)
    }

    @Test func unclosedFlowSequenceIsMalformed() {
        let yaml = "version: 1\npersonas: [alice, bob\nseedComments: [x]\n"
        let d = Self.diagnostics(yaml).first
        #expect(d?.message.hasPrefix("malformed YAML") == true)
        #expect(d?.line != nil)
    }

    @Test func emptyFileIsReported() {
        for yaml in ["", "# only a comment\n"] {
            let d = Self.diagnostics(yaml)
            #expect(d.count == 1 && d.first?.message == "the experiment file is empty")
        }
    }

    @Test func unknownTopLevelKey() {
        let yaml = YAMLFixtures.minimal(plus: "turnz: 12")
        Self.expectOne(yaml, field: "turnz", line: lineNumber(of: "turnz:", in: yaml), messageContains: ["unknown key 'turnz'", "discussion", "seedComments"])
    }

    @Test func unknownKeyInsideDiscussion() {
        let yaml = YAMLFixtures.minimal(plus: "discussion:\n  users: 3\n  turnss: 5\n")
        Self.expectOne(
            yaml, field: "discussion.turnss", line: lineNumber(of: "turnss:", in: yaml),
            messageContains: ["unknown key 'turnss'", "turns", "historyLength", "turnTaking"])
    }

    @Test func unknownKeyInsideAModel() {
        let yaml = YAMLFixtures.minimal(plus: "models:\n  - name: a\n  - name: b\n    temprature: 0.5\n")
        Self.expectOne(yaml, field: "models[1].temprature", line: lineNumber(of: "temprature", in: yaml), messageContains: ["unknown key 'temprature'"])
    }

    @Test func missingVersion() {
        let yaml = """
            personas:
              - username: alice
              - username: bob
            seedComments: [hello]
            """
        let d = Self.diagnostics(yaml)
        #expect(d.count == 1)
        #expect(d.first?.message.contains("missing required key 'version'") == true)
        #expect(d.first?.description.contains("version") == true)
    }

    @Test func missingPersonas() {
        let yaml = "version: 1\nseedComments: [hello]\n"
        let d = Self.diagnostics(yaml)
        #expect(d.count == 1)
        #expect(d.first?.message.contains("missing required key 'personas'") == true)
    }

    @Test func wrongTypeForTurns() {
        let yaml = YAMLFixtures.minimal(plus: "discussion:\n  turns: many\n")
        Self.expectOne(yaml, field: "discussion.turns", line: lineNumber(of: "turns: many", in: yaml), messageContains: ["wrong type", "an integer"])
    }

    @Test func wrongTypeForTemperature() {
        let yaml = YAMLFixtures.minimal(plus: "models:\n  - temperature: warm\n")
        Self.expectOne(yaml, field: "models[0].temperature", line: lineNumber(of: "temperature: warm", in: yaml), messageContains: ["a number"])
    }

    @Test func unknownTurnTakingPolicy() {
        let yaml = YAMLFixtures.minimal(plus: "discussion:\n  turnTaking:\n    policy: alternating\n")
        Self.expectOne(
            yaml, field: "discussion.turnTaking.policy", line: lineNumber(of: "policy: alternating", in: yaml),
            messageContains: ["unknown turn-taking policy 'alternating'", "roundRobin", "respond"])
    }

    @Test func respondWithoutP() {
        let yaml = YAMLFixtures.minimal(plus: "discussion:\n  turnTaking: {policy: respond}\n")
        let d = Self.diagnostics(yaml)
        #expect(d.count == 1)
        #expect(d.first?.message.contains("'p'") == true)
        #expect(d.first?.field.hasPrefix("discussion.turnTaking") == true)
        #expect(d.first?.line == lineNumber(of: "turnTaking:", in: yaml))
    }

    @Test func unknownModeratorScheduleAndMissingEvery() {
        let bad = YAMLFixtures.minimal(plus: "moderator:\n  schedule: sometimes\n")
        Self.expectOne(bad, field: "moderator.schedule", line: lineNumber(of: "schedule: sometimes", in: bad), messageContains: ["unknown schedule 'sometimes'"])
        let noEvery = YAMLFixtures.minimal(plus: "moderator:\n  schedule: everyKComments\n")
        let d = Self.diagnostics(noEvery)
        #expect(d.count == 1 && d.first?.message.contains("every") == true)
    }

    @Test func personaWithoutUsernameInline() {
        let yaml = """
            version: 1
            personas:
              - username: alice
              - age: 30
                occupation: baker
              - username: carol
            seedComments: [hello]
            """
        let d = Self.expectOne(yaml, field: "personas[1]", line: lineNumber(of: "- age: 30", in: yaml), messageContains: ["username"])
        #expect(d?.message.contains("non-empty username") == true)
    }

    @Test func personaWithBlankUsername() {
        let yaml = "version: 1\npersonas:\n  - username: alice\n  - username: '  '\nseedComments: [hi]\n"
        let d = Self.diagnostics(yaml)
        #expect(d.count == 1 && d.first?.field == "personas[1]" && d.first?.message.contains("username") == true)
    }

    // MARK: validation errors

    @Test(arguments: ["0", "-2"])
    func nonPositiveTurns(value: String) {
        let yaml = YAMLFixtures.minimal(plus: "discussion:\n  users: 2\n  turns: \(value)\n")
        Self.expectOne(yaml, field: "discussion.turns", line: lineNumber(of: "turns: \(value)", in: yaml), messageContains: ["positive", value])
    }

    @Test(arguments: ["1.5", "-0.1", "2"])
    func probabilityOutsideUnitIntervalPointsAtP(value: String) {
        let yaml = YAMLFixtures.minimal(plus: """
            discussion:
              users: 3
              turnTaking:
                policy: respond
                p: \(value)
            """)
        let d = Self.expectOne(
            yaml, field: "discussion.turnTaking.p", line: lineNumber(of: "p: \(value)", in: yaml), messageContains: ["[0, 1]"])
        #expect(d?.column == columnNumber(of: "p: \(value)", in: yaml))
    }

    @Test func probabilityOutsideUnitIntervalInFlowStyle() {
        let yaml = YAMLFixtures.minimal(plus: "discussion:\n  turnTaking: {policy: respond, p: 1.01}\n")
        let d = Self.expectOne(yaml, field: "discussion.turnTaking.p", line: lineNumber(of: "p: 1.01", in: yaml), messageContains: ["1.01"])
        #expect(d?.column == columnNumber(of: "p: 1.01", in: yaml))
    }

    @Test func probabilityBoundsAreInclusive() throws {
        for p in ["0", "1", "0.0", "1.0"] {
            let yaml = YAMLFixtures.minimal(plus: "discussion:\n  turnTaking: {policy: respond, p: \(p)}\n")
            let e = try ExperimentLoader.load(yaml: yaml, file: "p.yaml", baseDirectory: "/x")
            #expect(e.spec.discussion.turnTaking == .respond(p: Double(p)!))
        }
    }

    @Test func moreUsersPerDiscussionThanPersonas() {
        let yaml = YAMLFixtures.minimal(plus: "discussion:\n  users: 5\n")
        Self.expectOne(yaml, field: "discussion.users", line: lineNumber(of: "users: 5", in: yaml), messageContains: ["5 users", "only 3"])
    }

    @Test func fewerThanTwoUsers() {
        let yaml = YAMLFixtures.minimal(plus: "discussion:\n  users: 1\n")
        Self.expectOne(yaml, field: "discussion.users", line: lineNumber(of: "users: 1", in: yaml), messageContains: ["at least 2"])
    }

    @Test func unknownStrategyWithoutInstructions() {
        let yaml = YAMLFixtures.minimal(plus: "strategies:\n  - none\n  - name: shouting\n")
        Self.expectOne(
            yaml, field: "strategies[1].name", line: lineNumber(of: "name: shouting", in: yaml),
            messageContains: ["'shouting'", "instructions", "guidelines"])
    }

    @Test func duplicateStrategyName() {
        let yaml = YAMLFixtures.minimal(plus: "strategies:\n  - none\n  - guidelines\n  - name: guidelines\n    instructions: Be nice.\n")
        Self.expectOne(
            yaml, field: "strategies[2].name", line: lineNumber(of: "- name: guidelines", in: yaml), messageContains: ["listed twice"])
    }

    @Test func noneStrategyTakesNoInstructions() {
        let yaml = YAMLFixtures.minimal(plus: "strategies:\n  - name: none\n    instructions: Be nice.\n")
        Self.expectOne(yaml, field: "strategies[0].instructions", line: lineNumber(of: "instructions: Be nice.", in: yaml), messageContains: ["none"])
    }

    @Test func strategyNameWithSpacesOrSlash() {
        for name in ["'be nice'", "a/b"] {
            let yaml = YAMLFixtures.minimal(plus: "strategies:\n  - name: \(name)\n    instructions: x\n")
            let d = Self.diagnostics(yaml)
            #expect(d.count == 1 && d.first?.field == "strategies[0].name" && d.first?.message.contains("without spaces") == true)
        }
    }

    @Test func emptyStrategyList() {
        let yaml = YAMLFixtures.minimal(plus: "strategies: []\n")
        Self.expectOne(yaml, field: "strategies", line: lineNumber(of: "strategies:", in: yaml), messageContains: ["at least one strategy"])
    }

    @Test(arguments: ["not a url", "ftp://example.org/v1", "localhost:8000/v1", "http://", "127.0.0.1:8000"])
    func endpointThatIsNotAnHTTPURL(endpoint: String) {
        let yaml = YAMLFixtures.minimal(plus: "models:\n  - name: remote\n    endpoint: '\(endpoint)'\n")
        Self.expectOne(
            yaml, field: "models[0].endpoint", line: lineNumber(of: "endpoint:", in: yaml), messageContains: ["'\(endpoint)'", "http"])
    }

    @Test func otherModelSettingsAreRangeChecked() {
        let cases: [(String, String)] = [
            ("temperature: 2.5", "models[0].temperature"), ("topP: 0", "models[0].topP"), ("topP: 1.2", "models[0].topP"),
            ("maxTokens: 0", "models[0].maxTokens"), ("timeoutSeconds: 0", "models[0].timeoutSeconds"),
            ("parallel: 0", "models[0].parallel"), ("contextPerSlot: 128", "models[0].contextPerSlot"),
            ("apiKeyEnv: sk-live-1234", "models[0].apiKeyEnv"), ("apiKeyEnv: ''", "models[0].apiKeyEnv"),
        ]
        for (line, field) in cases {
            let yaml = YAMLFixtures.minimal(plus: "models:\n  - name: m\n    \(line)\n")
            Self.expectOne(yaml, field: field, line: lineNumber(of: line, in: yaml), messageContains: [])
        }
        let gguf = YAMLFixtures.minimal(plus: "models:\n  - endpoint: http://h:1/v1\n    gguf: model.gguf\n")
        Self.expectOne(gguf, field: "models[0].gguf", line: lineNumber(of: "gguf:", in: gguf), messageContains: ["local"])
        let twice = YAMLFixtures.minimal(plus: "models:\n  - name: m\n  - name: m\n")
        Self.expectOne(twice, field: "models[1].name", line: lineNumber(of: "- name: m", in: twice, occurrence: 2), messageContains: ["twice"])
    }

    @Test func otherTopLevelValuesAreRangeChecked() {
        let cases: [(String, String, String)] = [
            ("version: 1", "version: 2", "version"), ("version: 1", "version: 0", "version"),
        ]
        for (from, to, field) in cases {
            let yaml = YAMLFixtures.minimal.replacingOccurrences(of: from, with: to)
            Self.expectOne(yaml, field: field, line: 1, messageContains: ["not supported"])
        }
        for (body, field) in [
            ("replicates: 0", "replicates"), ("concurrency: 0", "concurrency"), ("trolls:\n  share: 1.5", "trolls.share"),
            ("discussion:\n  historyLength: 0", "discussion.historyLength"), ("moderator:\n  username: ' '", "moderator.username"),
            ("moderator:\n  schedule: everyKComments\n  every: 0", "moderator.every"),
        ] {
            let yaml = YAMLFixtures.minimal(plus: body)
            let lastLine = String(body.split(separator: "\n").last!).trimmingCharacters(in: .whitespaces)
            Self.expectOne(yaml, field: field, line: lineNumber(of: lastLine, in: yaml), messageContains: [])
        }
    }

    @Test func duplicatePersonaUsernamesAndModeratorClash() {
        let yaml = """
            version: 1
            personas:
              - username: alice
              - username: bob
              - username: alice
            seedComments: [hi]
            strategies: [none, minimal]
            moderator:
              username: bob
            """
        let d = Self.diagnostics(yaml)
        #expect(d.map(\.field) == ["personas", "moderator.username"])
        #expect(d.first?.message.contains("'alice' appears twice") == true)
        #expect(d.last?.line == lineNumber(of: "username: bob", in: yaml, occurrence: 2))
    }

    @Test func everyProblemIsCollected() {
        let yaml = """
            version: 1
            replicates: 0
            personas:
              - username: alice
              - username: bob
            seedComments: [hi]
            discussion:
              users: 2
              turns: 0
              turnTaking: {policy: respond, p: 3}
            strategies: [none, none]
            models:
              - endpoint: nowhere
            """
        let d = Self.diagnostics(yaml)
        #expect(d.map(\.field) == ["replicates", "discussion.turns", "discussion.turnTaking.p", "strategies[1].name", "models[0].endpoint"])
        #expect(d.map(\.line) == [2, 9, 10, 11, 13].map(Optional.some))
        let error = ExperimentFileError(d)
        #expect(error.description.split(separator: "\n").count == 5)
        #expect(error.description.split(separator: "\n").allSatisfy { $0.hasPrefix("error: \(Self.file):") })
        #expect(error.errorDescription == error.description)
    }

    @Test func inlineSeedCommentProblems() {
        let empty = "version: 1\npersonas: [{username: a}, {username: b}]\nseedComments: []\ndiscussion: {users: 2}\n"
        #expect(Self.diagnostics(empty).map(\.message) == ["expected at least one seed comment"])
        let blank = "version: 1\npersonas: [{username: a}, {username: b}]\nseedComments: [ok, '  ']\ndiscussion: {users: 2}\n"
        let d = Self.diagnostics(blank)
        #expect(d.map(\.message) == ["seed comment 2 is empty"] && d.first?.field == "seedComments")
        let noPersonas = "version: 1\npersonas: []\nseedComments: [x]\n"
        #expect(Self.diagnostics(noPersonas).map(\.field) == ["personas"])
    }

    @Test func invalidPromptTemplateOverride() {
        let yaml = YAMLFixtures.minimal(plus: "prompts:\n  turn: '{{#comments}} unclosed'\n")
        Self.expectOne(yaml, field: "prompts.turn", line: lineNumber(of: "turn:", in: yaml), messageContains: ["Mustache"])
    }

    // MARK: files

    @Test func missingPersonaFile() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        let yaml = "version: 1\npersonas: people.json\nseedComments: [hello]\n"
        Self.expectOne(
            yaml, field: "personas", line: 2, messageContains: ["'people.json' does not exist", dir.appendingPathComponent("people.json").path],
            base: dir.path)
    }

    @Test func missingSeedFolder() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        let yaml = "version: 1\npersonas: [{username: a}, {username: b}]\nseedComments: seeds\ndiscussion: {users: 2}\n"
        Self.expectOne(yaml, field: "seedComments", line: 3, messageContains: ["'seeds' does not exist"], base: dir.path)
    }

    @Test func emptySeedFolderAndPersonaFolder() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write("not a seed", to: "seeds/readme.md", in: dir)
        try TestSupport.write("ignored", to: "people/notes.txt", in: dir)
        let yaml = "version: 1\npersonas: people\nseedComments: seeds\n"
        let d = Self.diagnostics(yaml, base: dir.path)
        #expect(d.map(\.field) == ["personas", "seedComments"])
        #expect(d.first?.message.contains("no .json files") == true)
        #expect(d.last?.message.contains("no .txt files") == true)
    }

    @Test func missingInstructionFileNamesTheFileKey() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        let yaml = YAMLFixtures.minimal(plus: "users:\n  instructions: {file: instructions/user.txt}\nstrategies:\n  - name: mine\n    instructions:\n      file: strategies/mine.txt\n")
        let d = Self.diagnostics(yaml, base: dir.path)
        #expect(d.map(\.field) == ["users.instructions.file", "strategies[0].instructions.file"])
        #expect(d.map(\.line) == [lineNumber(of: "instructions: {file", in: yaml), lineNumber(of: "file: strategies/mine.txt", in: yaml)])
        #expect(d.first?.message.contains("instructions/user.txt") == true)
    }

    @Test func personaFileEntryWithoutUsername() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write(#"[{"username": "a"}, {"age": 40, "occupation": "welder"}]"#, to: "people.json", in: dir)
        let yaml = "version: 1\npersonas: people.json\nseedComments: [hi]\n"
        let d = Self.expectOne(yaml, field: "personas", line: 2, messageContains: ["people.json", "persona[1]", "username"], base: dir.path)
        _ = d
        #expect(throws: PersonaFileError.self) { try PersonaFile.read(path: dir.appendingPathComponent("people.json").path) }
    }

    @Test func personaFileThatIsNotJSON() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write("username: a\n", to: "people.json", in: dir)
        let yaml = "version: 1\npersonas: people.json\nseedComments: [hi]\n"
        Self.expectOne(yaml, field: "personas", line: 2, messageContains: ["people.json"], base: dir.path)
    }

    @Test func loadPathResolvesFilesRelativeToTheExperimentFile() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write(
            #"[{"username": "ann", "age": 33}, {"username": "ben"}, {"username": "cat", "personality": ["shy"]}]"#,
            to: "study/data/people.json", in: dir)
        try TestSupport.write("\nSecond seed.\n\n", to: "study/seeds/02-second.txt", in: dir)
        try TestSupport.write("First seed.", to: "study/seeds/01-first.txt", in: dir)
        try TestSupport.write("Not a seed.", to: "study/seeds/notes.md", in: dir)
        try TestSupport.write("  Speak plainly.\n", to: "study/instructions/user.txt", in: dir)
        try TestSupport.write("Stir things up.", to: "study/instructions/troll.txt", in: dir)
        try TestSupport.write("Keep it tidy.\n", to: "study/strategies/tidy.txt", in: dir)
        try TestSupport.write("{{% CONTENT_TYPE: TEXT}}Hi {{username}}", to: "study/templates/turn.mustache", in: dir)
        let yaml = """
            version: 1
            personas: data/people.json
            seedComments: seeds
            users:
              instructions: {file: instructions/user.txt}
            trolls:
              share: 0.5
              instructions: {file: instructions/troll.txt}
            strategies:
              - none
              - name: tidy
                instructions: {file: strategies/tidy.txt}
            prompts:
              turn: {file: templates/turn.mustache}
            """
        let path = try TestSupport.write(yaml, to: "study/my-study.yaml", in: dir).path
        let e = try ExperimentLoader.load(path: path)
        #expect(e.name == "my-study")
        #expect(e.personas.map(\.username) == ["ann", "ben", "cat"])
        #expect(e.personas[0].age == 33 && e.personas[2].personality == ["shy"])
        #expect(e.seedComments == ["First seed.", "Second seed."])
        #expect(e.userInstructions == "Speak plainly.")
        #expect(e.trollInstructions == "Stir things up.")
        #expect(e.strategies == [Strategy(name: "none", instructions: ""), Strategy(name: "tidy", instructions: "Keep it tidy.")])
        #expect(e.templates.turn == "{{% CONTENT_TYPE: TEXT}}Hi {{username}}")
        #expect(e.spec.personas == .path("data/people.json"), "the spec keeps paths as written")
    }

    @Test func personaFolderSingleObjectFilesAndSeedVariants() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write(#"{"username": "zed"}"#, to: "people/b.json", in: dir)
        try TestSupport.write(#"  [{"username": "amy"}, {"username": "al"}]"#, to: "people/a.json", in: dir)
        try TestSupport.write(#"["One.", "  Two.  "]"#, to: "seeds.json", in: dir)
        try TestSupport.write("Only seed.\n", to: "one.txt", in: dir)
        let e1 = try ExperimentLoader.load(
            yaml: "version: 1\npersonas: people\nseedComments: seeds.json\n", file: "a.yaml", baseDirectory: dir.path)
        #expect(e1.personas.map(\.username) == ["amy", "al", "zed"])
        #expect(e1.seedComments == ["One.", "Two."])
        let e2 = try ExperimentLoader.load(
            yaml: "version: 1\npersonas: \(dir.path)/people/a.json\nseedComments: [x]\ndiscussion: {users: 2}\n",
            file: "b.yaml", baseDirectory: "/somewhere-else")
        #expect(e2.personas.map(\.username) == ["amy", "al"], "absolute paths are used as they are")
        #expect(throws: ExperimentFileError.self) {
            try ExperimentLoader.load(yaml: "version: 1\npersonas: people\nseedComments: one.txt\n", file: "c.yaml", baseDirectory: "/somewhere-else")
        }
        let e3 = try ExperimentLoader.load(yaml: "version: 1\npersonas: people\nseedComments: one.txt\n", file: "c.yaml", baseDirectory: dir.path)
        #expect(e3.seedComments == ["Only seed."])
        try TestSupport.write(#"{"seeds": 1}"#, to: "bad-seeds.json", in: dir)
        let d = Self.diagnostics("version: 1\npersonas: people\nseedComments: bad-seeds.json\n", base: dir.path)
        #expect(d.count == 1 && d.first?.field == "seedComments" && d.first?.message.contains("JSON array of strings") == true)
    }

    @Test func loadPathOfAMissingFile() {
        let path = "/nonexistent-sdf-dir/missing.yaml"
        let error = #expect(throws: ExperimentFileError.self) { try ExperimentLoader.load(path: path) }
        #expect(error?.diagnostics.count == 1)
        #expect(error?.diagnostics.first?.file == path)
        #expect(error?.description == "error: \(path): cannot read the experiment file")
    }

    // MARK: personas in the legacy layouts

    static let legacyJSON = #"""
        [
          {
            "username": "GreenGrocer42",
            "age": "58",
            "gender": "male",
            "education_level": "apprenticeship",
            "current_employment": "greengrocer",
            "demographic_group": "Turkish German",
            "sexual_orientation": "heterosexual",
            "political_leaning": "centre",
            "personality_characteristics": "talkative, suspicious of banks",
            "special_instructions": "Mention your shop when you can.",
            "intent": "defend small businesses",
            "income": 52000,
            "height_m": 1.78,
            "languages": ["German", "Turkish"],
            "nickname": null
          },
          {
            "name": "quiet_quill",
            "personality_characteristics": ["reserved", "precise"],
            "educationLevel": "PhD",
            "employment": "archivist"
          }
        ]
        """#

    @Test func legacyPersonaKeysDecode() throws {
        let personas = try JSONDecoder().decode([Persona].self, from: Data(Self.legacyJSON.utf8))
        let p = personas[0]
        #expect(p.username == "GreenGrocer42")
        #expect(p.age == 58)
        #expect(p.sex == "male")
        #expect(p.education == "apprenticeship")
        #expect(p.occupation == "greengrocer")
        #expect(p.ethnicity == "Turkish German")
        #expect(p.sexualOrientation == "heterosexual")
        #expect(p.politicalLeaning == "centre")
        #expect(p.personality == ["talkative", "suspicious of banks"])
        #expect(p.extra == [
            "special_instructions": "Mention your shop when you can.", "intent": "defend small businesses", "income": "52000",
            "height_m": "1.78", "languages": "German, Turkish",
        ])
        let q = personas[1]
        #expect(q.username == "quiet_quill" && q.personality == ["reserved", "precise"])
        #expect(q.education == "PhD" && q.occupation == "archivist" && q.extra.isEmpty)
        // Attribute order for prompts: named attributes, then extra keys sorted.
        #expect(p.attributes.map(\.label) == [
            "age", "sex/gender", "education", "sexual orientation", "ethnicity", "occupation", "political leaning", "personality",
            "height_m", "income", "intent", "languages", "special_instructions",
        ])
    }

    @Test func legacyPersonaFileLoadsThroughTheLoaderAndReEncodesWithSDFKeys() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write(Self.legacyJSON, to: "legacy.json", in: dir)
        let e = try ExperimentLoader.load(
            yaml: "version: 1\npersonas: legacy.json\nseedComments: [hi]\ndiscussion: {users: 2}\n", file: "l.yaml", baseDirectory: dir.path)
        #expect(e.personas.map(\.username) == ["GreenGrocer42", "quiet_quill"])
        let encoded = try JSONEncoder().encode(e.personas[0])
        let object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(Set(object.keys) == ["username", "age", "sex", "education", "sexualOrientation", "ethnicity", "occupation", "politicalLeaning", "personality", "extra"])
        #expect(try JSONDecoder().decode(Persona.self, from: encoded) == e.personas[0])
    }

    @Test func personaTypeErrors() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Persona.self, from: Data(#"{"username": "a", "age": "old"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Persona.self, from: Data(#"{"username": "a", "hobby": {"x": 1}}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Persona.self, from: Data(#"{"age": 3}"#.utf8)) }
    }

    /// Every attribute, personality included, accepts JSON null as "absent".
    @Test func nullPersonalityIsTreatedAsAbsent() throws {
        let json = #"{"username": "a", "sex": null, "occupation": null, "personality_characteristics": null}"#
        do {
            let p = try JSONDecoder().decode(Persona.self, from: Data(json.utf8))
            #expect(p.personality.isEmpty && p.sex == nil)
        }
    }
}
