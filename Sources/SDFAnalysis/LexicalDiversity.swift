extension Stats {
    /// Splits text into lowercased word tokens: maximal runs of letters and digits.
    ///
    /// Each Unicode scalar is lowercased on its own (full Unicode lowercase mapping, no context such as a
    /// final sigma); a scalar whose general category is a letter (Lu, Ll, Lt, Lm, Lo) or that has a numeric
    /// type (decimal, digit, numeric) belongs to a word, every other scalar (spaces, punctuation, symbols,
    /// combining marks) separates words. On ASCII text this equals the default tokenizer of Google's
    /// `rouge-score` package (lowercase, split on `[^a-z0-9]+`); unlike it, letters such as é or Greek are kept.
    /// Text is not Unicode-normalised (LLM output is normally NFC).
    ///
    /// - Returns: the tokens in order; empty for text without letters or digits.
    ///
    /// Matches Python `"".join(c if c.isalnum() else " " for c in "".join(ch.lower() for ch in text)).split()`.
    public static func tokens(_ text: String) -> [String] {
        var result = [String]()
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                if isWordScalar(lower) {
                    current.append(lower)
                } else if !current.isEmpty {
                    result.append(String(current))
                    current = String.UnicodeScalarView()
                }
            }
        }
        if !current.isEmpty { result.append(String(current)) }
        return result
    }

    /// Python's `str.isalnum()` for one scalar: a letter category or a numeric type.
    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return scalar.properties.numericType != nil
        }
    }

    /// The length of a longest common subsequence of two sequences (dynamic programming, O(|a|·|b|) time,
    /// O(|b|) memory).
    ///
    /// - Returns: a length in [0, min(|a|, |b|)]; 0 if either is empty.
    ///
    /// Source: Wagner & Fischer (1974); as used by ROUGE-L in Lin (2004).
    public static func lcsLength<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var previous = [Int](repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// ROUGE-L F1 (β = 1) of two token sequences: with l = LCS length, P = l/|a|, R = l/|b|, F = 2PR/(P + R).
    ///
    /// Tokens are compared scalar by scalar (no Unicode canonical equivalence), like Python strings.
    ///
    /// - Returns: F1 in [0, 1], symmetric in its arguments; 0 when either sequence is empty or they share no
    ///   token (as `rouge-score` returns).
    ///
    /// Source: Lin (2004), "ROUGE: A Package for Automatic Evaluation of Summaries", ACL Workshop, §3.
    public static func rougeLF1(tokens a: [String], _ b: [String]) -> Double {
        rougeLF1(scalarTokens: a.map { Array($0.unicodeScalars) }, b.map { Array($0.unicodeScalars) })
    }

    /// ROUGE-L F1 of tokens already split into scalars.
    private static func rougeLF1(scalarTokens a: [[Unicode.Scalar]], _ b: [[Unicode.Scalar]]) -> Double {
        f1(lcs: lcsLength(a, b), a.count, b.count)
    }

    /// ROUGE-L F1 from an LCS length and the two sequence lengths: P = l/m, R = l/n, F = 2PR/(P + R); 0 when l = 0.
    private static func f1(lcs l: Int, _ m: Int, _ n: Int) -> Double {
        guard l > 0 else { return 0 }
        let precision = Double(l) / Double(m)
        let recall = Double(l) / Double(n)
        return 2 * precision * recall / (precision + recall)
    }

    /// ROUGE-L F1 of two texts after ``tokens(_:)``; see ``rougeLF1(tokens:_:)``.
    ///
    /// - Returns: F1 in [0, 1]; 0 when either text has no token.
    ///
    /// Matches `rouge_score.rouge_scorer.RougeScorer(["rougeL"]).score(a, b)["rougeL"].fmeasure` on ASCII text.
    public static func rougeLF1(_ a: String, _ b: String) -> Double {
        rougeLF1(tokens: tokens(a), tokens(b))
    }

    /// The lexical diversity of a discussion: 1 − the mean ROUGE-L F1 over all unordered pairs of comments.
    ///
    /// - Parameter comments: the discussion's comments (order does not matter).
    /// - Returns: a value in [0, 1] (0 = every pair identical, 1 = no pair shares a token); `nil` with fewer
    ///   than 2 comments. A comment without tokens scores F1 = 0 against every other comment.
    ///
    /// Source: ROUGE-L of Lin (2004), averaged over pairs as a (1 − self-similarity) diversity.
    public static func lexicalDiversity(_ comments: [String]) -> Double? {
        guard comments.count >= 2 else { return nil }
        // Each distinct token (compared scalar by scalar) becomes a small integer, so that the O(n²) pairs of
        // O(|a|·|b|) LCS tables compare integers, not arrays of scalars: same lengths, several times faster (the
        // report of a 2,000-discussion store spent 74 % of its time here).
        var ids: [[UInt32]: Int32] = [:]
        let tokenized: [[Int32]] = comments.map { comment in
            tokens(comment).map { token in
                let key = token.unicodeScalars.map(\.value)
                if let id = ids[key] { return id }
                let id = Int32(ids.count)
                ids[key] = id
                return id
            }
        }
        var sum = 0.0
        var pairs = 0
        for i in 0..<tokenized.count {
            for j in (i + 1)..<tokenized.count {
                sum += f1(lcs: lcsLength(ids: tokenized[i], tokenized[j]), tokenized[i].count, tokenized[j].count)
                pairs += 1
            }
        }
        return 1 - sum / Double(pairs)
    }

    /// ``lcsLength(_:_:)`` for interned tokens, on unchecked buffers.
    static func lcsLength(ids a: [Int32], _ b: [Int32]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var previous = [Int32](repeating: 0, count: b.count + 1)
        var current = previous
        b.withUnsafeBufferPointer { bb in
            for x in a {
                previous.withUnsafeMutableBufferPointer { p in
                    current.withUnsafeMutableBufferPointer { c in
                        for j in 0..<bb.count {
                            c[j + 1] = x == bb[j] ? p[j] + 1 : Swift.max(p[j + 1], c[j])
                        }
                    }
                }
                swap(&previous, &current)
            }
        }
        return Int(previous[b.count])
    }
}
