import Foundation
import SDFCore
import SDFEngine
import SDFStore
import SDFTesting
import Testing

/// The getting-started article's code, run as written (the test compares its own source with the article's).
@Suite("getting-started article")
struct GettingStartedTests {
    static func articleCode() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let article = try String(contentsOf: root.appendingPathComponent("Sources/SDFEngine/SDFEngine.docc/GettingStarted.md"), encoding: .utf8)
        let start = try #require(article.range(of: "```swift\n"))
        let end = try #require(article.range(of: "\n```", range: start.upperBound..<article.endIndex))
        return String(article[start.upperBound..<end.lowerBound])
    }

    static func ownCode() throws -> String {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let start = try #require(source.range(of: "        // article begins\n"))
        let end = try #require(source.range(of: "\n        // article ends"))
        return source[start.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }.joined(separator: "\n")
    }

    @Test("the article's first code block is this test's code, and it runs: 4 discussions, comments from each")
    func articleRuns() async throws {
        #expect(try Self.articleCode() == Self.ownCode())
        // article begins
        let yaml = """
            version: 1
            name: hello
            seed: 42
            replicates: 2
            personas:
              - {username: ada, age: 34, occupation: nurse}
              - {username: ben, age: 51, occupation: farmer}
              - {username: cleo, age: 23, occupation: student}
            seedComments: ["Cities should ban cars from the centre."]
            discussion: {users: 3, turns: 4}
            strategies: [none, guidelines]
            models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}]
            """
        let experiment = try ExperimentLoader.load(yaml: yaml, file: "hello.yaml", baseDirectory: ".")
        let store = try Store.inMemory()
        let model = experiment.spec.models[0]
        let binding = ModelBinding(name: model.name, client: ScriptedChatModel(), requestModel: "scripted", settings: model)
        let runner = ExperimentRunner(experiment: experiment, store: store, models: [model.name: binding], specText: yaml)
        let report = try await runner.run()
        var lines: [String] = []
        for discussion in try await store.discussions() {
            for turn in try await store.turns(of: discussion.id) where turn.outcome == .comment {
                lines.append("\(discussion.conditionLabel) #\(turn.turnIndex) \(turn.speaker): \(turn.text ?? "")")
            }
        }
        // article ends
        #expect(report.finished == 4 && report.failed == 0)
        let labels = Set(lines.map { String($0.prefix { $0 != " " }) })
        #expect(labels.count == 2, "\(labels)")
        let speakers = ["ada", "ben", "cleo", "moderator"]
        #expect(lines.allSatisfy { line in speakers.contains { line.contains(" \($0): ") } }, "\(lines)")
        #expect(try await store.allTurns().allSatisfy { $0.call.modelName == "scripted" && $0.call.attempts >= 1 })
    }
}
