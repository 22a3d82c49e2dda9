/// Chooses the comments a speaker sees: the last *h* of the thread, or — with `historyLength` unset — as many of the
/// most recent ones as fit a token budget (the context-window rule: `nil` = the whole thread, within a token budget).
public enum ContextWindow {
    /// A cautious token count for budgeting: one token per 3 UTF-8 bytes plus 8 for the speaker name and the
    /// separators. English BPE vocabularies average about 4 bytes per token, so this overestimates; it needs no
    /// tokenizer and gives the same answer on every machine (a resumed discussion sees the same window).
    public static func estimatedTokens(_ text: String) -> Int { text.utf8.count / 3 + 8 }

    /// The window for the next turn.
    ///
    /// - Parameters:
    ///   - thread: the comments so far, oldest first (abstentions are not comments and never appear).
    ///   - historyLength: the last *h* comments (h ≥ 1), or `nil` for as many recent comments as fit `tokenBudget`.
    ///   - tokenBudget: tokens the window may take (estimated with ``estimatedTokens(_:)``); `nil` = no limit.
    ///     Only used when `historyLength` is `nil`. The newest comment is always kept.
    /// - Returns: a suffix of `thread`.
    public static func select(_ thread: [ContextComment], historyLength: Int?, tokenBudget: Int?) -> [ContextComment] {
        if let h = historyLength { return Array(thread.suffix(h)) }
        guard let budget = tokenBudget else { return thread }
        var used = 0
        var start = thread.endIndex
        while start > thread.startIndex {
            let cost = estimatedTokens(thread[start - 1].speaker + ": " + thread[start - 1].text)
            if used + cost > budget && start < thread.endIndex { break }
            used += cost
            start -= 1
        }
        return Array(thread[start...])
    }
}
