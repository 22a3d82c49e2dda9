import SDFCore
import Testing

@Suite("Context window: last h comments, or the whole thread within a token budget")
struct ContextWindowTests {
    let thread = (0..<10).map { ContextComment(speaker: "user\($0 % 3)", text: String(repeating: "word ", count: 10 + $0 * 5)) }

    @Test func aHistoryLengthShowsTheLastHComments() {
        #expect(ContextWindow.select(thread, historyLength: 4, tokenBudget: 10) == Array(thread.suffix(4)))
        #expect(ContextWindow.select(thread, historyLength: 40, tokenBudget: nil) == thread)
    }

    @Test func theWholeThreadWithoutABudget() {
        #expect(ContextWindow.select(thread, historyLength: nil, tokenBudget: nil) == thread)
    }

    @Test func aBudgetKeepsTheMostRecentCommentsThatFit() {
        let costs = thread.map { ContextWindow.estimatedTokens($0.speaker + ": " + $0.text) }
        for budget in [0, 30, costs[9], costs[9] + costs[8] - 1, costs[9] + costs[8], 200, 10_000] {
            let window = ContextWindow.select(thread, historyLength: nil, tokenBudget: budget)
            #expect(!window.isEmpty && window == Array(thread.suffix(window.count)), "a suffix, never empty")
            let used = costs.suffix(window.count).reduce(0, +)
            if window.count > 1 { #expect(used <= budget) }
            if window.count < thread.count {
                #expect(used + costs[thread.count - window.count - 1] > budget, "the next older comment would not fit")
            }
        }
        #expect(ContextWindow.select(thread, historyLength: nil, tokenBudget: costs[9] + costs[8]).count == 2)
        #expect(ContextWindow.select(thread, historyLength: nil, tokenBudget: costs[9] + costs[8] - 1).count == 1)
        #expect(ContextWindow.select(thread, historyLength: nil, tokenBudget: 0).count == 1, "the newest is always kept")
        #expect(ContextWindow.select([], historyLength: nil, tokenBudget: 5).isEmpty)
    }

    @Test func theEstimateOvercountsEnglish() {
        // ~4 bytes per BPE token in English; the estimate assumes 3 and adds 8 for name and separators.
        #expect(ContextWindow.estimatedTokens("") == 8)
        #expect(ContextWindow.estimatedTokens(String(repeating: "abc", count: 100)) == 108)
    }
}
