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
        forEachToken(in: text) { result.append(String(decoding: $0, as: UTF32.self)) }
        return result
    }

    /// Calls `emit` with the scalar values of each token of ``tokens(_:)``, in order, without building strings.
    ///
    /// ASCII scalars take a fast path (A–Z lowercased, a–z and 0–9 kept, every other ASCII scalar separates:
    /// exactly what the Unicode properties say for ASCII); other scalars go through their Unicode properties.
    static func forEachToken(in text: String, _ emit: ([UInt32]) -> Void) {
        var current: [UInt32] = []
        current.reserveCapacity(32)
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if v >= 0x41 && v <= 0x5A {
                    current.append(v + 0x20)
                } else if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    current.append(v)
                } else if !current.isEmpty {
                    emit(current)
                    current.removeAll(keepingCapacity: true)
                }
                continue
            }
            for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                if isWordScalar(lower) {
                    current.append(lower.value)
                } else if !current.isEmpty {
                    emit(current)
                    current.removeAll(keepingCapacity: true)
                }
            }
        }
        if !current.isEmpty { emit(current) }
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
        // Each distinct token (compared scalar by scalar) becomes a small integer, and each pair's LCS is computed
        // bit-parallel (``lcsLength(bitParallel:_:)``): the same lengths as the O(|a|·|b|) table, about 60 times
        // fewer operations on comments of 30–90 words (the report of a 2,000-discussion store spent most of its
        // time here).
        var ids: [[UInt32]: Int32] = [:]
        let tokenized: [[Int32]] = comments.map { comment in
            var interned: [Int32] = []
            forEachToken(in: comment) { token in
                if let id = ids[token] {
                    interned.append(id)
                } else {
                    let id = Int32(ids.count)
                    ids[token] = id
                    interned.append(id)
                }
            }
            return interned
        }
        var sum = 0.0
        var pairs = 0
        var matcher = BitParallelLCS(alphabetSize: ids.count)
        for i in 0..<tokenized.count {
            matcher.setPattern(tokenized[i])
            for j in (i + 1)..<tokenized.count {
                sum += f1(lcs: matcher.lcsLength(with: tokenized[j]), tokenized[i].count, tokenized[j].count)
                pairs += 1
            }
        }
        return 1 - sum / Double(pairs)
    }

    /// ``lcsLength(_:_:)`` of two sequences of small non-negative integers (interned tokens), bit-parallel.
    ///
    /// - Precondition: every element is in 0..<`alphabetSize` (default: 1 + the largest element).
    /// - Returns: the same length as the dynamic-programming table.
    static func lcsLength(bitParallel a: [Int32], _ b: [Int32], alphabetSize: Int? = nil) -> Int {
        var matcher = BitParallelLCS(alphabetSize: alphabetSize ?? (Int((a + b).max() ?? -1) + 1))
        matcher.setPattern(a)
        return matcher.lcsLength(with: b)
    }
}

/// The bit-parallel LCS length of one pattern against many texts over a small integer alphabet.
///
/// Bit i of the state vector V stands for pattern position i; V starts all ones and each text element y
/// updates it as V ← (V + (V & M[y])) | (V & ~M[y]), M[y] being the positions where the pattern holds y
/// (additions carry across 64-bit words). After the whole text, the LCS length is the number of zero bits among
/// the pattern's m positions. O(|text| · ⌈m/64⌉) word operations per pair instead of O(|text| · m).
///
/// Source: Allison & Dix (1986), "A bit-string longest-common-subsequence algorithm", Information Processing
/// Letters 23(5); in the form of Hyyrö (2004), "Bit-parallel LCS-length computation revisited", AWOCA.
struct BitParallelLCS {
    /// Number of distinct elements (every element is in 0..<alphabetSize).
    private let alphabetSize: Int
    /// The pattern.
    private var pattern: [Int32] = []
    /// 64-bit words per bit vector: ⌈m/64⌉.
    private var words = 0
    /// Match masks, `words` per alphabet element, element-major.
    private var masks: [UInt64] = []
    /// The state vector, reused between texts.
    private var state: [UInt64] = []

    /// Creates a matcher for elements in 0..<`alphabetSize`.
    init(alphabetSize: Int) { self.alphabetSize = max(alphabetSize, 0) }

    /// Makes `pattern` the sequence every later ``lcsLength(with:)`` compares against.
    mutating func setPattern(_ pattern: [Int32]) {
        self.pattern = pattern
        words = (pattern.count + 63) / 64
        masks = [UInt64](repeating: 0, count: alphabetSize * words)
        for (position, element) in pattern.enumerated() {
            masks[Int(element) * words + position / 64] |= 1 << UInt64(position % 64)
        }
        state = [UInt64](repeating: 0, count: words)
    }

    /// The LCS length of the pattern and `text`.
    mutating func lcsLength(with text: [Int32]) -> Int {
        let m = pattern.count
        guard m > 0, !text.isEmpty else { return 0 }
        let words = self.words
        return masks.withUnsafeBufferPointer { masks in
            state.withUnsafeMutableBufferPointer { v in
                for w in 0..<words { v[w] = ~0 }
                for element in text {
                    let base = Int(element) * words
                    var carry: UInt64 = 0
                    for w in 0..<words {
                        let old = v[w]
                        let match = masks[base + w]
                        let u = old & match
                        let (partial, overflow1) = old.addingReportingOverflow(u)
                        let (sum, overflow2) = partial.addingReportingOverflow(carry)
                        carry = (overflow1 || overflow2) ? 1 : 0
                        v[w] = sum | (old & ~match)
                    }
                }
                var ones = 0
                for w in 0..<words {
                    let valid = w == words - 1 && m % 64 != 0 ? (UInt64(1) << UInt64(m % 64)) &- 1 : ~UInt64(0)
                    ones += (v[w] & valid).nonzeroBitCount
                }
                return m - ones
            }
        }
    }
}
