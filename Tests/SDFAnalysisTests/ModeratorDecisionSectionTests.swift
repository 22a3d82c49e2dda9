import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFAnalysis

@Suite("Report sections: moderator decisions")
struct ModeratorDecisionSectionTests {
    static func decision(
        _ discussion: String, slot: Int, after: Int, intervene: Bool, status: ModeratorDecisionStatus = .ok,
        kind: ModeratorDecisionKind = .decision
    ) -> ModeratorDecisionRecord {
        ModeratorDecisionRecord(
            id: "\(discussion)-d\(slot)", discussionId: discussion, slot: slot, afterTurnIndex: after, kind: kind, status: status,
            intervene: intervene, defaulted: status == .unparseable,
            call: CallProvenance(
                modelName: "m", endpoint: "scripted", sampling: SamplingParameters(temperature: 0.8, topP: nil, maxTokens: 50, seed: 1, stop: []),
                promptHash: "h", templateId: "t", attempts: 1),
            startedAt: RecordBuilder.epoch, finishedAt: RecordBuilder.epoch)
    }

    /// Two `decideFirst` discussions and a baseline: a yes that spoke, a no, a yes that abstained, an unreadable
    /// answer, and in the second discussion a failed call.
    static func input() -> AnalysisInput {
        var b = RecordBuilder()
        let d0 = b.discussion("decide", replicate: 0, users: ["a", "b"], moderator: true)
        let d1 = b.discussion("decide", replicate: 1, users: ["a", "b"], moderator: true, status: .failed)
        let none = b.discussion("none", replicate: 0, users: ["a", "b"], moderator: false)
        b.turn(d0, "a")  // 1
        b.turn(d0, "moderator")  // 2: spoke after decision 1
        b.turn(d0, "b")  // 3
        b.turn(d0, "a")  // 4
        b.turn(d0, "moderator", .abstention)  // 5: decided yes, abstained
        b.turn(d0, "b")  // 6
        b.turn(d1, "a")  // 1
        b.turn(none, "a")
        let decisions = [
            decision(d0, slot: 1, after: 1, intervene: true), decision(d0, slot: 2, after: 3, intervene: false),
            decision(d0, slot: 3, after: 4, intervene: true), decision(d0, slot: 4, after: 6, intervene: false, status: .unparseable),
            decision(d1, slot: 1, after: 1, intervene: false, status: .failed),
        ]
        return AnalysisInput(
            experiment: "decisions", storePath: ":memory:", discussions: b.discussions, participants: b.participants, turns: b.turns,
            options: AnalysisOptions(bootstrapResamples: 200), decisions: decisions)
    }

    static let expected = ConditionModeratorDecisions(
        condition: "decide", strategy: "decide", kinds: ["decision"], asked: 4, decidedToSpeak: 2, spoke: 1, stayedSilent: 3,
        unparseable: 1, failed: 1, speakRate: 0.25)

    @Test("asked, decided to speak, spoke and stayed silent per condition; failed calls apart; only conditions with decisions")
    func counts() {
        #expect(ModeratorDecisionSection.perCondition(Self.input()) == [Self.expected])
        var noDecisions = Self.input()
        noDecisions.decisions = []
        #expect(ModeratorDecisionSection.perCondition(noDecisions) == nil)
    }

    @Test("the HTML table and the JSON entries match their golden files; absent without decisions")
    func golden() async throws {
        let store = try await ScriptedStore.make()
        var analysis = try await ScriptedStore.normalisedAnalysis(store)
        #expect(analysis.moderatorDecisions == nil)
        let plain = ReportBuilder.html(analysis)
        #expect(!plain.contains("moderator-decisions"))
        #expect(!(try ReportJSON.text(analysis)).contains("moderatorDecisions"))

        let trigger = ConditionModeratorDecisions(
            condition: "guidelines", strategy: "guidelines", kinds: ["trigger"], asked: 12, decidedToSpeak: 5, spoke: 4, stayedSilent: 8,
            unparseable: 2, failed: 0, speakRate: 4.0 / 12.0)
        analysis.moderatorDecisions = [Self.expected, trigger]
        let html = ReportBuilder.html(analysis)
        let start = try #require(html.range(of: "<h3 id=\"moderator-decisions\">"))
        let end = try #require(html.range(of: "</table>", range: start.upperBound..<html.endIndex))
        try Golden.check(String(html[start.lowerBound..<end.upperBound]) + "\n", named: "moderator-decisions-section.html")
        // The section sits in Behaviour, after the interventions per discussion.
        let interventions = try #require(html.range(of: "<h3 id=\"interventions\">"))
        #expect(interventions.lowerBound < start.lowerBound)

        let json = try ReportJSON.text(analysis)
        let key = try #require(json.range(of: "\"moderatorDecisions\""))
        let close = try #require(json.range(of: "\n    ]", range: key.upperBound..<json.endIndex))
        try Golden.check(String(json[key.lowerBound..<close.upperBound]) + "\n", named: "moderator-decisions.json")
        // Full precision in the JSON.
        struct Probe: Decodable {
            struct Body: Decodable { var moderatorDecisions: [ConditionModeratorDecisions] }
            var analysis: Body
        }
        #expect(try JSONDecoder().decode(Probe.self, from: Data(json.utf8)).analysis.moderatorDecisions == [Self.expected, trigger])
    }
}
