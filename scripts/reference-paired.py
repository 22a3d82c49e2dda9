#!/usr/bin/env python3
"""Reference values for Tests/SDFAnalysisTests/PairedTestsTests.swift (paired analysis of branched designs).

Run with a Python that has numpy and scipy (checked with SciPy 1.17.1):
    python3 scripts/reference-paired.py
Prints, per case, scipy.stats.wilcoxon(a, b) (defaults: zero_method="wilcox", correction=False, method="auto"),
scipy.stats.ttest_rel(a, b), the 95 % CI of the mean difference, Pearson's r and the variance removed by pairing,
1 - var(d)/(var(a)+var(b)) with ddof=1.
"""
import numpy as np
import scipy
from scipy import stats

CASES = {
    # n = 8, no ties, no zeros: exact null distribution.
    "exact": ([3.1, 2.4, 4.0, 3.3, 2.9, 3.8, 2.2, 3.5], [2.7, 2.6, 3.1, 2.5, 3.0, 2.75, 1.6, 2.0]),
    # n = 10 with a zero difference and tied |d|: exhaustive permutation test.
    "permutation": ([2.0, 3.0, 2.5, 4.0, 3.5, 3.0, 2.0, 4.5, 3.0, 2.5], [1.5, 3.0, 2.0, 3.0, 4.0, 2.5, 1.0, 3.5, 2.5, 3.0]),
    # n = 20 with ties: normal approximation with the tie correction.
    "approx": (
        [3, 2, 4, 3, 5, 2, 3, 4, 4, 3, 2, 5, 3, 4, 2, 3, 4, 5, 3, 2],
        [2, 2, 3, 2, 3, 3, 2, 3, 4, 2, 1, 3, 3, 2, 2, 2, 3, 4, 1, 2],
    ),
}

print("scipy", scipy.__version__)
for name, (a, b) in CASES.items():
    a = np.array(a, dtype=float)
    b = np.array(b, dtype=float)
    d = a - b
    w = stats.wilcoxon(a, b)
    t = stats.ttest_rel(a, b)
    n = len(d)
    se = d.std(ddof=1) / np.sqrt(n)
    q = stats.t.ppf(0.975, n - 1)
    r = np.corrcoef(a, b)[0, 1]
    removed = 1 - d.var(ddof=1) / (a.var(ddof=1) + b.var(ddof=1))
    print(f"{name}: wilcoxon statistic={w.statistic!r} p={w.pvalue!r}")
    print(f"{name}: ttest_rel t={t.statistic!r} p={t.pvalue!r} df={n - 1}")
    print(f"{name}: mean d={d.mean()!r} ci=({d.mean() - q * se!r}, {d.mean() + q * se!r})")
    print(f"{name}: r={r!r} removed={removed!r} unpaired={(a.var(ddof=1) + b.var(ddof=1)) / n!r} paired={d.var(ddof=1) / n!r}")
