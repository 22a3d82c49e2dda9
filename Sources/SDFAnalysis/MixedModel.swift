import RealModule

extension Stats {
    /// A linear mixed model with one random intercept per group, fitted by REML.
    ///
    /// Model: y_gi = x_giᵀβ + b_g + ε_gi with b_g ~ N(0, σ²_b) and ε_gi ~ N(0, σ²), all independent.
    public struct MixedModelResult: Sendable, Hashable, Codable {
        /// The fixed-effect column names (design order).
        public var names: [String]
        /// β̂, the GLS estimate at the REML variance ratio.
        public var coefficients: [Double]
        /// Standard errors from the observed information of the REML criterion in (β, λ), as statsmodels
        /// reports `bse_fe` (equal to the GLS errors √diag(σ̂²·(XᵀV⁻¹X)⁻¹) in balanced designs).
        public var standardErrors: [Double]
        /// z = β̂/SE.
        public var zValues: [Double]
        /// Two-sided normal p-values 2·(1 − Φ(|z|)) (statsmodels' MixedLM convention: Wald z, not t).
        public var pValues: [Double]
        /// σ̂²_b, the variance of the random intercept (≥ 0; 0 when the optimum is on the boundary).
        public var groupVariance: Double
        /// σ̂², the residual variance.
        public var residualVariance: Double
        /// The restricted (REML) log-likelihood at the optimum, as statsmodels' `llf` with `reml=True`.
        public var logLikelihood: Double
        /// Whether the 1-D search ended inside its bracket (or at λ = 0, a genuine boundary optimum) with the
        /// bracket narrowed to its tolerance; `false` when the best ratio is the search's upper bound.
        public var converged: Bool
        /// Observations.
        public var n: Int
        /// Groups.
        public var groups: Int

        /// The intraclass correlation σ²_b/(σ²_b + σ²); NaN when both are 0.
        public var icc: Double { groupVariance / (groupVariance + residualVariance) }

        /// Normal-theory intervals β̂_j ± z_{1−(1−level)/2}·SE_j (statsmodels' `conf_int` for MixedLM).
        public func confidenceIntervals(level: Double = 0.95) -> [ConfidenceInterval] {
            let q = normalQuantile(1 - (1 - level) / 2)
            return zip(coefficients, standardErrors).map { b, se in
                ConfidenceInterval(estimate: b, lower: b - q * se, upper: b + q * se, level: level)
            }
        }
    }

    /// Per-group sufficient statistics of the random-intercept model (XᵀX, Xᵀy, yᵀy, Xᵀ1, 1ᵀy, size).
    struct GroupMoments {
        var xtx: [[Double]]
        var xty: [Double]
        var yty: Double
        var xSum: [Double]
        var ySum: Double
        var size: Int
    }

    /// The GLS quantities at one variance ratio λ = σ²_b/σ².
    struct REMLPoint {
        var lambda: Double
        var logLikelihood: Double
        var beta: [Double]
        var inverse: [[Double]]
        var quadratic: Double
    }

    /// Fits a random-intercept linear mixed model by restricted maximum likelihood (REML).
    ///
    /// With V_λ = I + λZZᵀ (λ = σ²_b/σ², Z the group indicators), σ² profiles out of the REML likelihood, and
    ///
    ///     ℓ_R(λ) = −½[Σ_g log(1 + m_g λ) + (n − p)·log(q(λ)/(n − p)) + log|XᵀV_λ⁻¹X| + (n − p)(1 + log 2π)],
    ///
    /// with β̂(λ) the GLS estimate, q(λ) = (y − Xβ̂)ᵀV_λ⁻¹(y − Xβ̂) and σ̂² = q/(n − p). For one group of size m,
    /// V⁻¹ = I − λ/(1 + mλ)·11ᵀ, so every term is a sum over groups of closed forms. The optimiser is
    /// one-dimensional: ℓ_R is evaluated on a grid of log λ over [−30, 14] (step ½) and at λ = 0, then a golden-
    /// section search refines log λ inside the grid interval around the best point until it is 1e−10 wide.
    /// The search is deterministic and, because σ² and β are profiled out exactly, the criterion has a single
    /// argument: it finds the same optimum as statsmodels' gradient optimisers over (β, σ²_b/σ²) whenever those
    /// converge, and also a boundary optimum λ = 0 (σ²_b = 0), where statsmodels' default `fit()` can stop
    /// short (the reference values take the best of its optimisers). Standard errors come from the observed
    /// information in (β, λ) as statsmodels computes them (see ``observedInformationErrors(_:moments:y:design:groups:dfResidual:)``).
    ///
    /// - Parameters:
    ///   - y: n responses.
    ///   - design: n rows of p fixed-effect regressors (include a column of ones for an intercept).
    ///   - groups: the group (e.g. discussion id) of each observation; groups may have any size ≥ 1.
    ///   - names: p column names (defaults to "x0", "x1", …).
    /// - Returns: the fit; `nil` when shapes disagree, n ≤ p, a value is not finite, or XᵀX is singular.
    ///
    /// Source: Harville (1977), *JASA* 72:320–338 (REML); Pinheiro & Bates (2000), *Mixed-Effects Models in S
    /// and S-PLUS*, §2.2 (profiled REML criterion). Matches `statsmodels.formula.api.mixedlm(formula, data,
    /// groups=...).fit(reml=True)` (`fe_params`, `bse_fe`, `pvalues`, `cov_re`, `scale`, `llf`).
    public static func mixedModelREML(
        y: [Double], design: [[Double]], groups: [String], names: [String] = []
    ) -> MixedModelResult? {
        let n = y.count
        guard let p = design.first?.count, p > 0, design.count == n, groups.count == n, n > p,
            design.allSatisfy({ $0.count == p && $0.allSatisfy(\.isFinite) }), y.allSatisfy(\.isFinite),
            names.isEmpty || names.count == p
        else { return nil }
        var index: [String: Int] = [:]
        var moments: [GroupMoments] = []
        for i in 0..<n {
            let g: Int
            if let known = index[groups[i]] {
                g = known
            } else {
                g = moments.count
                index[groups[i]] = g
                moments.append(
                    GroupMoments(
                        xtx: Array(repeating: Array(repeating: 0, count: p), count: p), xty: Array(repeating: 0, count: p), yty: 0,
                        xSum: Array(repeating: 0, count: p), ySum: 0, size: 0))
            }
            let x = design[i]
            for a in 0..<p {
                for b in 0..<p { moments[g].xtx[a][b] += x[a] * x[b] }
                moments[g].xty[a] += x[a] * y[i]
                moments[g].xSum[a] += x[a]
            }
            moments[g].yty += y[i] * y[i]
            moments[g].ySum += y[i]
            moments[g].size += 1
        }
        let dfResidual = Double(n - p)

        func evaluate(_ lambda: Double) -> REMLPoint? {
            var a = Array(repeating: Array(repeating: 0.0, count: p), count: p)
            var b = Array(repeating: 0.0, count: p)
            var logDetV = 0.0
            for g in moments {
                let m = Double(g.size)
                let w = lambda / (1 + m * lambda)
                logDetV += Double.log(onePlus: m * lambda)
                for r in 0..<p {
                    for c in 0..<p { a[r][c] += g.xtx[r][c] - w * g.xSum[r] * g.xSum[c] }
                    b[r] += g.xty[r] - w * g.xSum[r] * g.ySum
                }
            }
            guard let chol = cholesky(a) else { return nil }
            let inverse = choleskyInverse(chol)
            var beta = Array(repeating: 0.0, count: p)
            for r in 0..<p {
                for c in 0..<p { beta[r] += inverse[r][c] * b[c] }
            }
            // q = Σ_g [r_gᵀr_g − w (1ᵀr_g)²] from the residuals themselves (no cancellation of yᵀV⁻¹y − bᵀβ).
            var residualSums = [Double](repeating: 0, count: moments.count)
            var squares = 0.0
            for i in 0..<n {
                var fitted = 0.0
                for j in 0..<p { fitted += design[i][j] * beta[j] }
                let r = y[i] - fitted
                squares += r * r
                residualSums[index[groups[i]]!] += r
            }
            var q = squares
            for (g, s) in zip(moments, residualSums) {
                q -= lambda / (1 + Double(g.size) * lambda) * s * s
            }
            guard q > 0 else { return nil }
            var logDetA = 0.0
            for r in 0..<p { logDetA += 2 * Double.log(chol[r][r]) }
            let ll = -0.5 * (logDetV + dfResidual * Double.log(q / dfResidual) + logDetA + dfResidual * (1 + Double.log(2 * Double.pi)))
            return REMLPoint(lambda: lambda, logLikelihood: ll, beta: beta, inverse: inverse, quadratic: q)
        }

        // Grid over log λ, plus the boundary λ = 0.
        guard let atZero = evaluate(0) else { return nil }
        let lowest = -30.0
        let highest = 14.0
        let step = 0.5
        var grid: [(u: Double, ll: Double)] = []
        var u = lowest
        while u <= highest + 1e-12 {
            if let point = evaluate(Double.exp(u)) { grid.append((u, point.logLikelihood)) }
            u += step
        }
        var best = atZero
        var converged = true
        if let top = grid.max(by: { $0.ll < $1.ll }), top.ll > atZero.logLikelihood {
            // Golden-section search for the maximum of ℓ_R(e^u) on [top.u − step, top.u + step].
            var lo = max(lowest, top.u - step)
            var hi = min(highest, top.u + step)
            let ratio = (5.0.squareRoot() - 1) / 2
            func f(_ u: Double) -> Double { evaluate(Double.exp(u))?.logLikelihood ?? -.infinity }
            var c = hi - ratio * (hi - lo)
            var d = lo + ratio * (hi - lo)
            var fc = f(c)
            var fd = f(d)
            var iterations = 0
            while hi - lo > 1e-10 && iterations < 500 {
                iterations += 1
                if fc >= fd {
                    hi = d
                    d = c
                    fd = fc
                    c = hi - ratio * (hi - lo)
                    fc = f(c)
                } else {
                    lo = c
                    c = d
                    fc = fd
                    d = lo + ratio * (hi - lo)
                    fd = f(d)
                }
            }
            let candidates = [top.u, (lo + hi) / 2].compactMap { evaluate(Double.exp($0)) }
            if let refined = candidates.max(by: { $0.logLikelihood < $1.logLikelihood }), refined.logLikelihood > best.logLikelihood {
                best = refined
            }
            converged = hi - lo <= 1e-10 && (lo + hi) / 2 < highest - step / 2
        }
        let sigma2 = best.quadratic / dfResidual
        let standardErrors = observedInformationErrors(best, moments: moments, y: y, design: design, groups: groups.map { index[$0]! }, dfResidual: dfResidual)
            ?? (0..<p).map { (sigma2 * best.inverse[$0][$0]).squareRoot() }
        let z = zip(best.beta, standardErrors).map { $0 / $1 }
        return MixedModelResult(
            names: names.isEmpty ? (0..<p).map { "x\($0)" } : names, coefficients: best.beta, standardErrors: standardErrors,
            zValues: z, pValues: z.map { $0.isNaN ? .nan : min(1, 2 * normalSF(abs($0))) }, groupVariance: best.lambda * sigma2,
            residualVariance: sigma2, logLikelihood: best.logLikelihood, converged: converged, n: n, groups: moments.count)
    }

    /// Standard errors of β̂ from the inverse of the observed information of the profiled REML criterion in
    /// (β, λ), the way statsmodels' `MixedLM.hessian` computes them; `nil` when that matrix is singular.
    ///
    /// With d = n − p, q the quadratic form, w_g = λ/(1 + m_gλ), w′_g = 1/(1 + m_gλ)², c_g = X_gᵀ1 and
    /// s_g = 1ᵀr_g: H_ββ = −d·A/q (A = XᵀV⁻¹X), H_βλ = −d·Σ w′_g c_g s_g/q, and
    /// H_λλ = ½Σ m_g²/(1 + m_gλ)² − (d/2)(Σ 2m_g s_g²/(1 + m_gλ)³ / q − (Σ w′_g s_g²)²/q²)
    ///        + ½[tr(A⁻¹A₁A⁻¹A₁) − tr(A⁻¹A₂)], with A₁ = −Σ w′_g c_g c_gᵀ and A₂ = Σ 2m_g/(1 + m_gλ)³ c_g c_gᵀ.
    /// The errors are √diag((−H)⁻¹) over the β block. In a balanced design H_βλ = 0 and they equal the GLS
    /// errors √diag(σ̂²A⁻¹); otherwise the λ uncertainty widens them slightly.
    static func observedInformationErrors(
        _ point: REMLPoint, moments: [GroupMoments], y: [Double], design: [[Double]], groups: [Int], dfResidual d: Double
    ) -> [Double]? {
        let p = point.beta.count
        let lambda = point.lambda
        let q = point.quadratic
        var residualSums = [Double](repeating: 0, count: moments.count)
        for i in y.indices {
            var fitted = 0.0
            for j in 0..<p { fitted += design[i][j] * point.beta[j] }
            residualSums[groups[i]] += y[i] - fitted
        }
        var a = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        var a1 = a
        var a2 = a
        var hBL = [Double](repeating: 0, count: p)
        var hLL = 0.0
        var b = 0.0
        var dSum = 0.0
        for (g, s) in zip(moments, residualSums) {
            let m = Double(g.size)
            let e = 1 + m * lambda
            let w = lambda / e
            let w1 = 1 / (e * e)
            let w2 = 2 * m / (e * e * e)
            hLL += 0.5 * m * m * w1
            b += w1 * s * s
            dSum += w2 * s * s
            for r in 0..<p {
                hBL[r] -= d * w1 * g.xSum[r] * s / q
                for c in 0..<p {
                    a[r][c] += g.xtx[r][c] - w * g.xSum[r] * g.xSum[c]
                    a1[r][c] -= w1 * g.xSum[r] * g.xSum[c]
                    a2[r][c] += w2 * g.xSum[r] * g.xSum[c]
                }
            }
        }
        hLL -= 0.5 * d * (dSum / q - b * b / (q * q))
        let ia1 = multiply(point.inverse, a1)
        var trace11 = 0.0
        var trace2 = 0.0
        for r in 0..<p {
            for c in 0..<p { trace11 += ia1[r][c] * ia1[c][r] }
            for c in 0..<p { trace2 += point.inverse[r][c] * a2[c][r] }
        }
        hLL += 0.5 * (trace11 - trace2)
        // −H, (p + 1) × (p + 1).
        var information = Array(repeating: Array(repeating: 0.0, count: p + 1), count: p + 1)
        for r in 0..<p {
            for c in 0..<p { information[r][c] = d * a[r][c] / q }
            information[r][p] = -hBL[r]
            information[p][r] = -hBL[r]
        }
        information[p][p] = -hLL
        guard let inverse = gaussJordanInverse(information) else { return nil }
        let errors = (0..<p).map { inverse[$0][$0] }
        guard errors.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        return errors.map { $0.squareRoot() }
    }

    /// The product of two square matrices.
    static func multiply(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] {
        let n = x.count
        var z = Array(repeating: Array(repeating: 0.0, count: n), count: n)
        for r in 0..<n {
            for k in 0..<n where x[r][k] != 0 {
                for c in 0..<n { z[r][c] += x[r][k] * y[k][c] }
            }
        }
        return z
    }

    /// The inverse of a square matrix by Gauss–Jordan elimination with partial pivoting; `nil` when a pivot
    /// is below 1e−13 × the largest absolute entry.
    static func gaussJordanInverse(_ m: [[Double]]) -> [[Double]]? {
        let n = m.count
        var a = m
        var inv = (0..<n).map { r in (0..<n).map { $0 == r ? 1.0 : 0.0 } }
        let scale = m.flatMap { $0 }.map(abs).max() ?? 0
        guard scale > 0, scale.isFinite else { return nil }
        for col in 0..<n {
            var pivot = col
            for r in col..<n where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
            guard abs(a[pivot][col]) > 1e-13 * scale else { return nil }
            a.swapAt(col, pivot)
            inv.swapAt(col, pivot)
            let d = a[col][col]
            for c in 0..<n {
                a[col][c] /= d
                inv[col][c] /= d
            }
            for r in 0..<n where r != col && a[r][col] != 0 {
                let f = a[r][col]
                for c in 0..<n {
                    a[r][c] -= f * a[col][c]
                    inv[r][c] -= f * inv[col][c]
                }
            }
        }
        return inv
    }

    /// The lower-triangular Cholesky factor L (A = LLᵀ) of a symmetric matrix; `nil` unless positive definite
    /// (a pivot ≤ 1e−12 × the largest diagonal entry).
    static func cholesky(_ a: [[Double]]) -> [[Double]]? {
        let p = a.count
        let scale = a.indices.map { a[$0][$0] }.max() ?? 0
        guard scale > 0 else { return nil }
        var l = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        for j in 0..<p {
            var d = a[j][j]
            for k in 0..<j { d -= l[j][k] * l[j][k] }
            guard d > 1e-12 * scale else { return nil }
            l[j][j] = d.squareRoot()
            for i in (j + 1)..<max(j + 1, p) {
                var s = a[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                l[i][j] = s / l[j][j]
            }
        }
        return l
    }

    /// A⁻¹ = L⁻ᵀL⁻¹ from the Cholesky factor L of A.
    static func choleskyInverse(_ l: [[Double]]) -> [[Double]] {
        let p = l.count
        // L⁻¹, lower triangular, by forward substitution.
        var li = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        for c in 0..<p {
            li[c][c] = 1 / l[c][c]
            for i in (c + 1)..<max(c + 1, p) {
                var s = 0.0
                for k in c..<i { s += l[i][k] * li[k][c] }
                li[i][c] = -s / l[i][i]
            }
        }
        var inverse = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        for r in 0..<p {
            for c in 0...r {
                var s = 0.0
                for k in r..<p { s += li[k][r] * li[k][c] }
                inverse[r][c] = s
                inverse[c][r] = s
            }
        }
        return inverse
    }
}
