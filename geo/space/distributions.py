"""National distributions without the national product, and percentiles.

The jeugdregio's are independent (principle 3: every SWV lies in one jeugdregio), so a national
division is one valid division per jeugdregio, and the national space is the product of the
jeugdregio spaces, each uniform over its valid divisions (exact jeugdregio's: every plan with
weight ``1 / N_j``; sampled ones: exactly uniform draws, each ``1 / draws``). Rules:

* **Additive figures** (``disrupted``, ``disrupted_po``, ``disrupted_vo``, ``swvs`` and the
  travel numerators ``travel_po_pkm``, ``travel_vo_pkm``): the national value is the sum over
  jeugdregio's, so its distribution is the **exact convolution** of the jeugdregio
  distributions. Each jeugdregio's values are put on a grid (:data:`GRID`: 1 pupil, 1 SWV,
  1 pupil-km; the rounding error is at most half a grid step per jeugdregio) and the
  probability arrays are convolved exactly (shifted sums in float64, no FFT).
* **Pupil-weighted mean travel** (``travel_po_km``, ``travel_vo_km``): numerator / denominator
  where the denominator (pupils with a location in their SWV) is the same for every valid plan
  of a jeugdregio (checked; ``method`` says so), so the national mean is the convolved
  numerator divided by the national denominator: exact as well.
* **Largest increase for a gemeente** (``max_increase_km``): the national value is the maximum
  over jeugdregio's, so its CDF is the product of the jeugdregio CDFs: exact.
* **Congruences and size spread** are not sums over jeugdregio's; their national distributions
  are estimated by drawing :data:`PRODUCT_DRAWS` national divisions from the product
  (independent uniform draws per jeugdregio; seed 0). The national congruence is the
  pupil-weighted mean of the jeugdregio congruences (the congruence with today's SWVs cut at
  the jeugdregio borders); the national size spread is the largest SWV minus the smallest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.space.errors import SpaceError

GRID: dict[str, float] = {
    "disrupted": 1.0,
    "disrupted_po": 1.0,
    "disrupted_vo": 1.0,
    "swvs": 1.0,
    "travel_po_pkm": 1.0,
    "travel_vo_pkm": 1.0,
}
"""Grid step of each additive figure."""

FIGURES = (
    "swvs",
    "disrupted",
    "disrupted_po",
    "disrupted_vo",
    "travel_po_km",
    "travel_vo_km",
    "max_increase_km",
    "size_spread",
    "congruence_po",
    "congruence_vo",
    "congruence_uniform",
)
"""The figures a space reports and places scenarios in."""

HIGHER_IS_BETTER = {"congruence_po", "congruence_vo", "congruence_uniform"}

PRODUCT_DRAWS = 100_000

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def read_plans(out: Path | str, regions: list[str] | None = None) -> pd.DataFrame:
    """Every stored plan with ``jeugdregio`` and ``weight`` (probability within its jeugdregio)."""
    import pyarrow.dataset as pads

    root = Path(out) / "plans"
    if not root.exists():
        raise SpaceError(f"{out}: no space here (no plans/ directory); run 'regio space build'")
    done = sorted(p.parent.name.split("=", 1)[1] for p in root.glob("jeugdregio=*/_region.json"))
    if regions is not None:
        done = [r for r in done if r in regions]
    frames = []
    for r in done:
        files = sorted((root / f"jeugdregio={r}").glob("part-*.parquet"))
        if not files:
            continue
        t = pads.dataset([str(f) for f in files], format="parquet").to_table().to_pandas()
        t.insert(0, "jeugdregio", r)
        frames.append(t)
    plans = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(plans):
        w = np.exp(plans["log_weight"].to_numpy(dtype=float))
        totals = pd.Series(w).groupby(plans["jeugdregio"].to_numpy()).transform("sum").to_numpy()
        plans["weight"] = w / totals
    return plans


@dataclass
class Discrete:
    """A distribution on the grid ``offset + step * i`` with probabilities ``p``."""

    offset: int
    step: float
    p: np.ndarray

    @property
    def values(self) -> np.ndarray:
        return (self.offset + np.arange(len(self.p))) * self.step

    @classmethod
    def of(cls, values: np.ndarray, weights: np.ndarray, step: float) -> Discrete:
        idx = np.rint(np.asarray(values, dtype=float) / step).astype(np.int64)
        lo = int(idx.min())
        p = np.bincount(idx - lo, weights=np.asarray(weights, dtype=float))
        return cls(lo, step, p / p.sum())


def convolve(dists: list[Discrete]) -> Discrete:
    """The exact distribution of the sum of independent grid variables (shifted sums)."""
    out = Discrete(0, dists[0].step, np.ones(1))
    for d in dists:
        nz = np.flatnonzero(d.p)
        acc = np.zeros(len(out.p) + len(d.p) - 1)
        n = len(out.p)
        for i in nz.tolist():
            acc[i : i + n] += d.p[i] * out.p
        out = Discrete(out.offset + d.offset, d.step, acc)
    return out


def summary(values: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """min, max, mean and the :data:`QUANTILES` of a weighted discrete distribution."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, dtype=float)[order], np.asarray(p, dtype=float)[order]
    keep = w > 0
    v, w = v[keep], w[keep]
    cdf = np.cumsum(w) / w.sum()
    out = {
        "min": float(v[0]),
        "max": float(v[-1]),
        "mean": float((v * w).sum() / w.sum()),
    }
    for q in QUANTILES:
        out[f"p{int(q * 100)}"] = float(v[min(np.searchsorted(cdf, q - 1e-12), len(v) - 1)])
    return {k: round(x, 6) for k, x in out.items()}


def national(plans: pd.DataFrame, *, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Per figure: ``method``, the summary, and the distribution (``values``, ``p``)."""
    groups = {r: g for r, g in plans.groupby("jeugdregio", sort=True)}
    out: dict[str, dict[str, Any]] = {}
    conv: dict[str, Discrete] = {}
    for fig, step in GRID.items():
        conv[fig] = convolve([Discrete.of(g[fig], g["weight"], step) for g in groups.values()])
        d = conv[fig]
        out[fig] = {
            "method": f"exact convolution on a grid of {step:g}",
            "values": d.values,
            "p": d.p,
        }
    for lv in ("po", "vo"):
        den = [g[f"travel_{lv}_pupils"].to_numpy() for g in groups.values()]
        constant = all(np.allclose(x, x[0]) for x in den if len(x))
        total = float(sum(x[0] for x in den if len(x)))
        d = conv[f"travel_{lv}_pkm"]
        out[f"travel_{lv}_km"] = {
            "method": "exact: convolved pupil-km / the national pupils with a location"
            + ("" if constant else " (denominator not constant: approximate)"),
            "values": d.values / total,
            "p": d.p,
        }
    # maximum over jeugdregio's: product of CDFs
    support = np.unique(
        np.concatenate([g["max_increase_km"].dropna().to_numpy() for g in groups.values()])
    )
    cdf = np.ones(len(support))
    for g in groups.values():
        v = g["max_increase_km"].to_numpy(dtype=float)
        w = g["weight"].to_numpy()
        ok = np.isfinite(v)
        if not ok.any():
            continue
        order = np.argsort(v[ok])
        vs, cs = v[ok][order], np.cumsum(w[ok][order]) / w[ok].sum()
        pos = np.searchsorted(vs, support, side="right") - 1
        cdf *= np.where(pos >= 0, cs[np.maximum(pos, 0)], 0.0)
    out["max_increase_km"] = {
        "method": "exact: the national maximum's CDF is the product of the jeugdregio CDFs",
        "values": support,
        "p": np.diff(np.r_[0.0, cdf]),
    }
    # the rest: draws from the product
    rng = np.random.default_rng(seed)
    picks = {
        r: rng.choice(len(g), size=PRODUCT_DRAWS, p=g["weight"].to_numpy())
        for r, g in groups.items()
    }
    for lv in ("po", "vo", "uniform"):
        col = f"congruence_{lv}"
        wcol = {"po": "travel_po_pupils", "vo": "travel_vo_pupils"}.get(lv)
        num = np.zeros(PRODUCT_DRAWS)
        den = 0.0
        for r, g in groups.items():
            weight = _region_weight(g, lv)
            num += weight * g[col].to_numpy(dtype=float)[picks[r]]
            den += weight
        out[col] = {
            "method": f"{PRODUCT_DRAWS:,} draws from the product (pupil-weighted mean of the "
            "jeugdregio congruences)",
            "values": num / den,
            "p": np.full(PRODUCT_DRAWS, 1.0 / PRODUCT_DRAWS),
        }
        del wcol
    largest = np.max([g["largest"].to_numpy()[picks[r]] for r, g in groups.items()], axis=0)
    smallest = np.min([g["smallest"].to_numpy()[picks[r]] for r, g in groups.items()], axis=0)
    out["size_spread"] = {
        "method": f"{PRODUCT_DRAWS:,} draws from the product (largest minus smallest SWV)",
        "values": largest - smallest,
        "p": np.full(PRODUCT_DRAWS, 1.0 / PRODUCT_DRAWS),
    }
    for fig in out.values():
        fig["summary"] = summary(fig["values"], fig["p"])
    return out


def _region_weight(g: pd.DataFrame, level: str) -> float:
    """The weight of a jeugdregio in a national congruence: its pupils of the level."""
    if level == "uniform":
        return float(g["travel_po_pupils"].iloc[0] + g["travel_vo_pupils"].iloc[0])
    return float(g[f"travel_{level}_pupils"].iloc[0])


def per_region(plans: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """Per jeugdregio and figure the summary of its (weighted) plans."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for r, g in plans.groupby("jeugdregio", sort=True):
        out[str(r)] = {}
        for fig in FIGURES:
            v = g[fig].to_numpy(dtype=float)
            ok = np.isfinite(v)
            if ok.any():
                out[str(r)][fig] = summary(v[ok], g["weight"].to_numpy()[ok])
    return out


def placement(values: np.ndarray, p: np.ndarray, x: float) -> dict[str, float]:
    """Where ``x`` lies: ``below`` / ``equal`` / ``above`` (probability of a valid division
    with a lower / equal (within 1e-6) / higher value) and the mid-rank ``percentile``."""
    values = np.asarray(values, dtype=float)
    p = np.asarray(p, dtype=float)
    ok = np.isfinite(values)
    values, p = values[ok], p[ok] / p[ok].sum()
    tol = 1e-6 * max(1.0, abs(x))
    below = float(p[values < x - tol].sum())
    equal = float(p[np.abs(values - x) <= tol].sum())
    return {
        "below": round(below, 6),
        "equal": round(equal, 6),
        "above": round(max(0.0, 1.0 - below - equal), 6),
        "percentile": round(100.0 * (below + equal / 2), 3),
    }


def log10_count(counts: list[int]) -> float:
    return float(sum(math.log10(max(c, 1)) for c in counts))
