"""The shared state of one app (``app.state.regio``): dataset, store, cache, evaluator, jobs.

The dataset is loaded lazily, once, on first use (so the app starts without the store built).
"""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path

from api.compute.cache import EvaluationCache
from api.compute.evaluator import ScenarioEvaluator
from api.compute.jobs import JobRunner
from api.compute.proposal_marks import new_mark_cache
from api.safety.auth.throttle import LoginThrottle
from api.safety.limits import Limits, cost_budget
from api.safety.refusals import RefusalAudit
from api.storage.store import ScenarioStore
from geo.dataset import Dataset


class AppState:
    """Everything the routers share; one per app (``app.state.regio``)."""

    def __init__(
        self,
        *,
        dataset: Dataset | None,
        store: ScenarioStore,
        data: str | Path | None = None,
        upload_limit: int = 5 * 1024 * 1024,
        cache_entries: int = 256,
        limits: Limits | None = None,
    ) -> None:
        self._dataset = dataset
        self._data = data
        self._dataset_lock = threading.Lock()
        self.store = store
        self.limits = limits or Limits()
        self.cache = EvaluationCache(cache_entries, max_bytes=self.limits.cache_bytes)
        self.jobs = JobRunner()
        self.proposal_marks = new_mark_cache()
        """The proposal's mark of the options jobs, per data, space and settings
        (:mod:`api.compute.proposal_marks`)."""
        self.upload_limit = upload_limit
        self._evaluator: ScenarioEvaluator | None = None
        self.login_throttle = LoginThrottle(self.limits, store)
        """Failed sign-ins and the password-hash slots (:mod:`api.safety.auth.throttle`)."""
        self.refusals = RefusalAudit(store.audit, max_keys=self.limits.rate_keys)
        """Throttle and rate-limit refusals in the audit log (:mod:`api.safety.refusals`)."""

    @property
    def dataset(self) -> Dataset:
        """The dataset, loaded with :func:`geo.data.store.load_dataset` on first use."""
        if self._dataset is None:
            with self._dataset_lock:
                if self._dataset is None:
                    from geo.data.store import load_dataset

                    self._dataset = load_dataset(self._data)
        return self._dataset

    @property
    def evaluator(self) -> ScenarioEvaluator:
        """The scenario evaluator over :attr:`dataset` and :attr:`store`."""
        if self._evaluator is None:
            self._evaluator = ScenarioEvaluator(
                self.dataset, self.store, self.cache, budget=cost_budget(self.limits)
            )
        return self._evaluator

    def close(self) -> None:
        """Stop the job runner and close the store."""
        self.jobs.shutdown()
        self.store.close()


GC_FREEZE_SETTING = "REGIOKOMPAS_GC_FREEZE"
"""``1``: the app freezes its long-lived objects (:func:`freeze_long_lived`); ``regio serve``
sets it. Tests and embedders that create many apps in one process leave it off."""


def freeze_long_lived() -> bool:
    """When :data:`GC_FREEZE_SETTING` is ``1``: move every object alive now (the dataset, the
    verdict context, the editor's arrays) into the garbage collector's permanent generation
    (:func:`gc.freeze`). They live as long as the server, and a full collection during a
    request no longer walks them (on the national data this removed a 150 ms pause from the
    editor benchmark's clicks). Called once the dataset is loaded and again after the editor's
    per-dataset resources are built. Returns whether it froze.
    """
    if os.environ.get(GC_FREEZE_SETTING) != "1":
        return False
    gc.collect()
    gc.freeze()
    return True
