#!/usr/bin/env python3
"""Reference values for harness/judge/statistics.*, computed independently of the C++ code.

Writes statistics_reference.txt (beside this script), which statistics_test.cpp reads:

  utest METHOD A B U_A P        scipy.stats.mannwhitneyu(A, B, alternative="two-sided",
                                method=METHOD), METHOD exact or asymptotic (with the
                                continuity correction); U_A is scipy's statistic for A
  bootstrap EFFECT SEED N A B LOW HIGH SCIPY_LOW SCIPY_HIGH
                                a 95% percentile bootstrap of median(B)/median(A) (ratio) or
                                median(B) - median(A) (difference) with N resamples: LOW HIGH
                                replayed here with SplitMix64 seeded with SEED (so the C++
                                code must give exactly these), SCIPY_LOW SCIPY_HIGH from
                                scipy.stats.bootstrap with its own generator (so only close)

A and B are comma-separated. Needs scipy (not a build or CI dependency): run it by hand after
changing the cases and commit its output.
"""
import pathlib
import random

import numpy as np
from scipy import stats

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return ((self.next() >> 32) * n) >> 32


def effect_of(kind, a, b):
    ma, mb = float(np.median(a)), float(np.median(b))
    return mb / ma if kind == "ratio" else mb - ma


def replayed_bootstrap(kind, seed, resamples, a, b):
    generator = SplitMix64(seed)
    effects = []
    for _ in range(resamples):
        drawn_a = [a[generator.below(len(a))] for _ in a]
        drawn_b = [b[generator.below(len(b))] for _ in b]
        effects.append(effect_of(kind, drawn_a, drawn_b))
    low, high = np.quantile(effects, [0.025, 0.975])  # linear interpolation
    return float(low), float(high)


def scipy_bootstrap(kind, resamples, a, b):
    result = stats.bootstrap(
        (np.array(a), np.array(b)),
        lambda x, y: effect_of(kind, x, y),
        vectorized=False,
        paired=False,
        n_resamples=resamples,
        confidence_level=0.95,
        method="percentile",
        random_state=np.random.default_rng(20261202),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def numbers(values):
    return ",".join(repr(float(v)) for v in values)


def main():
    rng = random.Random(24)
    # Samples shaped like switchover figures: a skewed body and a few slow outliers.
    def runs(n, base, spread):
        return [round(base + rng.expovariate(1 / spread), 3) for _ in range(n)]

    utests = [
        ("exact", [1.5, 2.5, 3.5], [4.5, 5.5, 6.5, 7.5]),
        ("exact", [12.1, 9.4, 15.2, 11.0, 8.7], [13.3, 14.8, 16.9, 10.2, 18.4]),
        ("exact", runs(8, 20, 5), runs(8, 22, 5)),
        ("exact", runs(7, 20, 5), runs(3, 40, 5)),
        ("asymptotic", runs(20, 25, 8), runs(20, 25, 8)),
        ("asymptotic", runs(20, 25, 8), runs(20, 75, 8)),
        ("asymptotic", runs(12, 10, 3), runs(30, 11, 3)),
        ("asymptotic", [0, 0, 0, 1, 0, 0, 2, 0, 0, 0], [0, 1, 1, 0, 3, 0, 0, 2, 1, 0]),
        ("asymptotic", [1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 5]),
        ("asymptotic", [5.0, 5.0, 5.0], [5.0, 5.0, 6.0]),
    ]
    bootstraps = [
        ("ratio", 1, 2000, runs(20, 25, 8), runs(20, 75, 8)),
        ("ratio", 42, 4000, runs(20, 25, 8), runs(20, 25, 8)),
        ("difference", 7, 4000, runs(20, 10, 4), runs(20, 60, 4)),
        ("difference", 99, 3000, runs(15, 5, 2), runs(25, 6, 2)),
    ]
    lines = ["# written by statistics_reference.py; do not edit by hand"]
    for method, a, b in utests:
        result = stats.mannwhitneyu(a, b, alternative="two-sided", method=method, use_continuity=True)
        lines.append(f"utest {method} {numbers(a)} {numbers(b)} {float(result.statistic)!r} {float(result.pvalue)!r}")
    for kind, seed, resamples, a, b in bootstraps:
        low, high = replayed_bootstrap(kind, seed, resamples, a, b)
        scipy_low, scipy_high = scipy_bootstrap(kind, resamples, a, b)
        lines.append(
            f"bootstrap {kind} {seed} {resamples} {numbers(a)} {numbers(b)} {low!r} {high!r} {scipy_low!r} {scipy_high!r}"
        )
    out = pathlib.Path(__file__).with_name("statistics_reference.txt")
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out} ({len(lines) - 1} cases)")


if __name__ == "__main__":
    main()
