"""The web dashboard (docs/web.md): a FastAPI app of server-rendered pages and a JSON API,
behind a login, reading every result through the one reader with the user's scope.

:func:`create_app` builds it for one workspace; nothing is built at import time.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(path, *, secret: str | None = None, dev: bool = False, settings=None):
    """The dashboard app of the workspace folder ``path`` (see :func:`saleskpi.web.app.create_app`)."""
    from saleskpi.web.app import create_app as build

    return build(path, secret=secret, dev=dev, settings=settings)
