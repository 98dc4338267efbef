"""The CP-SAT model of one jeugdregio: contiguous whole-gemeente SWVs with least disruption.

Rule (OR-Tools CP-SAT; one model per jeugdregio; ``n`` gemeenten numbered ``0..n-1``):

* *Assignment with representatives*: ``x[i, r] = 1`` iff gemeente ``i`` lies in the SWV whose
  lowest-numbered gemeente is ``r`` (so only ``r <= i``; ``x[r, r]`` says ``r`` heads an SWV).
  Every gemeente has exactly one ``r``; ``x[i, r] -> x[r, r]``. Each partition has exactly one
  representation, so there is no label symmetry. ``lab[i] = sum_r r * x[i, r]``.
* *Size*: an SWV's PO + VO pupils lie in ``[min, max]``; the number of SWVs lies in the range
  from :func:`geo.proposals.bounds.count_range` (or equals the target).
* *Contiguity* (single-commodity flow): each edge ``{i, j}`` of the jeugdregio graph (queen
  contiguity plus island links) may carry flow ``0..n-1`` in either direction only if
  ``lab[i] == lab[j]``; every gemeente that does not head an SWV must take in one unit of
  flow more than it sends on. Flow can then only come from the head through the SWV's own
  edges, so every SWV is connected.
* *Disruption*: for each current PO or VO SWV ``s`` whose home is this jeugdregio (see
  :func:`geo.overlap.disruption.home_regions`) a boolean ``c[s, r]`` chooses the new SWV
  continuing it — at most one per ``s`` (the definition makes continuation a function of the
  current SWV), any number per new SWV (a merger keeps everyone). ``y[s, i, r] = x[i, r] AND
  c[s, r]`` marks the pupils of ``s`` in gemeente ``i`` as kept; kept = ``sum W_s[i] * y``.
  At the optimum that is exactly the pupils of ``s`` in its continuation, so the model's
  disruption equals the definition (the product form gives a much tighter LP bound than
  ``kept <= T_s * c``).
* *Travel*: for each level and each constrained gemeente ``i`` exactly one ``z[i, h]`` picks a
  gemeente ``h`` in the same SWV (``lab[i] == lab[h]``) holding a special-education location
  at most ``allowed[i]`` away; ``sum_i w_i * dist[i, h] * z[i, h] <= mean_bound`` bounds the
  pupil-weighted mean. The solver may pick any location in the SWV, so the true nearest
  distance is never larger than the modelled one: the constraints hold for the true distances.
* *Objective*, lexicographic: maximise ``kept`` (least disruption); then, with ``kept`` fixed,
  maximise ``2 * continuing - heads``: among the least-disruptive divisions, as many new SWVs
  as possible that continue a current SWV (today's SWVs stay apart where that costs nothing)
  and no new SWV that continues none (gemeenten whose pupils change SWV anyway join a
  neighbouring SWV rather than forming a new one, unless a bound forbids it). ``continuing``
  counts heads ``r`` with some ``c[s, r]``; ``c[s, r]`` requires a gemeente holding pupils of
  ``s`` in SWV ``r``.

>>> import numpy as np
>>> p = RegionProblem("JZ1", ["a", "b", "c"], np.array([5, 5, 5]), [(0, 1), (1, 2)],
...     {"PO1": np.array([5, 5, 0]), "PO2": np.array([0, 0, 5])}, 5, 10, (2, 3))
>>> s = solve_region(p, time_limit=5)
>>> s.status, s.disruption, s.labels
('OPTIMAL', 0, {'a': 'a', 'b': 'a', 'c': 'c'})
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.sat.python import cp_model

from geo.proposals.errors import InfeasibleError, ProposalError


@dataclass(frozen=True)
class TravelLimit:
    """The travel constraint of one level (PO or VO) in one jeugdregio, in whole metres."""

    dist_m: np.ndarray
    """``n x n``: distance from gemeente ``i`` to the nearest location in gemeente ``h``
    (``-1`` where ``h`` has no location of this level)."""
    allowed_m: np.ndarray
    """Per gemeente the largest allowed distance (``-1``: not constrained)."""
    weights: np.ndarray
    """Pupils per gemeente of this level (integers)."""
    mean_bound: int | None
    """Bound on ``sum_i weights_i * distance_i`` over the constrained gemeenten (``None``: none)."""


@dataclass(frozen=True)
class RegionProblem:
    """One jeugdregio's instance (see the module docstring for the model)."""

    region: str
    units: list[str]
    sizes: np.ndarray
    edges: list[tuple[int, int]]
    keep: dict[str, np.ndarray]
    min_size: int
    max_size: int
    n_swvs: tuple[int, int]
    travel: dict[str, TravelLimit] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionSolution:
    """The best division found for one jeugdregio and how good it is."""

    region: str
    labels: dict[str, str]
    """Gemeente -> the code of the first gemeente of its SWV."""
    status: str
    """``OPTIMAL`` (proven) or ``FEASIBLE`` (time limit reached; best found)."""
    disruption: int
    """Disrupted pupils of this jeugdregio's home SWVs, as modelled (integers)."""
    disruption_bound: int
    """Proven lower bound on that disruption."""
    gap: float
    """``(disruption - bound) / disruption`` (0 when optimal)."""
    n_swvs: int
    wall_time_s: float


def _build(problem: RegionProblem, *, with_travel: bool = True) -> tuple[cp_model.CpModel, dict]:
    n = len(problem.units)
    model = cp_model.CpModel()
    x = {(i, r): model.new_bool_var(f"x_{i}_{r}") for i in range(n) for r in range(i + 1)}
    heads = [x[r, r] for r in range(n)]
    lab = [model.new_int_var(0, n - 1, f"lab_{i}") for i in range(n)]
    sizes = [int(s) for s in problem.sizes]
    for i in range(n):
        model.add_exactly_one(x[i, r] for r in range(i + 1))
        model.add(lab[i] == sum(r * x[i, r] for r in range(1, i + 1)))
        for r in range(i):
            model.add_implication(x[i, r], x[r, r])
    for r in range(n):
        members = sum(sizes[i] * x[i, r] for i in range(r, n))
        model.add(members >= problem.min_size).only_enforce_if(x[r, r])
        model.add(members <= problem.max_size * x[r, r])
    model.add_linear_constraint(sum(heads), problem.n_swvs[0], problem.n_swvs[1])

    # contiguity: single-commodity flow over edges inside one SWV
    inflow: list[list] = [[] for _ in range(n)]
    outflow: list[list] = [[] for _ in range(n)]
    for i, j in problem.edges:
        same = model.new_bool_var(f"same_{i}_{j}")
        model.add(lab[i] == lab[j]).only_enforce_if(same)
        for a, b in ((i, j), (j, i)):
            f = model.new_int_var(0, max(n - 1, 0), f"f_{a}_{b}")
            model.add(f == 0).only_enforce_if(same.Not())
            outflow[a].append(f)
            inflow[b].append(f)
    for i in range(n):
        model.add(sum(inflow[i]) - sum(outflow[i]) >= 1 - n * x[i, i])

    # disruption: continuation of each home SWV by at most one new SWV;
    # y[s, i, r] = x[i, r] AND c[s, r]: the pupils of s in gemeente i are kept
    kept_terms = []
    continues: list[list] = [[] for _ in range(n)]
    for code, weights in problem.keep.items():
        w = [int(v) for v in weights]
        holders = [i for i in range(n) if w[i] > 0]
        if not holders:
            continue
        choices = []
        per_holder: dict[int, list] = {i: [] for i in holders}
        for r in range(max(holders) + 1):
            inside = [i for i in holders if i >= r]
            c = model.new_bool_var(f"c_{code}_{r}")
            model.add_bool_or([x[i, r] for i in inside]).only_enforce_if(c)
            for i in inside:
                y = model.new_bool_var(f"y_{code}_{i}_{r}")
                model.add_implication(y, x[i, r])
                model.add_implication(y, c)
                kept_terms.append(w[i] * y)
                per_holder[i].append(y)
            choices.append(c)
            continues[r].append(c)
        for ys in per_holder.values():  # redundant (x is one-hot) but it guides propagation
            model.add_at_most_one(ys)
        model.add_at_most_one(choices)

    # travel: a location within reach in the same SWV, and the weighted mean
    if with_travel:
        for level, limit in problem.travel.items():
            mean_terms = []
            for i in range(n):
                allowed = int(limit.allowed_m[i])
                if allowed < 0:
                    continue
                hosts = [h for h in range(n) if 0 <= limit.dist_m[i, h] <= allowed]
                if not hosts:
                    raise InfeasibleError(
                        problem.region,
                        "max_extra_km",
                        f"gemeente {problem.units[i]} has no {level.upper()} special-education "
                        "location within the allowed distance in its jeugdregio",
                    )
                zs = []
                for h in hosts:
                    z = model.new_bool_var(f"z_{level}_{i}_{h}")
                    if h != i:
                        model.add(lab[i] == lab[h]).only_enforce_if(z)
                    zs.append(z)
                    mean_terms.append(int(limit.weights[i]) * int(limit.dist_m[i, h]) * z)
                model.add_exactly_one(zs)
            if limit.mean_bound is not None and mean_terms:
                model.add(sum(mean_terms) <= int(limit.mean_bound))

    # secondary: +1 per new SWV continuing a current SWV, -1 per new SWV continuing none
    continuing = []
    for r in range(n):
        if continues[r]:
            flag = model.new_bool_var(f"continuing_{r}")
            model.add_bool_or(continues[r]).only_enforce_if(flag)
            continuing.append(flag)
    kept = sum(kept_terms) if kept_terms else 0
    secondary = 2 * sum(continuing) - sum(heads) if continuing else -sum(heads)
    model.maximize(kept)
    return model, {
        "x": x,
        "heads": heads,
        "kept": kept,
        "secondary": secondary,
        "kept_total": sum(int(sum(w)) for w in problem.keep.values()),
    }


def _solver(time_limit: float, workers: int, seed: int, first_only: bool) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(float(time_limit), 0.01)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    solver.parameters.stop_after_first_solution = bool(first_only)
    # interleave the workers deterministically: the same input gives the same division
    solver.parameters.interleave_search = True
    return solver


def solve_region(
    problem: RegionProblem,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    first_solution_only: bool = False,
    secondary: bool = True,
) -> RegionSolution:
    """Solve one jeugdregio; raise :class:`InfeasibleError` naming the bound when none exists.

    Lexicographic, in two CP-SAT runs sharing ``time_limit``: first the least disruption
    (status and gap refer to this run); then, with the disruption fixed at the value found,
    the secondary objective, hinted with the first division, for at most a quarter of the time
    limit (only if ``secondary``, time is left and the first run was optimal; otherwise the
    first division stands). A time-out returns the best division
    found with ``status="FEASIBLE"`` and its gap (``first_solution_only`` stops at the first
    division found, the same way).
    """
    n = len(problem.units)
    start = time.perf_counter()
    model, handles = _build(problem)
    solver = _solver(time_limit, workers, seed, first_solution_only)
    status = solver.solve(model)
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        raise _diagnose(problem, time_limit=time_limit, workers=workers)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status == cp_model.UNKNOWN:
            raise ProposalError(
                f"jeugdregio {problem.region}: no division found within the time limit of "
                f"{time_limit:g} s; raise --time-limit"
            )
        raise RuntimeError(f"jeugdregio {problem.region}: CP-SAT returned {name}")
    x = handles["x"]
    kept = int(round(solver.objective_value))
    kept_bound = min(int(np.floor(solver.best_objective_bound + 1e-6)), handles["kept_total"])
    values = {key: solver.boolean_value(var) for key, var in x.items()}
    left = min(time_limit - (time.perf_counter() - start), time_limit / 4)
    if secondary and status == cp_model.OPTIMAL and left > 0.05 and n > 1:
        model.add(handles["kept"] >= kept)
        model.clear_objective()
        model.maximize(handles["secondary"])
        for key, var in x.items():
            model.add_hint(var, values[key])
        second = _solver(left, workers, seed, False)
        if second.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = {key: second.boolean_value(var) for key, var in x.items()}
    labels = {}
    for i in range(n):
        head = next(r for r in range(i + 1) if values[i, r])
        labels[problem.units[i]] = problem.units[head]
    n_swvs = sum(int(values[r, r]) for r in range(n))
    disruption = handles["kept_total"] - kept
    bound = max(0, handles["kept_total"] - kept_bound) if status != cp_model.OPTIMAL else disruption
    gap = (disruption - bound) / disruption if disruption > 0 else 0.0
    return RegionSolution(
        problem.region,
        labels,
        name,
        int(disruption),
        int(bound),
        float(gap),
        n_swvs,
        round(time.perf_counter() - start, 3),
    )


def _diagnose(problem: RegionProblem, *, time_limit: float, workers: int) -> InfeasibleError:
    """Which bound makes the jeugdregio infeasible: the travel margin or the size bounds."""
    if problem.travel:
        model, _ = _build(replace(problem, travel={}))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = float(time_limit)
        solver.parameters.num_workers = int(workers)
        if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return InfeasibleError(
                problem.region,
                "max_extra_km",
                "no division keeps every gemeente's distance to special education within the "
                "allowed margin together with the size bounds (proved by CP-SAT): some gemeente "
                "would lose its nearby location of a level, or every location of that level; "
                "raise --max-extra-km or widen --min-pupils/--max-pupils",
            )
    return InfeasibleError(
        problem.region,
        "min_pupils/max_pupils",
        f"no division into {problem.n_swvs[0]}..{problem.n_swvs[1]} contiguous SWVs of "
        f"{problem.min_size:,}..{problem.max_size:,} PO+VO pupils exists (proved by CP-SAT)",
    )
