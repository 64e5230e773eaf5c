"""The server's cache of rendered pages (docs/web.md, "Speed").

A page is a function of the data it reads, the user's scope, the language and the URL: the
same four give the same page. So a page read from a snapshot copy of the database is kept,
under the key (the copy, the resolved scope, the language, the method, path and query, the
htmx headers that choose a part of the page), and served again while that copy is current:

- the copy is the data: an import or a compute makes a new copy, and the pages of the old
  one are never served again (their key names the old copy), so a rep moved to another
  territory sees the new territory's customers at the next request;
- the scope is what :attr:`saleskpi.users.User.scope` gives now (looked up at each request),
  so two reps never share a page, and a manager given another team sees it at once;
- what is the session's own (the CSRF token of the forms, the login in the header) is not
  in the kept body: pages are rendered with :data:`CSRF_MARK` and :data:`LOGIN_MARK`, and
  :meth:`Rendered.response` puts the requesting session's own in at each answer.

Only answers 200 to GET are kept. The cache holds at most ``max_bytes`` of bodies and drops the
least recently used beyond that. Exports are audited at every answer, kept or not (the
routes do it from the entry's ``note``). A PostgreSQL workspace is read directly, with no copy
to name the data: its pages are not kept.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from markupsafe import escape

__all__ = ["CSRF_MARK", "LOGIN_MARK", "PageCache", "Rendered"]

#: What stands for the session's CSRF token and the user's login in a rendered page (random
#: per server process, so no data can contain it by chance).
CSRF_MARK = "csrf-" + secrets.token_hex(16)
LOGIN_MARK = "login-" + secrets.token_hex(16)


@dataclass(frozen=True)
class Rendered:
    """A page as rendered for a scope, before it is made a session's: the body with the marks,
    its status and media type, and ``note`` (what a route needs at each answer, e.g. the rows
    of an export for the audit log)."""

    body: bytes
    status: int = 200
    media_type: str = "text/html"
    note: object = None
    personal: bool = True

    def response(self, csrf: str, login: str | None):
        """The answer to one session: the marks replaced by its token and its login."""
        from fastapi.responses import Response

        body = self.body
        if self.personal:
            body = body.replace(CSRF_MARK.encode(), csrf.encode())
            if login is not None:
                body = body.replace(LOGIN_MARK.encode(), str(escape(login)).encode())
        return Response(body, status_code=self.status, media_type=self.media_type)


class PageCache:
    """Rendered pages by key, least recently used dropped beyond ``max_bytes`` of bodies
    (0: nothing kept). Safe for the threads of many requests at once."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple, Rendered] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def size(self) -> int:
        """The bytes of the bodies kept."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: tuple) -> Rendered | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple, page: Rendered) -> None:
        """Keep ``page`` (an answer 200 only; a body larger than the whole cache is not kept)."""
        if page.status != 200 or len(page.body) > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._pages[key] = page
            self._bytes += len(page.body)
            while self._bytes > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped.body)

    def forget(self, generation) -> None:
        """Drop the pages of the copy ``generation`` (it is no longer served)."""
        with self._lock:
            for key in [k for k in self._pages if k[0] == generation]:
                self._bytes -= len(self._pages.pop(key).body)
