"""The space of valid SWV divisions: every valid division per jeugdregio, enumerated exactly or
sampled, national distributions, placement of scenarios and options (docs/space.md).

Modules: ``model`` (a jeugdregio as arrays), ``enumerate`` (valid parts, exact counts,
enumeration, uniform draws), ``figures`` (per-plan figures), ``mergesplit`` (merge-split
chains whose stationary distribution is uniform), ``sample`` (reversible ReCom chains, the
baseline, and the chain diagnostics), ``tasks`` and ``build`` (the Dask build, Parquet and
manifest),
``distributions`` (national distributions without the product), ``placement`` and ``verdict``
(a scenario among the valid divisions), ``options`` (Pareto front and diverse options).
"""
