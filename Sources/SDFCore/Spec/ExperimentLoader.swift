import Foundation
import Yams

/// Reads an experiment file, resolves the files it names and validates everything, collecting all problems.
///
/// Every problem becomes a ``SpecDiagnostic`` naming the file, the YAML line where one is known, and the
/// field; ``load(path:)`` throws them together as one ``ExperimentFileError``.
public enum ExperimentLoader {
    /// Loads and validates the experiment file at `path`.
    ///
    /// - Parameter path: the YAML file; relative paths inside it are resolved against its folder.
    /// - Returns: the resolved ``Experiment``.
    /// - Throws: ``ExperimentFileError`` listing every problem (unreadable file, malformed YAML, unknown or
    ///   missing keys, wrong types, missing persona or seed files, invalid values).
    public static func load(path: String) throws -> Experiment {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ExperimentFileError([.init(file: path, field: "", message: "cannot read the experiment file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ExperimentFileError([.init(file: path, field: "", message: "the experiment file is not UTF-8 text")])
        }
        return try load(yaml: text, file: path, baseDirectory: url.deletingLastPathComponent().path)
    }

    /// Loads and validates experiment YAML given as text.
    ///
    /// - Parameters:
    ///   - yaml: the file's contents.
    ///   - file: the name used in diagnostics.
    ///   - baseDirectory: the folder relative paths are resolved against.
    /// - Throws: ``ExperimentFileError``.
    public static func load(yaml: String, file: String, baseDirectory: String) throws -> Experiment {
        let root = try compose(yaml: yaml, file: file)
        let locate = locator(yaml: yaml, file: file)
        var sectionDiagnostics: [SpecDiagnostic] = []
        let (baseNode, section) = FactorSection.split(root, locate: locate, &sectionDiagnostics)
        let spec: ExperimentSpec
        do {
            spec = try decode(node: baseNode, yaml: yaml, file: file)
        } catch let error as ExperimentFileError {
            throw ExperimentFileError(sectionDiagnostics + error.diagnostics)
        }
        var experiment: Experiment
        do {
            experiment = try build(spec, file: file, baseDirectory: baseDirectory, locate: locate)
        } catch let error as ExperimentFileError {
            throw ExperimentFileError(sectionDiagnostics + error.diagnostics)
        }
        if !section.factors.isEmpty {
            do {
                try addFactors(section, base: baseNode, to: &experiment, file: file, baseDirectory: baseDirectory, locate: locate)
            } catch let error as ExperimentFileError {
                throw ExperimentFileError(sectionDiagnostics + error.diagnostics)
            }
        }
        if !sectionDiagnostics.isEmpty { throw ExperimentFileError(sectionDiagnostics) }
        return experiment
    }

    /// Resolves and validates one decoded spec (the file, or the file merged with factor levels).
    static func build(
        _ spec: ExperimentSpec, file: String, baseDirectory: String, locate: @escaping ([any PathComponent], String) -> SpecDiagnostic
    ) throws -> Experiment {
        var diagnostics = validate(spec, file: file, locate: locate)
        let resolver = Resolver(base: baseDirectory, file: file, locate: locate)
        let personas = resolver.personas(spec.personas, &diagnostics)
        let seeds = resolver.seedThreads(spec.seedComments, &diagnostics)
        let userInstructions =
            resolver.text(spec.users.instructions, field: "users.instructions", &diagnostics)
            ?? DefaultData.userInstructions
        let trollInstructions =
            spec.trolls.map {
                resolver.text($0.instructions, field: "trolls.instructions", &diagnostics) ?? DefaultData.trollInstructions
            } ?? ""
        var strategies: [Strategy] = []
        for (i, strategy) in spec.strategies.enumerated() {
            let field = "strategies[\(i)].instructions"
            if strategy.name == "none" {
                if strategy.instructions != nil {
                    diagnostics.append(locate(["strategies", i, "instructions"], "strategy 'none' has no moderator, so it takes no instructions"))
                }
                strategies.append(.init(name: "none", instructions: ""))
            } else if let text = resolver.text(strategy.instructions, field: field, &diagnostics) {
                strategies.append(.init(name: strategy.name, instructions: text))
            } else if let builtIn = DefaultData.strategies.first(where: { $0.name == strategy.name }) {
                strategies.append(.init(name: strategy.name, instructions: builtIn.instructions))
            } else if strategy.instructions == nil {
                diagnostics.append(
                    locate(
                        ["strategies", i, "name"],
                        "strategy '\(strategy.name)' is not built in, so it needs 'instructions' (built-in: none, "
                            + DefaultData.strategies.map(\.name).joined(separator: ", ") + ")"))
            }
        }
        var templates = PromptTemplates.builtIn
        if let t = resolver.text(spec.prompts.participantSystem, field: "prompts.participantSystem", &diagnostics) {
            templates.participantSystem = t
        }
        if let t = resolver.text(spec.prompts.moderatorSystem, field: "prompts.moderatorSystem", &diagnostics) {
            templates.moderatorSystem = t
        }
        if let t = resolver.text(spec.prompts.turn, field: "prompts.turn", &diagnostics) { templates.turn = t }
        if let t = resolver.text(spec.prompts.annotatorSystem, field: "prompts.annotatorSystem", &diagnostics) {
            templates.annotatorSystem = t
        }
        if let t = resolver.text(spec.prompts.annotation, field: "prompts.annotation", &diagnostics) { templates.annotation = t }
        if let t = resolver.text(spec.prompts.moderatorDecision, field: "prompts.moderatorDecision", &diagnostics) {
            templates.moderatorDecision = t
        }
        for (field, template) in [
            ("prompts.participantSystem", templates.participantSystem), ("prompts.moderatorSystem", templates.moderatorSystem),
            ("prompts.turn", templates.turn), ("prompts.annotatorSystem", templates.annotatorSystem),
            ("prompts.annotation", templates.annotation), ("prompts.moderatorDecision", templates.moderatorDecision),
        ] {
            do { try PromptRenderer.checkTemplate(template) } catch {
                diagnostics.append(locate(field.split(separator: ".").map { String($0) }, "not a valid Mustache template: \(error)"))
            }
        }
        for field in PromptRenderer.emptyRenderings(of: templates) {
            diagnostics.append(
                locate(
                    ["prompts", field],
                    "the template renders an empty message (every call would be rejected by the server); expected text, "
                        + "e.g. the built-in template with {{username}}, {{instructions}} and the other fields"))
        }
        if !personas.isEmpty {
            var seen = Set<String>()
            for persona in personas where !seen.insert(persona.username).inserted {
                diagnostics.append(locate(["personas"], "username '\(persona.username)' appears twice in the persona pool"))
            }
            if personas.contains(where: { $0.username == "OP" }) {
                diagnostics.append(locate(["personas"], "'OP' is reserved for the author of the seed comment; rename that persona"))
            }
            if strategies.contains(where: \.hasModerator), personas.contains(where: { $0.username == spec.moderator.username }) {
                diagnostics.append(locate(["moderator", "username"], "'\(spec.moderator.username)' is also a persona's username"))
            }
            if spec.discussion.users > personas.count {
                diagnostics.append(
                    locate(
                        ["discussion", "users"],
                        "\(spec.discussion.users) users per discussion, but the persona pool has only \(personas.count)"))
            }
        }
        let participantNames = Set(personas.map(\.username))
        let moderatorName = strategies.contains(where: \.hasModerator) ? spec.moderator.username : nil
        for (i, seed) in seeds.enumerated() where !seed.isSingleOP {
            for (j, comment) in seed.comments.enumerated() {
                let place = "seed \(i + 1) (thread '\(seed.id ?? "")') comment \(j + 1)"
                if participantNames.contains(comment.author) {
                    diagnostics.append(
                        locate(["seedComments"], "\(place): author '\(comment.author)' is a persona's username; seed authors must not take part"))
                } else if comment.author == moderatorName {
                    diagnostics.append(
                        locate(["seedComments"], "\(place): author '\(comment.author)' is the moderator's username; seed authors must not take part"))
                }
            }
        }
        let annotation = spec.annotation.map { resolver.annotation($0, models: spec.models, &diagnostics) }
        diagnostics += validateTrigger(spec.moderator.schedule, annotation: annotation, locate: locate)
        if let branching = spec.branching {
            for problem in branching.problems(strategies: spec.strategies.map(\.name), turns: spec.discussion.turns) {
                diagnostics.append(locate(problem.field, problem.message))
            }
        }
        if !diagnostics.isEmpty { throw ExperimentFileError(diagnostics) }
        let name = spec.name ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return Experiment(
            name: name, spec: spec, personas: personas, seedThreads: seeds, userInstructions: userInstructions,
            trollInstructions: trollInstructions, strategies: strategies, templates: templates, annotation: annotation)
    }

    /// Checks an `onTrigger` schedule against the resolved annotation stage: the stage exists, the annotator is on its
    /// panel, the dimension is in its rubric and the threshold is a point of that dimension's scale.
    ///
    /// - Returns: one diagnostic per problem, naming `moderator.trigger.annotator`, `.dimension` or `.atLeast`
    ///   (`moderator.trigger` when the file has no annotation section); empty for other schedules.
    static func validateTrigger(
        _ schedule: ModeratorSchedule, annotation: AnnotationSetup?, locate: ([any PathComponent], String) -> SpecDiagnostic
    ) -> [SpecDiagnostic] {
        guard case .onTrigger(let trigger) = schedule else { return [] }
        guard let annotation else {
            return [
                locate(
                    ["moderator", "trigger"],
                    "schedule onTrigger scores comments with an annotator of the annotation panel, but the file has no 'annotation' section")
            ]
        }
        var d: [SpecDiagnostic] = []
        let names = annotation.annotators.map(\.username)
        if !names.contains(trigger.annotator) {
            d.append(
                locate(
                    ["moderator", "trigger", "annotator"],
                    "unknown annotator '\(trigger.annotator)'; expected one of the annotation panel: \(names.joined(separator: ", "))"))
        }
        if let dimension = annotation.rubric.dimensions.first(where: { $0.name == trigger.dimension }) {
            if !dimension.points.contains(trigger.atLeast) {
                d.append(
                    locate(
                        ["moderator", "trigger", "atLeast"],
                        "threshold \(trigger.atLeast) is outside the scale of '\(dimension.name)' (\(dimension.min)...\(dimension.max))"))
            }
        } else {
            d.append(
                locate(
                    ["moderator", "trigger", "dimension"],
                    "unknown dimension '\(trigger.dimension)'; the rubric has: "
                        + annotation.rubric.dimensions.map(\.name).joined(separator: ", ")))
        }
        return d
    }

    /// Decodes the YAML into an ``ExperimentSpec``, turning parser and decoding errors into diagnostics with lines.
    ///
    /// - Throws: ``ExperimentFileError``.
    /// The `factors:` and `conditions:` sections are left out (they are design, read by ``load(yaml:file:baseDirectory:)``).
    public static func decode(yaml: String, file: String) throws -> ExperimentSpec {
        let root = try compose(yaml: yaml, file: file)
        var ignored: [SpecDiagnostic] = []
        let (base, _) = FactorSection.split(root, locate: locator(yaml: yaml, file: file), &ignored)
        return try decode(node: base, yaml: yaml, file: file)
    }

    /// Parses the YAML text into a node tree.
    ///
    /// - Throws: ``ExperimentFileError`` for malformed YAML or an empty file.
    static func compose(yaml: String, file: String) throws -> Node {
        do {
            guard let root = try Yams.compose(yaml: yaml) else {
                throw ExperimentFileError([.init(file: file, field: "", message: "the experiment file is empty")])
            }
            return root
        } catch let error as ExperimentFileError {
            throw error
        } catch let error as YamlError {
            throw ExperimentFileError([yamlDiagnostic(error, file: file)])
        } catch {
            throw ExperimentFileError([.init(file: file, field: "", message: "malformed YAML: \(error)")])
        }
    }

    /// Decodes a node tree of the file (lines of diagnostics are looked up in `yaml`).
    static func decode(node: Node, yaml: String, file: String) throws -> ExperimentSpec {
        do {
            return try YAMLDecoder().decode(ExperimentSpec.self, from: node)
        } catch let error as YamlError {
            throw ExperimentFileError([yamlDiagnostic(error, file: file)])
        } catch let error as DecodingError {
            throw ExperimentFileError([decodingDiagnostic(error, yaml: yaml, file: file)])
        }
    }

    /// Checks values that decoding cannot: ranges, counts, names. Returns one diagnostic per problem.
    ///
    /// - Parameter locate: maps a key path and message to a diagnostic with the line of that key.
    public static func validate(
        _ spec: ExperimentSpec, file: String, locate: ([any PathComponent], String) -> SpecDiagnostic
    ) -> [SpecDiagnostic] {
        var d: [SpecDiagnostic] = []
        if spec.version < 1 || spec.version > ExperimentSpec.highestSupportedVersion {
            d.append(locate(["version"], "version \(spec.version) is not supported; this build reads 1...\(ExperimentSpec.highestSupportedVersion)"))
        }
        func atMost<T: Comparable>(_ path: [any PathComponent], _ what: String, _ value: T, _ bound: ClosedRange<T>) {
            if value > bound.upperBound {
                d.append(locate(path, "\(what) is \(value), more than a study can use; " + StudyLimits.message(what, bound, got: value)))
            }
        }
        if spec.replicates < 1 {
            d.append(locate(["replicates"], "expected a positive integer, got \(spec.replicates)"))
        } else {
            atMost(["replicates"], "replicates", spec.replicates, StudyLimits.replicates)
        }
        if let n = spec.concurrency, n < 1 {
            d.append(locate(["concurrency"], "expected a positive integer, got \(n)"))
        } else if let n = spec.concurrency {
            atMost(["concurrency"], "concurrency", n, StudyLimits.concurrency)
        }
        if spec.discussion.users < 2 {
            d.append(locate(["discussion", "users"], "expected at least 2 users per discussion, got \(spec.discussion.users)"))
        } else {
            atMost(["discussion", "users"], "users per discussion", spec.discussion.users, StudyLimits.users)
        }
        if spec.discussion.turns < 1 {
            d.append(locate(["discussion", "turns"], "expected a positive number of turns, got \(spec.discussion.turns)"))
        } else {
            atMost(["discussion", "turns"], "user turns per discussion", spec.discussion.turns, StudyLimits.turns)
        }
        if let h = spec.discussion.historyLength, h < 1 {
            d.append(locate(["discussion", "historyLength"], "expected a positive integer or 'all', got \(h)"))
        } else if let h = spec.discussion.historyLength {
            atMost(["discussion", "historyLength"], "historyLength", h, StudyLimits.historyLength)
        }
        atMost(["strategies"], "strategies", spec.strategies.count, StudyLimits.listEntries)
        atMost(["models"], "models", spec.models.count, StudyLimits.listEntries)
        // Multiply without overflow: the design's size must be known before anything is allocated.
        let (cells, overflow) = max(spec.strategies.count, 1).multipliedReportingOverflow(by: max(spec.models.count, 1))
        let (discussions, overflow2) = cells.multipliedReportingOverflow(by: max(spec.replicates, 1))
        if spec.replicates <= StudyLimits.replicates.upperBound, overflow || overflow2 || discussions > StudyLimits.discussions.upperBound {
            d.append(
                locate(
                    ["replicates"],
                    "the design has \(overflow || overflow2 ? "too many" : String(discussions)) discussions (conditions × replicates); "
                        + "expected at most \(StudyLimits.discussions.upperBound)"))
        }
        switch spec.discussion.turnTaking {
        case .respond(let p) where !(0...1).contains(p):
            d.append(locate(["discussion", "turnTaking", "p"], "expected a probability in [0, 1], got \(p)"))
        default: break
        }
        if let trolls = spec.trolls, !(0...1).contains(trolls.share) {
            d.append(locate(["trolls", "share"], "expected a share in [0, 1], got \(trolls.share)"))
        }
        if case .everyKComments(let k) = spec.moderator.schedule, k < 1 {
            d.append(locate(["moderator", "every"], "expected a positive integer, got \(k)"))
        } else if case .everyKComments(let k) = spec.moderator.schedule {
            atMost(["moderator", "every"], "every", k, StudyLimits.moderatorEvery)
        }
        if spec.moderator.username.trimmingCharacters(in: .whitespaces).isEmpty {
            d.append(locate(["moderator", "username"], "expected a non-empty username"))
        }
        if spec.strategies.isEmpty { d.append(locate(["strategies"], "expected at least one strategy (use 'none' for no moderator)")) }
        var strategyNames = Set<String>()
        for (i, s) in spec.strategies.enumerated() {
            if s.name.isEmpty || s.name.contains(where: { $0.isWhitespace || "/;=".contains($0) }) {
                d.append(locate(["strategies", i, "name"], "expected a name without spaces, '/', ';' or '=', got '\(s.name)'"))
            }
            if !strategyNames.insert(s.name).inserted {
                d.append(locate(["strategies", i, "name"], "strategy '\(s.name)' is listed twice"))
            }
        }
        if spec.models.isEmpty { d.append(locate(["models"], "expected at least one model")) }
        var modelNames = Set<String>()
        for (i, m) in spec.models.enumerated() {
            if !modelNames.insert(m.name).inserted { d.append(locate(["models", i, "name"], "model name '\(m.name)' is listed twice")) }
            if m.name.isEmpty || m.name.contains(where: { ";=".contains($0) }) {
                d.append(locate(["models", i, "name"], "expected a name without ';' or '=', got '\(m.name)'"))
            }
            d += validateModel(m, path: ["models", i], locate: locate)
        }
        if let annotation = spec.annotation, let model = annotation.model {
            d += validateModel(model, path: ["annotation", "model"], locate: locate)
        }
        return d
    }

    static func validateModel(
        _ m: ModelSettings, path p: [any PathComponent], locate: ([any PathComponent], String) -> SpecDiagnostic
    ) -> [SpecDiagnostic] {
        var d: [SpecDiagnostic] = []
        if m.endpoints.isEmpty {
            d.append(locate(p + ["endpoint"], "expected 'local', a base URL, or a list of base URLs; got an empty list"))
        } else if m.endpoints.count > 1 && m.endpoints.contains("local") {
            d.append(locate(p + ["endpoint"], "'local' cannot be part of a list of endpoints; use 'local' alone or base URLs"))
        } else if Set(m.endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }).count != m.endpoints.count {
            d.append(locate(p + ["endpoint"], "the list of endpoints names the same URL twice"))
        } else if !m.isLocal {
            for (i, endpoint) in m.endpoints.enumerated() {
                if let url = URL(string: endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil { continue }
                let field: [any PathComponent] = m.endpoints.count > 1 ? p + ["endpoint", i] : p + ["endpoint"]
                d.append(locate(field, "expected 'local' or an http(s) base URL such as http://127.0.0.1:8000/v1, got '\(endpoint)'"))
            }
        }
        if !m.isLocal, m.gguf != nil { d.append(locate(p + ["gguf"], "'gguf' only applies to endpoint: local")) }
        if !(0...2).contains(m.temperature) { d.append(locate(p + ["temperature"], "expected a value in [0, 2], got \(m.temperature)")) }
        if let top = m.topP, !(top > 0 && top <= 1) { d.append(locate(p + ["topP"], "expected a value in (0, 1], got \(top)")) }
        func atMost<T: Comparable>(_ key: String, _ value: T, _ bound: ClosedRange<T>) {
            if value > bound.upperBound {
                d.append(locate(p + [key], "\(key) is \(value), more than a study can use; " + StudyLimits.message(key, bound, got: value)))
            }
        }
        if m.maxTokens < 1 { d.append(locate(p + ["maxTokens"], "expected a positive integer, got \(m.maxTokens)")) }
        atMost("maxTokens", m.maxTokens, StudyLimits.maxTokens)
        if !(m.timeoutSeconds > 0) { d.append(locate(p + ["timeoutSeconds"], "expected a positive number of seconds")) }
        if !m.timeoutSeconds.isFinite { d.append(locate(p + ["timeoutSeconds"], "expected a finite number of seconds")) }
        atMost("timeoutSeconds", m.timeoutSeconds, StudyLimits.timeoutSeconds)
        if m.parallel < 1 { d.append(locate(p + ["parallel"], "expected a positive integer, got \(m.parallel)")) }
        atMost("parallel", m.parallel, StudyLimits.parallel)
        if m.contextPerSlot < 256 { d.append(locate(p + ["contextPerSlot"], "expected at least 256 tokens, got \(m.contextPerSlot)")) }
        atMost("contextPerSlot", m.contextPerSlot, StudyLimits.contextPerSlot)
        for (key, value) in [("frequencyPenalty", m.frequencyPenalty), ("presencePenalty", m.presencePenalty)] {
            if let value, !(-2...2).contains(value) { d.append(locate(p + [key], "expected a value in [-2, 2], got \(value)")) }
        }
        if case .fixed(let seed) = m.seedPolicy, seed < 0 {
            d.append(locate(p + ["seed"], "expected a non-negative integer, 'derived' or 'none', got \(seed)"))
        }
        if let stop = m.stop {
            if stop.count > 4 { d.append(locate(p + ["stop"], "expected at most 4 stop sequences, got \(stop.count)")) }
            for (i, sequence) in stop.enumerated() where sequence.isEmpty {
                d.append(locate(p + ["stop", i], "expected a non-empty stop sequence"))
            }
        }
        for key in (m.extraBody ?? [:]).keys.sorted() where ModelSettings.reservedRequestKeys.contains(key) {
            d.append(locate(p + ["extraBody", key], "'\(key)' is set by SDF itself; use the model setting instead of extraBody"))
        }
        if let price = m.price, !(price.input >= 0 && price.output >= 0 && price.input.isFinite && price.output.isFinite) {
            d.append(locate(p + ["price"], "expected non-negative prices per million tokens, got input \(price.input), output \(price.output)"))
        }
        if let env = m.apiKeyEnv, env.isEmpty || env.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            d.append(locate(p + ["apiKeyEnv"], "expected the NAME of an environment variable (the key itself never goes in the file)"))
        }
        return d
    }

    /// Returns a function that builds a diagnostic carrying the YAML line and column of a key path.
    public static func locator(yaml: String, file: String) -> ([any PathComponent], String) -> SpecDiagnostic {
        let root = try? Yams.compose(yaml: yaml)
        return { path, message in
            let mark = root.flatMap { node(at: path, in: $0) }?.mark
            return SpecDiagnostic(file: file, line: mark?.line, column: mark?.column, field: fieldName(path), message: message)
        }
    }

    static func fieldName(_ path: [any PathComponent]) -> String {
        var result = ""
        for component in path {
            if let index = component as? Int {
                result += "[\(index)]"
            } else {
                if !result.isEmpty { result += "." }
                result += "\(component)"
            }
        }
        return result
    }

    /// Walks `path` from `root`, returning the deepest node reached (its key node for mapping entries).
    static func node(at path: [any PathComponent], in root: Node) -> Node? {
        var current = root
        var best: Node? = root
        for component in path {
            if let index = component as? Int, case .sequence(let seq) = current, index >= 0, index < seq.count {
                current = seq[index]
                best = current
            } else if let key = component as? String, case .mapping(let map) = current,
                let pair = map.first(where: { $0.key.string == key })
            {
                best = pair.key
                current = pair.value
            } else {
                break
            }
        }
        return best
    }

    static func yamlDiagnostic(_ error: YamlError, file: String) -> SpecDiagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return SpecDiagnostic(file: file, line: mark.line, column: mark.column, field: "", message: "malformed YAML: \(problem)")
        default:
            return SpecDiagnostic(file: file, field: "", message: "malformed YAML: \(error)")
        }
    }

    static func decodingDiagnostic(_ error: DecodingError, yaml: String, file: String) -> SpecDiagnostic {
        let locate = locator(yaml: yaml, file: file)
        func path(_ codingPath: [any CodingKey]) -> [any PathComponent] {
            codingPath.map { key -> any PathComponent in key.intValue.map { $0 as any PathComponent } ?? key.stringValue }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let detail = context.debugDescription.hasPrefix("No value associated") ? "" : " (\(context.debugDescription))"
            return locate(path(context.codingPath), "missing required key '\(key.stringValue)'\(detail)")
        case .typeMismatch(let type, let context):
            return locate(path(context.codingPath), "wrong type: expected \(describe(type))\(found(context.debugDescription))")
        case .valueNotFound(let type, let context):
            return locate(path(context.codingPath), "missing value: expected \(describe(type))")
        case .dataCorrupted(let context):
            return locate(path(context.codingPath), context.debugDescription)
        @unknown default:
            return SpecDiagnostic(file: file, field: "", message: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is String.Type: return "text"
        case is Bool.Type: return "true or false"
        default: return yamlKind("\(type)") ?? "\(type)"
        }
    }

    /// YAML node kinds in people's words (Yams names them Scalar, Sequence, Mapping).
    static func yamlKind(_ name: String) -> String? {
        if name.contains("Scalar") { return "a single value" }
        if name.contains("Sequence") || name.hasPrefix("Array") { return "a list" }
        if name.contains("Mapping") || name.hasPrefix("Dictionary") { return "a mapping (key: value)" }
        return nil
    }

    /// ", found a list" from a decoder's "Expected to decode X but found Y instead.", or the text in brackets.
    static func found(_ debugDescription: String) -> String {
        if let range = debugDescription.range(of: "but found "), let end = debugDescription.range(of: " instead", range: range.upperBound..<debugDescription.endIndex) {
            let kind = String(debugDescription[range.upperBound..<end.lowerBound])
            return ", found " + (yamlKind(kind) ?? kind)
        }
        return debugDescription.isEmpty ? "" : " (\(debugDescription))"
    }
}

/// One step of a key path into the experiment file: a `String` key or an `Int` index.
public protocol PathComponent: Sendable {}
extension String: PathComponent {}
extension Int: PathComponent {}

/// Reads the files an experiment names, relative to the experiment file.
struct Resolver {
    let base: String
    let file: String
    let locate: ([any PathComponent], String) -> SpecDiagnostic

    func resolve(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? expanded : URL(fileURLWithPath: base).appendingPathComponent(expanded).path
    }

    func text(_ source: TextSource?, field: String, _ d: inout [SpecDiagnostic]) -> String? {
        guard let source else { return nil }
        let keys = field.split(separator: ".").flatMap { part -> [any PathComponent] in
            // "strategies[1]" -> ["strategies", 1]
            if let open = part.firstIndex(of: "["), let index = Int(part[part.index(after: open)..<part.index(before: part.endIndex)]) {
                return [String(part[..<open]), index]
            }
            return [String(part)]
        }
        switch source {
        case .inline(let text):
            return text
        case .file(let path):
            let full = resolve(path)
            guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) else {
                d.append(locate(keys + ["file"], "cannot read text file '\(path)' (looked at \(full))"))
                return nil
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    func annotation(_ spec: AnnotationSpec, models: [ModelSettings], _ d: inout [SpecDiagnostic]) -> AnnotationSetup {
        let annotators: [Persona]
        if let source = spec.annotators {
            annotators = personas(source, field: ["annotation", "annotators"], &d)
        } else {
            annotators = (try? JSONDecoder().decode([Persona].self, from: Data(DefaultData.annotatorsJSON.utf8))) ?? []
        }
        var seen = Set<String>()
        for a in annotators where !seen.insert(a.username).inserted {
            d.append(locate(["annotation", "annotators"], "annotator username '\(a.username)' appears twice"))
        }
        let instructions = text(spec.instructions, field: "annotation.instructions", &d) ?? DefaultData.annotationInstructions
        let rubric = Rubric(dimensions: spec.rubric ?? Rubric.default.dimensions)
        if rubric.dimensions.isEmpty { d.append(locate(["annotation", "rubric"], "expected at least one dimension")) }
        var names = Set<String>()
        for (i, dim) in rubric.dimensions.enumerated() {
            if dim.name.isEmpty || !dim.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                d.append(locate(["annotation", "rubric", i, "name"], "expected a name of letters, digits and '_', got '\(dim.name)'"))
            }
            if !names.insert(dim.name.lowercased()).inserted {
                d.append(locate(["annotation", "rubric", i, "name"], "dimension '\(dim.name)' is listed twice"))
            }
            if dim.max <= dim.min {
                d.append(locate(["annotation", "rubric", i, "max"], "expected max > min, got \(dim.min)...\(dim.max)"))
            } else if dim.max.subtractingReportingOverflow(dim.min).overflow
                || dim.max - dim.min >= StudyLimits.scalePoints.upperBound
            {
                d.append(
                    locate(
                        ["annotation", "rubric", i, "max"],
                        "the scale \(dim.min)...\(dim.max) has more points than a rubric can use; expected at most "
                            + "\(StudyLimits.scalePoints.upperBound) points"))
            } else if !dim.labels.isEmpty && dim.labels.count != dim.max - dim.min + 1 {
                d.append(
                    locate(
                        ["annotation", "rubric", i, "labels"],
                        "expected \(dim.max - dim.min + 1) labels (one per point \(dim.min)...\(dim.max)), got \(dim.labels.count)"))
            }
        }
        if spec.historyLength < 1 {
            d.append(locate(["annotation", "historyLength"], "expected a positive integer, got \(spec.historyLength)"))
        } else if spec.historyLength > StudyLimits.historyLength.upperBound {
            d.append(locate(["annotation", "historyLength"], StudyLimits.message("historyLength", StudyLimits.historyLength, got: spec.historyLength)))
        }
        if spec.concurrency < 1 {
            d.append(locate(["annotation", "concurrency"], "expected a positive integer, got \(spec.concurrency)"))
        } else if spec.concurrency > StudyLimits.concurrency.upperBound {
            d.append(locate(["annotation", "concurrency"], StudyLimits.message("concurrency", StudyLimits.concurrency, got: spec.concurrency)))
        }
        if annotators.count > StudyLimits.annotators.upperBound {
            d.append(locate(["annotation", "annotators"], StudyLimits.message("annotators", StudyLimits.annotators, got: annotators.count)))
        }
        var model = spec.model ?? AnnotationSetup.defaultModel(for: models)
        if spec.model != nil && model.name == (model.isLocal ? "local" : model.endpoint) { model.name = "annotator" }
        return AnnotationSetup(
            annotators: annotators, instructions: instructions, rubric: rubric, historyLength: spec.historyLength,
            annotateModerator: spec.annotateModerator, structuredOutput: spec.structuredOutput, model: model,
            concurrency: spec.concurrency)
    }

    func personas(_ source: PersonaSource, field: [any PathComponent] = ["personas"], _ d: inout [SpecDiagnostic]) -> [Persona] {
        let locate = { (path: [any PathComponent], message: String) in self.locate(field, message) }
        switch source {
        case .inline(let list):
            if list.isEmpty { d.append(locate(["personas"], "expected at least one persona")) }
            return list
        case .path(let path):
            let full = resolve(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
                d.append(locate(["personas"], "persona file or folder '\(path)' does not exist (looked at \(full))"))
                return []
            }
            var result: [Persona] = []
            let files: [String]
            if isDirectory.boolValue {
                files = ((try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []).filter { $0.hasSuffix(".json") }
                    .sorted().map { full + "/" + $0 }
                if files.isEmpty { d.append(locate(["personas"], "persona folder '\(path)' has no .json files")) }
            } else {
                files = [full]
            }
            for personaFile in files {
                do {
                    result += try PersonaFile.read(path: personaFile)
                } catch {
                    d.append(locate(["personas"], "\(error)"))
                }
            }
            if result.isEmpty && d.isEmpty { d.append(locate(["personas"], "'\(path)' holds no personas")) }
            return result
        }
    }

    /// The seeds of `source`, each a ``SeedThread``; plain strings and `*.txt` files are one-comment seeds by `OP`.
    ///
    /// Problems (an unreadable or malformed file, a CSV without the needed columns, a thread without an id or
    /// comments, a duplicate thread id, a comment without author or with empty text) are appended to `d`, each
    /// naming the file, the thread id, the CSV row or JSON item and the field.
    func seedThreads(_ source: SeedCommentSource, _ d: inout [SpecDiagnostic]) -> [SeedThread] {
        var threads: [SeedThread] = []
        func problem(_ message: String) { d.append(locate(["seedComments"], message)) }
        switch source {
        case .inline(let list):
            for (i, entry) in list.enumerated() {
                switch entry {
                case .text(let text): threads.append(.single(text))
                case .thread(let spec):
                    if let t = thread(spec, where: "seedComments[\(i)]", &d) { threads.append(t) }
                }
            }
        case .path(let path):
            let full = resolve(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
                problem("seed comment file or folder '\(path)' does not exist (looked at \(full))")
                return []
            }
            if isDirectory.boolValue {
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [])
                    .filter { $0.hasSuffix(".txt") || $0.hasSuffix(".json") }.sorted()
                if files.isEmpty { problem("seed comment folder '\(path)' has no .txt files (one comment each) nor .json files (one thread each)") }
                for name in files {
                    let file = "\(path)/\(name)"
                    guard let data = FileManager.default.contents(atPath: full + "/" + name), let text = String(data: data, encoding: .utf8)
                    else {
                        problem("cannot read seed comment file '\(file)' as UTF-8 text")
                        continue
                    }
                    if name.hasSuffix(".txt") {
                        threads.append(.single(text))
                    } else {
                        do {
                            let spec = try JSONDecoder().decode(SeedThreadSpec.self, from: data)
                            if let t = thread(spec, where: "'\(file)'", &d) { threads.append(t) }
                        } catch {
                            problem("'\(file)' is not a seed thread {\"id\": …, \"comments\": [{\"author\": …, \"text\": …}]}: \(Self.describeDecoding(error))")
                        }
                    }
                }
            } else if full.hasSuffix(".json") {
                do {
                    let entries = try JSONDecoder().decode([SeedCommentEntry].self, from: Data(contentsOf: URL(fileURLWithPath: full)))
                    for (i, entry) in entries.enumerated() {
                        switch entry {
                        case .text(let text): threads.append(.single(text))
                        case .thread(let spec):
                            if let t = thread(spec, where: "'\(path)' item \(i + 1)", &d) { threads.append(t) }
                        }
                    }
                } catch {
                    problem("'\(path)' is not a JSON array of strings and threads {\"id\", \"comments\"}: \(Self.describeDecoding(error))")
                }
            } else if full.lowercased().hasSuffix(".csv") {
                if let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) {
                    threads = csvThreads(text, path: path, &d)
                } else {
                    problem("cannot read seed thread file '\(path)' as UTF-8 text")
                }
            } else if let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) {
                threads = [.single(text)]
            } else {
                problem("cannot read seed comment file '\(path)' as UTF-8 text")
            }
        }
        for (i, t) in threads.enumerated() {
            threads[i].comments = t.comments.map { SeedThreadComment(author: $0.author, text: $0.text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if t.isSingleOP && threads[i].firstText.isEmpty { problem("seed comment \(i + 1) is empty") }
        }
        var seen: [String: Int] = [:]
        for (i, t) in threads.enumerated() {
            guard let id = t.id else { continue }
            if let first = seen[id] {
                problem("thread id '\(id)' is used by seeds \(first + 1) and \(i + 1); thread ids must be unique")
            } else {
                seen[id] = i
            }
        }
        if threads.isEmpty && d.isEmpty { problem("expected at least one seed comment") }
        return threads
    }

    /// Validates one thread as written; `place` names where it is (`seedComments[2]`, `'seeds.json' item 3`).
    func thread(_ spec: SeedThreadSpec, where place: String, _ d: inout [SpecDiagnostic]) -> SeedThread? {
        var ok = true
        func problem(_ message: String) {
            ok = false
            d.append(locate(["seedComments"], message))
        }
        let id = spec.id?.trimmingCharacters(in: .whitespaces) ?? ""
        let label = id.isEmpty ? place : "\(place) (thread '\(id)')"
        if id.isEmpty { problem("\(place): thread has no 'id'; expected a non-empty string") }
        guard let comments = spec.comments, !comments.isEmpty else {
            problem("\(label): 'comments' is missing or empty; expected a list of {author, text}")
            return nil
        }
        var result: [SeedThreadComment] = []
        for (j, c) in comments.enumerated() {
            let author = c.author?.trimmingCharacters(in: .whitespaces) ?? ""
            let text = c.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if author.isEmpty { problem("\(label) comment \(j + 1): 'author' is missing or empty") }
            if text.isEmpty { problem("\(label) comment \(j + 1): 'text' is missing or empty") }
            result.append(SeedThreadComment(author: author, text: text))
        }
        return ok ? SeedThread(id: id, comments: result) : nil
    }

    /// The threads of a CSV file with a header naming `thread_id`, `author`, `text` and optionally `position`; rows of
    /// one thread in file order, or by `position` (an integer) when that column is present. Threads are in order of
    /// first appearance.
    func csvThreads(_ text: String, path: String, _ d: inout [SpecDiagnostic]) -> [SeedThread] {
        func problem(_ message: String) { d.append(locate(["seedComments"], message)) }
        let records = SeedCSV.parse(text)
        guard let header = records.first else {
            problem("'\(path)' is empty; expected a header row with columns thread_id, author, text")
            return []
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let missing = ["thread_id", "author", "text"].filter { !names.contains($0) }
        if !missing.isEmpty {
            problem(
                "'\(path)' has no column \(missing.map { "'\($0)'" }.joined(separator: ", ")) in its header (found: "
                    + names.joined(separator: ", ") + "); expected columns thread_id, author, text and optionally position")
            return []
        }
        let idColumn = names.firstIndex(of: "thread_id")!
        let authorColumn = names.firstIndex(of: "author")!
        let textColumn = names.firstIndex(of: "text")!
        let positionColumn = names.firstIndex(of: "position")
        var order: [String] = []
        var rows: [String: [(position: Int, row: Int, comment: SeedThreadComment)]] = [:]
        var bad = false
        for (index, record) in records.dropFirst().enumerated() {
            let row = index + 2
            func field(_ column: Int) -> String { column < record.fields.count ? record.fields[column] : "" }
            let id = field(idColumn).trimmingCharacters(in: .whitespaces)
            let author = field(authorColumn).trimmingCharacters(in: .whitespaces)
            let body = field(textColumn).trimmingCharacters(in: .whitespacesAndNewlines)
            let where_ = "'\(path)' row \(row) (line \(record.line)" + (id.isEmpty ? ")" : ", thread '\(id)')")
            if id.isEmpty { problem("\(where_): 'thread_id' is empty"); bad = true }
            if author.isEmpty { problem("\(where_): 'author' is empty"); bad = true }
            if body.isEmpty { problem("\(where_): 'text' is empty"); bad = true }
            var position = rows[id]?.count ?? 0
            if let positionColumn {
                let raw = field(positionColumn).trimmingCharacters(in: .whitespaces)
                if let p = Int(raw) {
                    position = p
                } else {
                    problem("\(where_): 'position' is '\(raw)'; expected an integer")
                    bad = true
                }
            }
            if id.isEmpty { continue }
            if rows[id] == nil { order.append(id) }
            if let clash = rows[id]?.first(where: { $0.position == position }), positionColumn != nil {
                problem("\(where_): 'position' \(position) is also row \(clash.row)'s; positions within a thread must differ")
                bad = true
            }
            rows[id, default: []].append((position, row, SeedThreadComment(author: author, text: body)))
        }
        if bad { return [] }
        return order.map { id in SeedThread(id: id, comments: rows[id]!.sorted { $0.position < $1.position }.map(\.comment)) }
    }

    /// A decoding error as one line: the failing key path and the reason.
    static func describeDecoding(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return error.localizedDescription }
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : "at \(p): "
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return path(c) + c.debugDescription
        case .keyNotFound(let key, let c): return path(c) + "missing '\(key.stringValue)'"
        @unknown default: return "\(error)"
        }
    }
}

/// Reads persona JSON files: an array of personas or a single persona object.
public enum PersonaFile {
    /// Reads the personas in the JSON file at `path`.
    ///
    /// - Throws: ``PersonaFileError`` naming the file and, for decoding errors, the entry and field.
    public static func read(path: String) throws -> [Persona] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PersonaFileError(file: path, message: "cannot read the file")
        }
        do {
            if let first = data.first(where: { !$0.isWhitespaceByte }), first == UInt8(ascii: "[") {
                return try JSONDecoder().decode([Persona].self, from: data)
            }
            return [try JSONDecoder().decode(Persona.self, from: data)]
        } catch let error as DecodingError {
            throw PersonaFileError(file: path, message: describe(error))
        } catch {
            throw PersonaFileError(file: path, message: "not valid JSON (\(error.localizedDescription))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func where_(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let c): return "persona\(where_(c.codingPath)): missing '\(key.stringValue)'"
        case .typeMismatch(_, let c): return "persona\(where_(c.codingPath)): \(c.debugDescription)"
        case .valueNotFound(_, let c): return "persona\(where_(c.codingPath)): missing value"
        case .dataCorrupted(let c): return "not valid persona JSON at \(where_(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// A persona file could not be read.
public struct PersonaFileError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// What went wrong, with the entry and field where known.
    public var message: String
    /// `file: message`.
    public var description: String { "\(file): \(message)" }
}

extension UInt8 {
    var isWhitespaceByte: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
