"""The data build: public sources -> validated Parquet store.

The flow inside this package: ``fetch`` (download with checksums) -> ``sources`` (read and
check each file) -> ``names``, ``crosswalk``, ``swv``, ``schools``, ``weights`` (derive) ->
``build`` (assemble a :class:`geo.dataset.Dataset`) -> ``store`` (write/load, keyed by the
sha256 of the sources and of this package's code) -> ``check`` (the validation report).

Nothing is imported here, so ``import geo.data.store`` loads no build code.
"""
