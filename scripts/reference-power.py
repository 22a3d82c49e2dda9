#!/usr/bin/env python3
"""Reference values for SDFAnalysis's power analysis (noncentral t, TTestIndPower, design effect, sdf power).

Run by hand (not by CI) whenever a case is added:

    /work/tmp/venv-models/bin/python scripts/reference-power.py      # numpy, scipy, statsmodels, pandas

Writes Tests/SDFAnalysisTests/Fixtures/power.json (committed, read by the Swift tests). Floats are written
with repr() precision, so the JSON round-trips exactly. With --simulate it also runs the simulation below
(seconds) and writes Fixtures/power-simulation.json, a record for the reader (no Swift test reads it);
--simulate --statsmodels fits statsmodels' MixedLM to every simulated data set instead of the closed form
(hours on a loaded machine).

References used:
  scipy.stats.nct.cdf / .sf                       -> "nct"
  statsmodels TTestIndPower().power(...)          -> "power"
  statsmodels TTestIndPower().solve_power(...)    -> "solve" (nobs1; it stops within ~2e-8 relative of the
    root, so nobs1Exact is the root of statsmodels' power function found by scipy's brentq at xtol 1e-14)
  a pilot data set (integer ratings 1-5, one per comment, discussions of unequal size, three conditions):
    ICC from statsmodels mixedlm("y ~ C(condition)", groups=discussion).fit(reml=True), best llf over several
    optimisers (as in reference-mixed-models.py); m = comments / discussions; DE = 1 + (m - 1) * ICC; per
    pair Cohen's d with the pooled SD (ddof 1), n = solve_power(d, alpha, power), comments = n * DE,
    discussions = n * DE / m, pilot power = power(d, nobs1 = n_a / DE, ratio = n_b / n_a)   -> "pilot"
  a simulation from the fitted mixed model at the computed number of discussions: 2,000 data sets with
    random intercepts N(0, sigma_b^2) and residuals N(0, sigma^2), m = round(pilot m) comments per
    discussion, the pair's difference d * sqrt(sigma_b^2 + sigma^2), k = ceil(n * DE / m) discussions per
    condition; rejections counted by the REML random-intercept model's Wald z test (closed form for balanced
    groups, see simulate_closed_form) and by a two-sample t-test on discussion means, beside the analytic
    power at k                                                 -> power-simulation.json (with --simulate)
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats as st
from scipy.optimize import brentq
import statsmodels.formula.api as smf
from statsmodels.stats.power import TTestIndPower

OUT = Path(__file__).resolve().parent.parent / "Tests/SDFAnalysisTests/Fixtures/power.json"
SIM = Path(__file__).resolve().parent.parent / "Tests/SDFAnalysisTests/Fixtures/power-simulation.json"
POWER = TTestIndPower()


def nct_cases():
    cases = []
    for t in [-3.0, -1.0, 0.0, 0.5, 1.959963984540054, 2.5, 5.0, 10.0]:
        for df in [1.0, 2.5, 5.0, 10.0, 30.0, 100.0, 1000.0, 20000.0]:
            for nc in [-2.0, -0.5, 0.5, 1.0, 2.8, 5.0, 10.0]:
                cdf, sf = float(st.nct.cdf(t, df, nc)), float(st.nct.sf(t, df, nc))
                if math.isnan(cdf) or math.isnan(sf):
                    continue  # SciPy 1.17 gives NaN far in the lower tail (t = -3, nc = 10), where the CDF is ~0
                cases.append({"t": t, "df": df, "nc": nc, "cdf": cdf, "sf": sf})
    return cases


def power_cases():
    cases = []
    for effect in [0.2, 0.5, 0.8, -0.5]:
        for nobs1 in [5.0, 20.0, 63.5, 200.0]:
            for alpha in [0.05, 0.01]:
                for ratio in [1.0, 0.5, 2.0]:
                    p = POWER.power(effect_size=effect, nobs1=nobs1, alpha=alpha, ratio=ratio, alternative="two-sided")
                    cases.append({"effect": effect, "nobs1": nobs1, "alpha": alpha, "ratio": ratio, "power": float(p)})
    return cases


def solve_cases():
    cases = []
    for effect in [0.1, 0.2, 0.35, 0.5, 0.8, 1.2]:
        for power in [0.8, 0.9]:
            for alpha in [0.05, 0.01]:
                n = POWER.solve_power(effect_size=effect, nobs1=None, alpha=alpha, power=power, ratio=1.0, alternative="two-sided")
                n = float(np.asarray(n).item())
                # solve_power stops within ~2e-8 (relative) of the root; the root of statsmodels' own power
                # function, found by brentq at full precision, is the stricter reference.
                assert abs(POWER.power(effect, n, alpha, 1.0) - power) < 1e-7, (effect, power, alpha, n)
                exact = brentq(lambda x: POWER.power(effect, x, alpha, 1.0) - power, 2.0001, 1.5 * n, xtol=1e-14, rtol=1e-15)
                cases.append({"effect": effect, "alpha": alpha, "power": power, "nobs1": n, "nobs1Exact": float(exact)})
    return cases


def pilot_data(seed=13):
    """Three conditions (in SDF's analysis order: none first, then by label), 10 discussions each of 3-8 comments."""
    rng = np.random.default_rng(seed)
    effects = {"none": 0.0, "guidelines": -0.35, "strict": -0.7}
    rows = []
    for c in ["none", "guidelines", "strict"]:
        for r in range(10):
            size = int(rng.integers(3, 9))
            u = rng.normal(0, 0.45)
            for i in range(size):
                y = int(np.clip(np.rint(3 + effects[c] + u + rng.normal(0, 0.9)), 1, 5))
                rows.append({"condition": c, "replicate": r, "group": f"{c}-{r}", "y": float(y)})
    return pd.DataFrame(rows)


def fit_icc(frame):
    model = smf.mixedlm("y ~ C(condition)", data=frame, groups=frame["group"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [model.fit(reml=True)]
        for method in ["bfgs", "lbfgs", "cg"]:
            try:
                fits.append(model.fit(reml=True, method=method, gtol=1e-12, maxiter=20000))
            except Exception:  # noqa: BLE001 - a method that fails is just not a candidate
                pass
    best = max(fits, key=lambda f: f.llf)
    group_var = float(np.asarray(best.cov_re)[0, 0])
    return group_var, float(best.scale)


def pilot_case(frame, alpha, power, effect):
    group_var, scale = fit_icc(frame)
    icc = group_var / (group_var + scale)
    n_comments = len(frame)
    n_discussions = frame["group"].nunique()
    m = n_comments / n_discussions
    de = 1 + (m - 1) * icc
    order = ["none", "guidelines", "strict"]
    pairs = []
    for i in range(len(order)):
        for j in range(i + 1, len(order)):
            xa = frame.loc[frame.condition == order[i], "y"].to_numpy()
            xb = frame.loc[frame.condition == order[j], "y"].to_numpy()
            na, nb = len(xa), len(xb)
            diff = float(xa.mean() - xb.mean())
            pooled = math.sqrt(((na - 1) * xa.var(ddof=1) + (nb - 1) * xb.var(ddof=1)) / (na + nb - 2))
            pilot = abs(diff) / pooled
            d = effect if effect is not None else pilot
            n = float(np.asarray(POWER.solve_power(effect_size=d, nobs1=None, alpha=alpha, power=power, ratio=1.0)).item())
            achieved = float(POWER.power(effect_size=d, nobs1=na / de, alpha=alpha, ratio=nb / na))
            pairs.append({
                "a": order[i], "b": order[j], "commentsA": na, "commentsB": nb, "difference": diff, "pooledSD": pooled,
                "pilotEffect": pilot, "effect": d, "effectiveN": n, "commentsNeeded": n * de, "discussionsExact": n * de / m,
                "discussionsNeeded": int(math.ceil(n * de / m - 1e-9)), "pilotPower": achieved,
            })
    return {"alpha": alpha, "power": power, "effect": effect, "groupVariance": group_var, "residualVariance": scale, "icc": icc,
            "commentsPerDiscussion": m, "designEffect": de, "comments": n_comments, "discussions": n_discussions, "pairs": pairs}


def simulate_closed_form(group_var, scale, m, d, discussions, alpha, reps=2000, seed=7):
    """The same simulation, tested by the REML random-intercept model in closed form (balanced groups).

    With k discussions of m comments per condition, REML gives sigma_b^2 = max(0, (MSB - MSW)/m) with MSB the
    mean square between discussions within conditions (df 2k - 2) and MSW within (df 2k(m - 1)); the fixed
    effect is the difference of condition means with SE sqrt(2 MSB/(m k)) when sigma_b^2 > 0, else
    sqrt(2 s^2/(m k)) with s^2 the pooled residual variance (df N - 2); Wald z as statsmodels' MixedLM reports.
    """
    rng = np.random.default_rng(seed)
    k = discussions
    delta = d * math.sqrt(group_var + scale)
    u = rng.normal(0, math.sqrt(group_var), (reps, 2, k, 1))
    e = rng.normal(0, math.sqrt(scale), (reps, 2, k, m))
    y = u + e
    y[:, 1] += delta
    disc_means = y.mean(axis=3)
    cond_means = disc_means.mean(axis=2)
    ssb = m * ((disc_means - cond_means[:, :, None]) ** 2).sum(axis=(1, 2))
    ssw = ((y - disc_means[..., None]) ** 2).sum(axis=(1, 2, 3))
    msb = ssb / (2 * k - 2)
    msw = ssw / (2 * k * (m - 1))
    pooled = (ssb + ssw) / (2 * k * m - 2)
    var = np.where(msb > msw, msb, pooled)
    se = np.sqrt(2 * var / (m * k))
    z = (cond_means[:, 1] - cond_means[:, 0]) / se
    p_z = 2 * st.norm.sf(np.abs(z))
    p_means = np.array([st.ttest_ind(disc_means[r, 1], disc_means[r, 0]).pvalue for r in range(reps)])
    icc = group_var / (group_var + scale)
    de = 1 + (m - 1) * icc
    analytic = float(POWER.power(effect_size=d, nobs1=k * m / de, alpha=alpha, ratio=1.0))
    return {"groupVariance": group_var, "residualVariance": scale, "m": m, "effect": d, "discussions": k, "alpha": alpha,
            "reps": reps, "analyticPower": analytic, "simulatedPowerMixedModelClosedForm": float((p_z < alpha).mean()),
            "simulatedPowerDiscussionMeans": float((p_means < alpha).mean())}


def simulate(group_var, scale, m, d, discussions, alpha, reps=2000, seed=7):
    """Rejections of H0 at `discussions` discussions per condition of `m` comments, difference d * total SD."""
    rng = np.random.default_rng(seed)
    delta = d * math.sqrt(group_var + scale)
    groups = np.repeat(np.arange(2 * discussions), m)
    condition = (groups >= discussions).astype(float)
    frame = pd.DataFrame({"g": groups, "c": condition})
    reject_mixed = reject_means = 0
    for _ in range(reps):
        u = rng.normal(0, math.sqrt(group_var), 2 * discussions)
        y = delta * condition + u[groups] + rng.normal(0, math.sqrt(scale), len(groups))
        frame["y"] = y
        means = frame.groupby("g")["y"].mean().to_numpy()
        if st.ttest_ind(means[:discussions], means[discussions:]).pvalue < alpha:
            reject_means += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = smf.mixedlm("y ~ c", data=frame, groups=frame["g"]).fit(reml=True)
        if fit.pvalues["c"] < alpha:
            reject_mixed += 1
    icc = group_var / (group_var + scale)
    de = 1 + (m - 1) * icc
    analytic = float(POWER.power(effect_size=d, nobs1=discussions * m / de, alpha=alpha, ratio=1.0))
    return {"groupVariance": group_var, "residualVariance": scale, "m": m, "effect": d, "discussions": discussions,
            "alpha": alpha, "reps": reps, "analyticPower": analytic, "simulatedPowerMixedModel": reject_mixed / reps,
            "simulatedPowerDiscussionMeans": reject_means / reps}


def main():
    frame = pilot_data()
    pilot = pilot_case(frame, 0.05, 0.8, None)
    given = pilot_case(frame, 0.05, 0.9, 0.5)
    data = {
        "nct": nct_cases(), "power": power_cases(), "solve": solve_cases(),
        "pilotData": {"condition": list(frame["condition"]), "replicate": [int(x) for x in frame["replicate"]],
                      "y": [int(x) for x in frame["y"]]},
        "pilot": [pilot, given],
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print("wrote", OUT)
    if "--simulate" not in sys.argv:
        return
    sims = []
    for case in [pilot, given]:
        m = round(case["commentsPerDiscussion"])
        for pair in case["pairs"][:2 if case["effect"] is None else 1]:
            # At the design's own m (rounded to whole comments) and the rounded-up number of discussions.
            de = 1 + (m - 1) * case["icc"]
            n = float(np.asarray(POWER.solve_power(effect_size=pair["effect"], nobs1=None, alpha=case["alpha"], power=case["power"])).item())
            k = int(math.ceil(n * de / m))
            if "--statsmodels" in sys.argv:
                sim = simulate(case["groupVariance"], case["residualVariance"], m, pair["effect"], k, case["alpha"])
            else:
                sim = simulate_closed_form(case["groupVariance"], case["residualVariance"], m, pair["effect"], k, case["alpha"])
            sim["pair"] = f"{pair['a']} - {pair['b']}"
            sim["targetPower"] = case["power"]
            print("simulation", sim)
            sims.append(sim)
    SIM.write_text(json.dumps(sims, indent=1) + "\n")
    print("wrote", SIM)


if __name__ == "__main__":
    main()
