"""The dashboard app: settings, login and sessions, CSRF, throttling, security headers, the
home page and the JSON API of results (docs/web.md).

Every route but ``/login`` and ``/static`` needs a logged-in user (:func:`current_user`,
looked up in ``access.sqlite`` on every request, so a removed user or a changed scope takes
effect at once); every read of a result goes through :func:`saleskpi.results.read` with the
user's scope (the one scoping dependency, :data:`CurrentUser`), never around it.
"""

from __future__ import annotations

import hmac
import os
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from saleskpi import users
from saleskpi.errors import UsageError
from saleskpi.users import User
from saleskpi.web.cache import CSRF_MARK, LOGIN_MARK, PageCache, Rendered
from saleskpi.web.snapshot import Snapshots, Unavailable

__all__ = ["SECRET_ENV", "SECRET_FILE", "WebSettings", "create_app", "load_secret"]

#: The environment variable that gives the session secret.
SECRET_ENV = "SALESKPI_SECRET"
#: The file in the workspace that keeps the session secret made on first serve (owner only).
SECRET_FILE = ".saleskpi-secret"
#: Secrets that anyone could guess: refused outside --dev.
WEAK_SECRETS = frozenset({"", "secret", "changeme", "change-me", "changethis", "dev", "development", "test",
                          "saleskpi", "password", "default", "insecure"})
#: The shortest secret accepted outside --dev.
MIN_SECRET = 32
HERE = Path(__file__).parent


@dataclass(frozen=True)
class WebSettings:
    """The server's settings: session lifetime (seconds), the login throttle (``throttle_limit``
    failures per login and per client address within ``throttle_window`` seconds), the
    default and largest page of ``/api/results``, whether the session cookie is sent over
    HTTPS only (behind a TLS proxy), and the bytes of rendered pages kept
    (:mod:`saleskpi.web.cache`; 0 keeps none), and the most memory the database may hold for
    each snapshot copy it reads (:mod:`saleskpi.web.snapshot`; two copies are open while one
    replaces the other)."""

    session_max_age: int = 8 * 3600
    throttle_limit: int = 5
    throttle_window: int = 15 * 60
    page_limit: int = 100
    max_limit: int = 1000
    https_only: bool = False
    page_cache_bytes: int = 256 * 2**20
    copy_memory: str = "768MB"


def load_secret(path: Path, *, secret: str | None = None, dev: bool = False) -> str:
    """The session secret: ``secret``, else the environment's ``SALESKPI_SECRET``, else the
    workspace's :data:`SECRET_FILE` (made with a random secret, owner only, the first time).
    A guessable or short secret is refused unless ``dev``."""
    from saleskpi.lock import write_private

    given = secret if secret is not None else os.environ.get(SECRET_ENV)
    source = "the secret given" if secret is not None else f"${SECRET_ENV}"
    if given is None:
        file = Path(path) / SECRET_FILE
        if file.is_symlink():
            raise UsageError(f"{file} is a symbolic link; remove it (saleskpi makes its own secret there).")
        if not file.exists():
            write_private(file, secrets.token_urlsafe(48))
        elif file.stat().st_mode & 0o077:
            raise UsageError(f"{file} can be read by others; its secret signs every session. "
                             f"Remove the file (a new one is made) or run: chmod 600 {file}")
        given, source = file.read_text(encoding="utf-8").strip(), str(file)
    if not dev and (given.strip().lower() in WEAK_SECRETS or len(given) < MIN_SECRET):
        raise UsageError(f"{source} is a default or weak secret ({len(given)} characters); the session "
                         f"secret must be at least {MIN_SECRET} random characters. Unset {SECRET_ENV} to let "
                         f"saleskpi make one in {Path(path) / SECRET_FILE}, or use --dev on your own machine only.")
    return given


# --- the words of the pages, in both languages --------------------------------------------

WORDS = {
    "en": {"title": "saleskpi", "login": "Log in", "logout": "Log out", "user": "Login", "password": "Password",
           "wrong": "Wrong login or password.", "results": "Results", "not_computed": "not computed yet",
           "wait": "Too many failed logins; try again in {minutes} minute(s).", "home": "Home",
           "busy": "The data is being updated; try again in a moment.", "nothing": "No result is open to you.",
           "language": "Language"},
    "bg": {"title": "saleskpi", "login": "Вход", "logout": "Изход", "user": "Потребител", "password": "Парола",
           "wrong": "Грешен потребител или парола.", "results": "Резултати", "not_computed": "още не е изчислен",
           "wait": "Твърде много неуспешни опити; опитайте отново след {minutes} минути.", "home": "Начало",
           "busy": "Данните се обновяват; опитайте отново след малко.", "nothing": "Няма достъпни резултати.",
           "language": "Език"},
}


def _page_words() -> None:
    from saleskpi.web.pages import WORDS as PAGES

    for lang, words in PAGES.items():
        WORDS[lang].update(words)


_page_words()


class LoginRequired(Exception):
    """Raised by :func:`current_user` when nobody is logged in."""


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); every form carries it."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, token: str | None) -> None:
    """Refuse (403) a form whose token is not the session's."""
    expected = request.session.get("csrf")
    if not token or not expected or not hmac.compare_digest(str(token), str(expected)):
        raise HTTPException(403, "The form has expired or did not come from this site; reload the page and try again.")


def current_user(request: Request) -> User:
    """The logged-in user (looked up now: removed or disabled users are logged out)."""
    login, sid = request.session.get("login"), request.session.get("sid")
    if login and sid:
        path = request.app.state.path
        # the session must still be open on the server: logout and a new password end it
        user = users.session_user(path, sid, max_age=request.app.state.settings.session_max_age)
        if user is not None and user.login == login and not user.disabled:
            return user
    if request.session:
        request.session.clear()
    raise LoginRequired()


#: The one scoping dependency: every route that shows data takes the user from here.
CurrentUser = Annotated[User, Depends(current_user)]


def create_app(path, *, secret: str | None = None, dev: bool = False, settings: WebSettings | None = None) -> FastAPI:
    """The dashboard of the workspace folder ``path``. ``secret`` signs the session cookies
    (default: :func:`load_secret`); ``dev`` accepts a weak one; ``settings``: :class:`WebSettings`."""
    path = Path(path)
    settings = settings or WebSettings()
    users.list_users(path)  # refuse a folder that is not a workspace now, not at the first request
    key = load_secret(path, secret=secret, dev=dev)
    cache = PageCache(settings.page_cache_bytes)
    from saleskpi.results import table_name
    from saleskpi.web.pages import LOOKUPS

    snapshots = Snapshots(path, on_retire=cache.forget,
                          lookups=(*((table_name(name), "customer_id") for name in LOOKUPS),
                                   ("customers", "customer_id")),
                          memory=settings.copy_memory)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        snapshots.close()

    app = FastAPI(title="saleskpi", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.path, app.state.settings, app.state.snapshots, app.state.cache = path, settings, snapshots, cache
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.add_middleware(SessionMiddleware, secret_key=key, session_cookie="saleskpi_session",
                       max_age=settings.session_max_age, same_site="strict", https_only=settings.https_only)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = ("default-src 'self'; frame-ancestors 'none'; "
                                                       "base-uri 'self'; form-action 'self'")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "Log in first (POST /login)."}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    def page(request: Request, name: str, user: User | None, status: int = 200, **context):
        """The template ``name`` rendered for the session (its ``rendered``: as kept by the cache,
        with the marks in place of the session's token and login)."""
        lang = user.lang if user else request.session.get("lang", users.LANGS[0])
        body = templates.get_template(name).render({"request": request, "user": user, "lang": lang, "t": WORDS[lang],
                                                    "csrf": CSRF_MARK, "who": LOGIN_MARK, **context})
        rendered = Rendered(body.encode(), status)
        response = rendered.response(csrf_token(request), user.login if user else None)
        response.rendered = rendered
        return response

    def cached(request: Request, user: User, con, make):
        """The page of this request (:mod:`saleskpi.web.cache`): kept, or ``make()`` (a response
        from :func:`page`, or a :class:`Rendered`) and kept when it can be."""
        generation = getattr(con, "generation", None)
        key = None
        if generation is not None and request.method == "GET":
            key = (generation, user.scope, user.lang, request.url.path, request.url.query,
                   request.headers.get("HX-Request"), request.headers.get("HX-History-Restore-Request"))
            found = cache.get(key)
            if found is not None:
                return found
        made = make()
        rendered = made if isinstance(made, Rendered) else getattr(made, "rendered", None)
        if key is not None and rendered is not None:
            cache.put(key, rendered)
        return rendered if rendered is not None else made

    def answer(request: Request, user: User, made):
        """A :class:`Rendered` (kept or new) made the session's answer; any other response as it is."""
        return made.response(csrf_token(request), user.login) if isinstance(made, Rendered) else made

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, lang: str | None = None):
        if lang in users.LANGS:
            request.session["lang"] = lang
        return page(request, "login.html", None)

    @app.post("/login")
    def login(request: Request, login: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
              csrf: Annotated[str | None, Form()] = None):
        check_csrf(request, csrf)
        keys = [f"login:{login.strip().casefold()}", f"client:{_client(request)}"]
        wait = users.throttled(path, keys, limit=settings.throttle_limit, window=settings.throttle_window)
        lang = request.session.get("lang", users.LANGS[0])
        if wait > 0:
            users.audit(path, login or "-", "login throttled", f"from {_client(request)}")
            minutes = max(1, round(wait / 60 + 0.49))
            response = page(request, "login.html", None, status=429,
                            error=WORDS[lang]["wait"].format(minutes=minutes))
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        user = users.authenticate(path, login, password)
        if user is None:
            users.record_failure(path, keys)
            users.audit(path, login or "-", "login failed", f"from {_client(request)}")
            return page(request, "login.html", None, status=401, error=WORDS[lang]["wrong"])
        request.session.clear()  # a new session on login (no fixation)
        request.session["login"] = user.login
        request.session["sid"] = users.open_session(path, user.login)
        users.audit(path, user.login, "login ok", f"from {_client(request)}")
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    def logout(request: Request, user: CurrentUser, csrf: Annotated[str | None, Form()] = None):
        check_csrf(request, csrf)
        users.audit(path, user.login, "logout")
        users.close_session(path, request.session.get("sid", ""))
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.post("/lang")
    def language(request: Request, user: CurrentUser, lang: Annotated[str, Form()],
                 csrf: Annotated[str | None, Form()] = None):
        check_csrf(request, csrf)
        if lang not in users.LANGS:
            raise HTTPException(400, f"Unknown language '{lang}'; one of {', '.join(users.LANGS)}.")
        users.set_lang(path, user.login, lang)
        return RedirectResponse("/", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, user: CurrentUser):
        from saleskpi.web.data import visible_results

        try:
            with app.state.snapshots.reading() as con:
                shown = visible_results(con, user)
        except Unavailable:
            return page(request, "busy.html", user, status=503)
        return page(request, "home.html", user, results=shown)

    @app.get("/api/results/{name}")
    def api_result(request: Request, user: CurrentUser, name: str, offset: int = 0, limit: int | None = None):
        from saleskpi.web.data import NotAllowed, NotFound, result_page

        limit = settings.page_limit if limit is None else limit
        if offset < 0 or not 1 <= limit <= settings.max_limit:
            raise HTTPException(400, f"offset must be 0 or more and limit from 1 to {settings.max_limit}; "
                                     f"got offset={offset}, limit={limit}.")
        def make():
            body, exported = result_page(con, name, user, offset=offset, limit=limit)
            return Rendered(JSONResponse(body).body, media_type="application/json", personal=False,
                            note=(exported, len(body["rows"]), body["run_id"]))

        try:
            with app.state.snapshots.reading() as con:
                made = cached(request, user, con, make)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except NotAllowed as exc:
            raise HTTPException(403, str(exc)) from None
        except Unavailable:
            raise HTTPException(503, WORDS["en"]["busy"], headers={"Retry-After": "5"}) from None
        exported, rows, run_id = made.note
        if exported:  # at every answer, kept or not
            users.audit(path, user.login, "export", f"{name} json offset={offset} limit={limit} rows={rows} run={run_id}")
        return answer(request, user, made)

    from saleskpi.web.pages import register

    register(app, page, templates, CurrentUser, current_user, LoginRequired, cached=cached, answer=answer)
    return app
