#!/usr/bin/env python3
"""Reference values for the SDFAnalysis regression models (OLS with CIs, REML mixed model, t quantiles).

Run by hand (not by CI) whenever a case is added:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scipy statsmodels pandas
    /tmp/venv/bin/python scripts/reference-mixed-models.py

Writes Tests/SDFAnalysisTests/Fixtures/models.json (committed, read by the Swift tests). Floats are written
with repr() precision, so the JSON round-trips exactly.

References used:
  statsmodels.formula.api.ols(...).fit(): params, bse, tvalues, pvalues, conf_int(0.05), rsquared,
    rsquared_adj, nobs
  statsmodels.formula.api.mixedlm(..., groups=...).fit(reml=True): fe_params, bse_fe, pvalues, cov_re,
    scale, llf, converged. The fit is repeated with a tight gradient tolerance by several optimisers (bfgs,
    lbfgs, cg, nm, powell) and the one with the highest REML log-likelihood is kept, so the reference is the
    optimum itself rather than where one optimiser happened to stop. The script checks that every fit's llf
    equals the profiled REML criterion (profile_reml below, the function SDF maximises) at that fit's own
    variance ratio, i.e. all fits are points on one curve. In the cases "unbalanced" and
    "small_group_variance" the optimum is on the boundary (group variance 0) and statsmodels' default
    fit(reml=True) stops at a stationary-looking point with a lower llf (by 0.055 and 0.002); the other
    optimisers reach the boundary (cov_re ~ 1e-10).
  scipy.stats.t.ppf for the quantiles.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats as st
import statsmodels.formula.api as smf

OUT = Path(__file__).resolve().parent.parent / "Tests/SDFAnalysisTests/Fixtures/models.json"


def floats(a):
    return [float(x) for x in a]


def dataset(name, conditions, sizes, turns, effects, slopes, group_sd, noise, seed, models=None):
    """One row per comment: a group (discussion) of sizes[g] comments in condition conditions[g % k]."""
    rng = np.random.default_rng(seed)
    rows = []
    for g, m in enumerate(sizes):
        c = conditions[g % len(conditions)]
        model = models[g % len(models)] if models else None
        u = rng.normal(0, group_sd)
        for i in range(m):
            t = float(1 + (i * 3 + g) % turns)
            y = 3 + effects[c] + slopes[c] * t + u + rng.normal(0, noise)
            if model == models_shift_key:
                y += 0.4
            rows.append({"y": round(float(y), 6), "condition": c, "turn": t, "group": f"d{g:02d}",
                         "model": model or ""})
    return name, pd.DataFrame(rows)


models_shift_key = "big"


def ols_case(name, frame, formula, levels):
    fit = smf.ols(formula, data=frame).fit()
    ci = fit.conf_int(0.05)
    return {
        "name": name, "formula": formula, "levels": levels,
        "condition": list(frame["condition"]), "turn": floats(frame["turn"]), "model": list(frame["model"]),
        "y": floats(frame["y"]),
        "names": list(fit.params.index), "params": floats(fit.params), "bse": floats(fit.bse),
        "tvalues": floats(fit.tvalues), "pvalues": floats(fit.pvalues),
        "ci_lower": floats(ci[0]), "ci_upper": floats(ci[1]),
        "rsquared": float(fit.rsquared), "rsquared_adj": float(fit.rsquared_adj), "nobs": int(fit.nobs),
        "df_resid": float(fit.df_resid),
    }


def profile_reml(y, x, groups, lam):
    """The profiled REML log-likelihood at variance ratio lam (the formula SDF optimises), in NumPy."""
    n, p = x.shape
    a = np.zeros((p, p))
    b = np.zeros(p)
    logdet_v = 0.0
    for g in np.unique(groups):
        idx = groups == g
        m = idx.sum()
        vinv = np.eye(m) - lam / (1 + m * lam) * np.ones((m, m))
        a += x[idx].T @ vinv @ x[idx]
        b += x[idx].T @ vinv @ y[idx]
        logdet_v += np.log1p(m * lam)
    beta = np.linalg.solve(a, b)
    q = 0.0
    for g in np.unique(groups):
        idx = groups == g
        m = idx.sum()
        r = y[idx] - x[idx] @ beta
        q += r @ r - lam / (1 + m * lam) * r.sum() ** 2
    _, logdet_a = np.linalg.slogdet(a)
    d = n - p
    return -0.5 * (logdet_v + d * np.log(q / d) + logdet_a + d * (1 + np.log(2 * np.pi)))


def mixed_case(name, frame, formula, levels):
    model = smf.mixedlm(formula, data=frame, groups=frame["group"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = model.fit(reml=True)
        fits = [default]
        for method in ["bfgs", "lbfgs", "cg", "nm", "powell"]:
            try:
                fits.append(model.fit(reml=True, method=method, gtol=1e-12, maxiter=20000)
                            if method not in ("nm", "powell") else
                            model.fit(reml=True, method=method, maxiter=20000))
            except Exception:  # noqa: BLE001 - a method that fails is just not a candidate
                pass
    best = max(fits, key=lambda f: f.llf)
    # Cross-check: statsmodels' llf equals the profiled REML formula at each fit's own variance ratio, so the
    # fits are points on one curve and the best of them is the closest to its maximum.
    x = np.asarray(model.exog)
    yy = np.asarray(model.endog)
    gg = np.asarray(frame["group"])
    for f in fits:
        lam = float(np.asarray(f.cov_re)[0, 0]) / float(f.scale)
        assert abs(profile_reml(yy, x, gg, lam) - f.llf) < 1e-8, (name, f.method, profile_reml(yy, x, gg, lam), f.llf)
    grid = [(profile_reml(yy, x, gg, float(np.exp(u))), float(u)) for u in np.arange(-30, 14.01, 0.5)]
    print(name, "profile at 0", repr(profile_reml(yy, x, gg, 0.0)), "best grid", max(grid))
    for f in fits:
        print(name, f.method, "llf", repr(float(f.llf)), "cov_re", float(np.asarray(f.cov_re)[0, 0]), "scale", float(f.scale),
              "converged", f.converged)
    k = len(best.fe_params)
    pvalues = best.pvalues[:k]
    return {
        "name": name, "formula": formula, "levels": levels,
        "condition": list(frame["condition"]), "turn": floats(frame["turn"]), "model": list(frame["model"]),
        "group": list(frame["group"]), "y": floats(frame["y"]),
        "names": list(best.fe_params.index), "params": floats(best.fe_params), "bse": floats(best.bse_fe),
        "pvalues": floats(pvalues),
        "group_var": float(np.asarray(best.cov_re)[0, 0]), "scale": float(best.scale), "llf": float(best.llf),
        "converged": bool(best.converged),
        "default_params": floats(default.fe_params),
        "default_group_var": float(np.asarray(default.cov_re)[0, 0]),
    }


def main():
    cases_ols, cases_mixed = [], []
    conds3 = ["none", "gentle", "strict"]
    eff3 = {"none": 0.0, "gentle": -0.6, "strict": -1.1}
    slp3 = {"none": 0.05, "gentle": -0.02, "strict": -0.08}
    # Balanced: 9 groups of 6.
    n, f = dataset("balanced", conds3, [6] * 9, 6, eff3, slp3, 0.7, 0.5, 1)
    # Unbalanced, with a group of size 1 and a group of size 2.
    n2, f2 = dataset("unbalanced", conds3, [5, 1, 7, 3, 2, 8, 4, 6, 5, 1, 3], 7, eff3, slp3, 0.6, 0.6, 2)
    # Two conditions, tiny between-group variance (optimum near the boundary λ → 0 or exactly at it).
    conds2 = ["none", "guidelines"]
    n3, f3 = dataset("small_group_variance", conds2, [4, 5, 3, 6, 4, 5, 2, 6], 6,
                     {"none": 0, "guidelines": -0.5}, {"none": 0.0, "guidelines": 0.05}, 0.0, 0.8, 3)
    # Two models: model as a main effect.
    n4, f4 = dataset("two_models", conds2, [5, 4, 6, 3, 5, 6, 4, 5, 2, 1, 6, 5], 6,
                     {"none": 0, "guidelines": -0.7}, {"none": 0.03, "guidelines": -0.03}, 0.5, 0.5, 4,
                     models=["big", "big", "small", "small"])
    ref3 = "C(condition, Treatment('none'))"
    for name, frame, formula in [
        (n, f, f"y ~ {ref3} * turn"),
        (n2, f2, f"y ~ {ref3} * turn"),
        (n3, f3, f"y ~ {ref3} * turn"),
        (n4, f4, f"y ~ {ref3} * turn + C(model)"),
    ]:
        levels = ["none"] + [c for c in (conds3 if "strict" in set(frame["condition"]) else conds2) if c != "none"]
        cases_ols.append(ols_case(name, frame, formula, levels))
        cases_mixed.append(mixed_case(name, frame, formula, levels))
    quantiles = []
    for df in [1, 2, 3, 5, 10, 30, 100, 1e4]:
        for p in [0.975, 0.995, 0.9, 0.6]:
            quantiles.append({"df": float(df), "p": p, "t": float(st.t.ppf(p, df))})
    OUT.write_text(json.dumps({"ols": cases_ols, "mixed": cases_mixed, "t_quantiles": quantiles}, indent=1,
                              sort_keys=True) + "\n")
    for c in cases_mixed:
        print(c["name"], "group_var", c["group_var"], "default", c["default_group_var"], "scale", c["scale"],
              "llf", c["llf"], "converged", c["converged"])


if __name__ == "__main__":
    main()
