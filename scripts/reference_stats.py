#!/usr/bin/env python3
"""Reference values for the SDFAnalysis statistics tests.

Run by hand (not by CI) whenever a dataset or a statistic is added:

    pip install numpy scipy statsmodels scikit-posthocs krippendorff rouge-score ndfu pandas
    python3 scripts/reference_stats.py

It builds small, hand-made datasets (ties, missing values, tiny groups of n = 2, unequal group sizes)
and larger random ones drawn with a fixed NumPy seed, computes every statistic with the reference
Python libraries, and writes Tests/SDFAnalysisTests/Fixtures/reference.json, which is committed and read
by the Swift tests. Floats are written with repr() precision (17 significant digits), so the JSON round-trips
exactly. Infinite or undefined values are never written: every case here is non-degenerate; the degenerate
cases are tested in Swift against documented values.

References used:
  numpy.mean / numpy.std(ddof=1) / numpy.median / numpy.quantile(method="linear") (R-7)
  scipy.stats.kruskal, mannwhitneyu(method="asymptotic"), f_oneway, norm, chi2, f, t, scipy.special
  scikit_posthocs.posthoc_dunn(p_adjust=None | "holm" | "bonferroni")
  statsmodels.formula.api.ols("y ~ C(condition) * turn"), statsmodels proportions_ztest
  krippendorff.alpha(level_of_measurement="interval" | "ordinal")
  ndfu.dfu(ndfu.pdf(scores, scale)) (Pavlopoulos & Likas 2024) on the fixed scale points
  rouge_score.rouge_scorer.RougeScorer(["rougeL"]) for ASCII text; for non-ASCII text the reference is
  the simple LCS below (rouge-score's tokenizer drops every non-ASCII letter, ours keeps Unicode letters).
"""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path

import krippendorff
import ndfu
import numpy as np
import pandas as pd
import scikit_posthocs as sp
import statsmodels.formula.api as smf
from rouge_score import rouge_scorer
from scipy import special, stats
from statsmodels.stats.proportion import proportions_ztest

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "SDFAnalysisTests" / "Fixtures" / "reference.json"
SEED = 20240601


def f(x) -> float:
    """A plain finite float (JSON has no NaN/inf; every reference value here must be finite)."""
    x = float(x)
    assert math.isfinite(x), x
    return x


def fl(xs) -> list[float]:
    return [f(x) for x in xs]


# --------------------------------------------------------------------------------------------- datasets

rng = np.random.default_rng(SEED)

# Samples for descriptive statistics.
samples = {
    "single": [3.5],
    "pair": [2.0, -1.0],
    "ties": [3.0, 1.0, 2.0, 2.0, 5.0, 2.0, 4.0, 1.0],
    "odd": [10.5, -3.25, 7.0, 0.125, 99.0],
    "likert": [float(v) for v in rng.integers(1, 6, size=37)],
    "normal_200": fl(np.round(rng.normal(50.0, 12.0, size=200), 6)),
    "skewed_101": fl(np.round(rng.exponential(3.0, size=101), 6)),
}

# Groups for Kruskal–Wallis, Dunn, ANOVA and (pairs of) Mann–Whitney.
group_sets = {
    "tiny": [[1.0, 2.0], [3.5, 4.0], [2.0, 5.0]],
    "likert_ties": [
        [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0],
        [2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 5.0, 4.0, 3.0],
        [1.0, 1.0, 2.0, 2.0, 3.0],
    ],
    "unequal": [
        [2.31, 3.12, 1.87],
        [4.02, 3.75, 5.11, 4.48, 3.99, 4.87, 5.02],
        [1.02, 2.44, 0.87, 1.93, 2.58, 1.11, 0.45, 2.02, 1.76, 0.98, 1.55, 2.21],
        [3.33, 2.95, 3.61, 3.08, 2.74],
    ],
    "random_5x": [
        fl(np.round(rng.normal(loc, 1.0, size=size), 1))
        for loc, size in [(0.0, 40), (0.3, 55), (0.1, 61), (0.8, 47), (0.35, 80)]
    ],
    "separated": [
        fl(np.round(rng.normal(loc, 1.0, size=60), 4)) for loc in (0.0, 4.0, 8.0)
    ],
    "two_groups": [[1.0, 2.0, 2.0, 3.0, 4.0, 4.0], [3.0, 4.0, 5.0, 5.0, 6.0]],
}

# Krippendorff reliability data, coders x units (NaN = missing), as the krippendorff package takes it.
nan = float("nan")
kripp_sets = {
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 coders x 12 units example.
    "krippendorff_2011": [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ],
    # Two coders, a unit rated once only (unpairable; its value 7 occurs nowhere else).
    "unpairable_value": [
        [1, 2, 2, 3, 7, nan],
        [1, 3, 2, 3, nan, 4],
    ],
    # Interval data with fractional values and missing cells.
    "interval_floats": [
        [0.5, 1.25, nan, 3.0, 2.5, 4.75, 1.0],
        [0.75, 1.0, 2.0, 3.5, nan, 4.5, 1.5],
        [0.5, nan, 2.25, 2.75, 2.0, 5.0, 1.25],
    ],
}
# Random: 5 coders x 40 units on 1..5, each coder = true value + noise, 15 % missing.
truth = rng.integers(1, 6, size=40)
coded = np.clip(truth[None, :] + rng.integers(-1, 2, size=(5, 40)), 1, 5).astype(float)
coded[rng.random(size=coded.shape) < 0.15] = np.nan
kripp_sets["random_5x40"] = coded.tolist()

# Annotations for nDFU on fixed scales.
ndfu_sets = [
    {"scale": [1, 2, 3, 4, 5], "ratings": [1, 1, 2, 2, 2]},
    {"scale": [1, 2, 3, 4, 5], "ratings": [1, 1, 5, 5]},
    {"scale": [1, 2, 3, 4, 5], "ratings": [1, 1, 1, 5]},
    {"scale": [1, 2, 3, 4, 5], "ratings": [3, 3, 3]},
    {"scale": [1, 2, 3, 4, 5], "ratings": [2, 4]},
    {"scale": [1, 2, 3, 4, 5], "ratings": [1, 2, 2, 3, 3, 3, 4, 5, 5]},
    {"scale": [1, 2, 3, 4, 5, 6, 7], "ratings": [1, 1, 4, 7, 7, 7, 6, 2]},
    {"scale": [1, 2, 3, 4, 5, 6, 7], "ratings": [int(v) for v in rng.integers(1, 8, size=25)]},
]

# Discussions for lexical diversity. ASCII ones are checked against rouge-score itself.
discussions_ascii = {
    "short": [
        "The moderator should step in now.",
        "I think the moderator should not step in!",
        "Why? Nobody asked the MODERATOR anything...",
    ],
    "repetitive": [
        "I agree with you completely.",
        "I agree with you completely.",
        "i AGREE, with you; completely",
        "Completely agree with you, I do.",
    ],
    "mixed": [
        "Taxes on sugar won't fix obesity; education will.",
        "Education alone never worked in 2010 or 2020 - taxes did.",
        "",
        "Both matter: 3 studies show taxes AND education reduce intake by 12%.",
        "???",
        "sugar sugar sugar",
    ],
}
discussions_unicode = {
    "accents_greek": [
        "Ο διάλογος είναι ΣΗΜΑΝΤΙΚΟΣ για όλους.",
        "Café au lait, s'il vous plaît — déjà vu!",
        "Ο διάλογος δεν είναι σημαντικός.",
        "naïve café déjà vu",
    ],
}

# Turn-taking under respond(p) with 4 users, drawn with NumPy (the Swift side only sees the sequence).
def respond_sequence(p: float, users: int, length: int, gen: np.random.Generator) -> list[int]:
    seq = [int(gen.integers(users))]
    while len(seq) < length:
        last = seq[-1]
        if len(seq) >= 2 and gen.random() < p:
            seq.append(seq[-2])
        else:
            others = [u for u in range(users) if u != last]
            seq.append(int(others[gen.integers(len(others))]))
    return seq


turn_sets = [
    {"name": "respond_0.4_4users", "p": 0.4, "users": 4, "speakers": respond_sequence(0.4, 4, 240, rng)},
    {"name": "random_under_p0.5_3users", "p": 0.5, "users": 3, "speakers": respond_sequence(0.0, 3, 150, rng)},
    {"name": "short", "p": 0.1, "users": 3, "speakers": [0, 1, 0, 2, 0, 2, 1, 2, 1, 0]},
]

# --------------------------------------------------------------------------------------------- compute


def descriptive(xs):
    a = np.asarray(xs, dtype=float)
    qs = [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975, 1.0]
    out = {
        "data": fl(a),
        "mean": f(np.mean(a)),
        "median": f(np.median(a)),
        "quantile_probs": qs,
        "quantiles": fl(np.quantile(a, qs, method="linear")),
    }
    if len(a) > 1:
        out["sd"] = f(np.std(a, ddof=1))
        out["variance"] = f(np.var(a, ddof=1))
    return out


def dunn_frame(groups, adjust):
    return sp.posthoc_dunn(groups, p_adjust=adjust).to_numpy()


def dunn_z(groups):
    """Dunn's z (Dunn 1964) for every pair i < j, the same formula scikit-posthocs uses internally."""
    data = np.concatenate([np.asarray(g, dtype=float) for g in groups])
    n = len(data)
    ranks = stats.rankdata(data)
    _, counts = np.unique(data, return_counts=True)
    ties = np.sum(counts**3 - counts) / (12.0 * (n - 1))
    bounds = np.cumsum([0] + [len(g) for g in groups])
    means = [ranks[bounds[i] : bounds[i + 1]].mean() for i in range(len(groups))]
    z = np.zeros((len(groups), len(groups)))
    for i, j in combinations(range(len(groups)), 2):
        sigma = math.sqrt((n * (n + 1) / 12.0 - ties) * (1.0 / len(groups[i]) + 1.0 / len(groups[j])))
        z[i, j] = (means[i] - means[j]) / sigma
        z[j, i] = -z[i, j]
    return z


def group_tests(groups):
    kw = stats.kruskal(*groups)
    an = stats.f_oneway(*groups)
    mw = stats.mannwhitneyu(groups[0], groups[1], alternative="two-sided", method="asymptotic")
    return {
        "groups": [fl(g) for g in groups],
        "kruskal": {"h": f(kw.statistic), "p": f(kw.pvalue)},
        "anova": {"f": f(an.statistic), "p": f(an.pvalue)},
        "mannwhitney_first_two": {"u": f(mw.statistic), "p": f(mw.pvalue)},
        "dunn": {
            "z": [fl(r) for r in dunn_z(groups)],
            "p": [fl(r) for r in dunn_frame(groups, None)],
            "holm": [fl(r) for r in dunn_frame(groups, "holm")],
            "bonferroni": [fl(r) for r in dunn_frame(groups, "bonferroni")],
        },
    }


def ols_case(name, conditions, n_per, turns, effects, noise, seed):
    gen = np.random.default_rng(seed)
    rows = []
    for c_index, cond in enumerate(conditions):
        for rep in range(n_per[c_index]):
            for turn in range(turns):
                base, slope = effects[c_index]
                y = base + slope * turn + gen.normal(0.0, noise)
                rows.append({"condition": cond, "turn": float(turn), "y": round(float(y), 6)})
    frame = pd.DataFrame(rows)
    fit = smf.ols("y ~ C(condition) * turn", data=frame).fit()
    return {
        "name": name,
        "condition": list(frame["condition"]),
        "turn": fl(frame["turn"]),
        "y": fl(frame["y"]),
        "names": list(fit.params.index),
        "params": fl(fit.params.to_numpy()),
        "bse": fl(fit.bse.to_numpy()),
        "tvalues": fl(fit.tvalues.to_numpy()),
        "pvalues": fl(fit.pvalues.to_numpy()),
        "df_resid": f(fit.df_resid),
        "rsquared": f(fit.rsquared),
        "ssr": f(fit.ssr),
    }


def tokens(text: str) -> list[str]:
    """Our tokenizer: lowercase scalar by scalar, keep runs of str.isalnum() characters."""
    lowered = "".join(ch.lower() for ch in text)
    return "".join(ch if ch.isalnum() else " " for ch in lowered).split()


def lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l_f1(a: str, b: str) -> float:
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    k = lcs(ta, tb)
    if k == 0:
        return 0.0
    p, r = k / len(ta), k / len(tb)
    return 2 * p * r / (p + r)


def lexical(comments, use_package: bool):
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    pairs = []
    for i, j in combinations(range(len(comments)), 2):
        mine = rouge_l_f1(comments[i], comments[j])
        if use_package:
            ref = scorer.score(comments[i], comments[j])["rougeL"].fmeasure
            assert abs(ref - mine) < 1e-12, (comments[i], comments[j], ref, mine)
        else:
            ref = mine
        pairs.append({"i": i, "j": j, "f1": f(ref)})
    diversity = 1.0 - float(np.mean([p["f1"] for p in pairs]))
    return {
        "comments": comments,
        "tokens": [tokens(c) for c in comments],
        "pairs": pairs,
        "diversity": f(diversity),
        "reference": "rouge-score" if use_package else "own LCS (scripts/reference_stats.py)",
    }


def turn_check(case):
    seq = case["speakers"]
    eligible = [(a, b, c) for a, b, c in zip(seq, seq[1:], seq[2:]) if a != b]
    count = sum(1 for a, b, c in eligible if a == c)
    expected = case["p"] + (1 - case["p"]) / (case["users"] - 1)
    z, p = proportions_ztest(count, len(eligible), value=expected, prop_var=expected)
    return {
        **case,
        "triples": len(eligible),
        "aba": count,
        "observed": f(count / len(eligible)),
        "expected": f(expected),
        "z": f(z),
        "pvalue": f(p),
    }


def distributions():
    out = {}
    xs = [-40.0, -10.0, -5.0, -1.959963984540054, -0.3, 0.0, 0.5, 1.959963984540054, 5.0, 10.0, 20.0, 37.0]
    out["normal"] = [{"x": x, "cdf": f(stats.norm.cdf(x)), "sf": f(stats.norm.sf(x))} for x in xs]
    chi = [(0.001, 1), (1e-10, 3), (0.5, 1), (3.84, 1), (7.0, 4), (15.0, 30), (500.0, 500), (520.0, 480),
           (100.0, 3), (1000.0, 10), (1400.0, 2), (2.5, 0.5), (60.0, 7.5)]
    out["chi2"] = [{"x": x, "df": k, "sf": f(stats.chi2.sf(x, k)), "cdf": f(stats.chi2.cdf(x, k))} for x, k in chi]
    fs = [(0.5, 2, 10), (3.0, 3, 50), (1.0, 1, 1), (10.0, 4, 200), (1000.0, 3, 50), (50.0, 2, 5000),
          (0.01, 10, 10), (2.2, 40, 35), (1e5, 1, 2)]
    out["f"] = [{"x": x, "df1": a, "df2": b, "sf": f(stats.f.sf(x, a, b))} for x, a, b in fs]
    ts = [(0.1, 1), (1.0, 1), (2.0, 5), (-2.0, 5), (2.228, 10), (50.0, 10), (1000.0, 30), (8.0, 200),
          (2.0, 1e6), (40.0, 1000), (0.0, 7), (3.5, 2.5)]
    out["t"] = [{"t": t, "df": d, "p2": f(2 * stats.t.sf(abs(t), d)), "sf": f(stats.t.sf(t, d))} for t, d in ts]
    betas = [(0.5, 0.5, 0.3), (2.0, 3.0, 0.4), (10.0, 0.5, 0.99), (200.0, 300.0, 0.41), (1.0, 1.0, 0.77),
             (0.1, 8.0, 0.001), (5.0, 5.0, 0.999), (1000.0, 0.5, 0.995)]
    out["betainc"] = [{"a": a, "b": b, "x": x, "value": f(special.betainc(a, b, x))} for a, b, x in betas]
    betalns = [(0.5, 0.5), (3.0, 4.0), (12.0, 0.5), (5e5, 0.5), (1e3, 2e3), (15.0, 15.0), (9.5, 11.0),
               (1e7, 3.0), (10.0, 1e-3), (2e6, 2e6)]
    out["betaln"] = [{"a": a, "b": b, "value": f(special.betaln(a, b))} for a, b in betalns]
    gammas = [(0.5, 0.1), (1.0, 1.0), (3.0, 2.0), (3.0, 10.0), (50.0, 45.0), (50.0, 80.0), (0.1, 5.0),
              (250.0, 250.0), (5.0, 100.0), (1e-3, 1e-3)]
    out["gammainc"] = [{"a": a, "x": x, "p": f(special.gammainc(a, x)), "q": f(special.gammaincc(a, x))}
                       for a, x in gammas]
    return out


def main():
    ref = {
        "generator": "scripts/reference_stats.py",
        "seed": SEED,
        "versions": {
            "numpy": np.__version__,
            "scipy": __import__("scipy").__version__,
            "statsmodels": __import__("statsmodels").__version__,
            "scikit_posthocs": sp.__version__ if hasattr(sp, "__version__") else "unknown",
            "krippendorff": getattr(krippendorff, "__version__", "unknown"),
            "pandas": pd.__version__,
        },
        "descriptive": {name: descriptive(xs) for name, xs in samples.items()},
        "groups": {name: group_tests(g) for name, g in group_sets.items()},
        "mannwhitney_extra": [],
        "ols": [
            ols_case("three_conditions", ["baseline", "mod_gentle", "mod_strict"], [4, 4, 4], 15,
                     [(3.0, 0.02), (3.2, -0.03), (2.7, 0.05)], 0.6, SEED + 1),
            ols_case("two_conditions_unbalanced", ["control", "treated"], [2, 5], 8,
                     [(1.0, 0.5), (1.5, 0.1)], 1.0, SEED + 2),
            ols_case("four_conditions_flat", ["a", "b", "c", "d"], [3, 2, 3, 2], 10,
                     [(0.0, 0.0), (0.1, 0.0), (0.0, 0.01), (-0.1, 0.02)], 2.0, SEED + 3),
        ],
        "krippendorff": {},
        "ndfu": [],
        "lexical": {},
        "turn_taking": [turn_check(c) for c in turn_sets],
        "distributions": distributions(),
    }

    for x, y in [([1.0, 2.0], [3.0, 4.0]), ([5.0, 1.0, 3.0], [2.0, 2.0, 4.0, 6.0, 2.0]),
                 (samples["normal_200"][:90], samples["normal_200"][90:]),
                 ([float(v) for v in range(30)], [float(v) + 25.0 for v in range(40)])]:
        mw = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
        ref["mannwhitney_extra"].append({"x": fl(x), "y": fl(y), "u": f(mw.statistic), "p": f(mw.pvalue)})

    for name, data in kripp_sets.items():
        arr = np.asarray(data, dtype=float)
        units = [[None if math.isnan(v) else float(v) for v in arr[:, u]] for u in range(arr.shape[1])]
        ref["krippendorff"][name] = {
            "units_by_coders": units,
            "interval": f(krippendorff.alpha(reliability_data=arr, level_of_measurement="interval")),
            "ordinal": f(krippendorff.alpha(reliability_data=arr, level_of_measurement="ordinal")),
        }

    for case in ndfu_sets:
        value = ndfu.dfu(ndfu.pdf(case["ratings"], scale=case["scale"]))
        ref["ndfu"].append({**case, "ndfu": f(value)})

    for name, comments in discussions_ascii.items():
        ref["lexical"][name] = lexical(comments, use_package=True)
    for name, comments in discussions_unicode.items():
        ref["lexical"][name] = lexical(comments, use_package=False)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(ref, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
