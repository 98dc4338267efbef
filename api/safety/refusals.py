"""Refusals by the throttles and rate limits in the audit log, without letting them flood it.

What is audited (issue 16): a sign-in refused by the throttle (``login.throttled``, 429, or
``login.busy``, 503: no password-hash slot), an editor evaluation refused by its gate
(``evaluate.refused``, 429: the app's or the client's concurrency or CPU limit) and a request
refused by the per-client rate limits (``rate.refused``, 429). Each entry names the actor (the
signed-in user, else ``anonymous``), the target (the account name tried, the scenario, the path)
and in ``detail`` the client (``user:<name>`` or ``addr:<address>``, never a token or a
cookie), the setting that refused it and how many refusals of the same kind were left out.

Rule: a refusal costs a write to the store, so an attacker must not turn refusals into
writes. One entry is written per client, action and target per :data:`WINDOW` seconds (the
refusals in between are counted into the next entry's ``suppressed=``), at most
:data:`PER_MINUTE` entries a minute in all (the rest counted into the next one as
``dropped=``), and at most ``max_keys`` clients are remembered (the least recent go first).

>>> clock = [0.0]
>>> written = []
>>> audit = RefusalAudit(lambda *a, **k: written.append((a, k)), clock=lambda: clock[0])
>>> def refuse():
...     write = audit.refused("anonymous", "rate.refused", "/maps/x", client="addr:10.0.0.1",
...                           setting="REGIOKOMPAS_RATE_READS")
...     if write is not None:
...         write()
>>> for _ in range(5):
...     refuse()
>>> len(written), written[0][1]["detail"]
(1, 'client=addr:10.0.0.1 setting=REGIOKOMPAS_RATE_READS')
>>> clock[0] = 61.0
>>> refuse()
>>> written[1][1]["detail"]
'client=addr:10.0.0.1 setting=REGIOKOMPAS_RATE_READS suppressed=4'
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

WINDOW = 60.0
"""Seconds between two entries for the same client, action and target."""

PER_MINUTE = 120
"""Refusal entries written per minute at most, all clients together."""


class RefusalAudit:
    """Writes refusal entries through ``audit(actor, action, target, detail=...)`` (the store's
    :meth:`~api.safety.auth.accounts.AccountStore.audit`), deduplicated and capped."""

    def __init__(
        self,
        audit: Callable[..., Any],
        *,
        max_keys: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.audit = audit
        self.max_keys = max_keys
        self.clock = clock
        self._seen: OrderedDict[tuple[str, str, str, str], list[float]] = OrderedDict()
        """(action, actor, target, client) -> [time of the last entry, refusals since]."""
        self._minute = [0.0, 0.0]
        """[start of the current minute, entries written in it]."""
        self._dropped = 0
        self._lock = threading.Lock()

    def refused(
        self, actor: str, action: str, target: str, *, client: str, setting: str
    ) -> Callable[[], None] | None:
        """Count one refusal; returns the audit write to make (call it, in a thread from async
        code), or None when the refusal is counted into a later entry. The write never
        raises: a failing audit log must not turn a 429 into a 500 (it is logged instead)."""
        key = (action, actor, target[:200], client)
        with self._lock:
            now = self.clock()
            entry = self._seen.get(key)
            if entry is not None and now - entry[0] < WINDOW:
                entry[1] += 1
                self._seen.move_to_end(key)
                return None
            if now - self._minute[0] >= 60.0:
                self._minute = [now, 0.0]
            if self._minute[1] >= PER_MINUTE:
                self._dropped += 1
                return None
            self._minute[1] += 1
            suppressed = int(entry[1]) if entry is not None else 0
            dropped, self._dropped = self._dropped, 0
            self._seen[key] = [now, 0.0]
            self._seen.move_to_end(key)
            while len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)
        detail = f"client={client} setting={setting}"
        if suppressed:
            detail += f" suppressed={suppressed}"
        if dropped:
            detail += f" dropped={dropped}"

        def write() -> None:
            try:
                self.audit(actor, action, target[:200], detail=detail)
            except Exception:  # noqa: BLE001 - the refusal stands; the log says why
                LOG.exception("could not audit %s of %s", action, client)

        return write
