"""``regio serve``: the web app (maps and API) on the real data, with durable scenarios.

First start (no users in the store): an ``admin`` account is created and a one-time login link
is printed, like Jupyter's token link, so ``make serve`` needs no extra step.

Rule: ``--data`` and ``--state`` are handed to the app through ``REGIOKOMPAS_DATA`` and
``REGIOKOMPAS_STATE`` (so every worker process sees them); uvicorn builds the app with the
factory :func:`api.app.create_app`, which loads the dataset before it accepts requests and
creates the scenario store (with the library scenarios) on first start.

Example: ``regio serve --port 8000 --state ~/.local/share/regiokompas/state``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from regio.common import DataOption, console, fail


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    data: DataOption = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            help="Directory of the scenario store (default: $REGIOKOMPAS_STATE or a per-user "
            "data dir).",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 1,
    log_level: Annotated[
        str, typer.Option("--log-level", help="uvicorn log level (info, warning, ...).")
    ] = "info",
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            envvar="REGIOKOMPAS_FORWARDED_ALLOW_IPS",
            help="Addresses of the reverse proxies whose X-Forwarded-For/-Proto headers are "
            "trusted (comma-separated, e.g. 127.0.0.1). Default: none, the headers are ignored "
            "and the client address is the connection's.",
        ),
    ] = None,
) -> None:
    """Serve the maps and the API with uvicorn (docs at /docs, schema at /openapi.json)."""
    import uvicorn

    from api.safety.auth.bootstrap import first_start
    from api.storage.store import open_store
    from geo.config import data_dir, state_dir
    from geo.errors import RegiokompasError

    if data is not None:
        os.environ["REGIOKOMPAS_DATA"] = str(data_dir(data))
    if state is not None:
        os.environ["REGIOKOMPAS_STATE"] = str(state_dir(state))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base_url = f"http://{shown if ':' not in shown else f'[{shown}]'}:{port}"
    os.environ["REGIOKOMPAS_SERVE_HOST"] = host  # a trusted Host name (api.safety.security)
    os.environ.setdefault("REGIOKOMPAS_GC_FREEZE", "1")  # api.state.freeze_long_lived
    # editor evaluations in worker processes (api.compute.workers), one per evaluation at once
    os.environ.setdefault(
        "REGIOKOMPAS_EVALUATION_WORKERS", os.environ.get("REGIOKOMPAS_EVALUATIONS") or "4"
    )
    try:  # fail fast, without a traceback, when the store cannot be opened or created
        store = open_store()
        try:
            link = first_start(store, base_url)
        finally:
            store.close()
    except RegiokompasError as exc:
        fail(str(exc))
    console.print(f"regiokompas on {base_url}/  (data: {data_dir()}, scenarios: {state_dir()})")
    if link is not None:
        console.print(
            "First start: created the user 'admin'. Sign in once with this link "
            "(valid 24 h, works once), then set a password with "
            "'regio users add admin --admin --replace':\n"
            f"    {link}",
            soft_wrap=True,
            highlight=False,
        )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        **proxy_options(trusted_proxies(forwarded_allow_ips)),
    )


def proxy_options(proxies: list[str]) -> dict[str, object]:
    """uvicorn's settings for the trusted ``proxies``.

    uvicorn's own default trusts ``X-Forwarded-For``/``-Proto`` from 127.0.0.1 (or
    ``$FORWARDED_ALLOW_IPS``), so any local process or a proxy that passes the visitor's
    header on could pick the client address. Here nothing is trusted unless named.

    >>> proxy_options([]), proxy_options(["127.0.0.1"])
    ({'proxy_headers': False}, {'proxy_headers': True, 'forwarded_allow_ips': '127.0.0.1'})
    """
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(proxies)}


def trusted_proxies(value: str | None) -> list[str]:
    """The proxy addresses of ``--forwarded-allow-ips`` (``*`` is refused: it would trust
    every client's own header).

    >>> trusted_proxies(" 127.0.0.1, ::1 "), trusted_proxies(None)
    (['127.0.0.1', '::1'], [])
    """
    proxies = [p.strip() for p in (value or "").split(",") if p.strip()]
    if "*" in proxies:
        raise typer.BadParameter(
            "'*' would trust X-Forwarded-For from any client; name the proxy's address",
            param_hint="--forwarded-allow-ips",
        )
    return proxies
