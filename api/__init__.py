"""The regiokompas web API (FastAPI): divisions, units, scores, scenarios, compare.

>>> from api import create_app
>>> callable(create_app)
True
"""

from api.app import create_app

__all__ = ["create_app"]
