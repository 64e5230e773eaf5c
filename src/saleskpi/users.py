"""The users of a workspace's web dashboard and Excel report: logins, roles, password hashes,
the audit log and login throttling (docs/web.md).

They live in ``DIR/access.sqlite`` (:data:`ACCESS_FILE`), a small SQLite file of its own
beside the database: adding a user or writing an audit line never needs the database's
writer lock, so it works while ``saleskpi compute`` runs. The file is created readable by its
owner only (like every file of the workspace) and runs in WAL mode, so that the server's
threads and a ``saleskpi user`` command can use it at once.

A login is compared without case (``Maria`` and ``maria`` are one user): it is stored
case-folded. Passwords are hashed with Argon2id (RFC 9106) through ``argon2-cffi``, with its
default parameters; a hash made with older parameters is renewed at the next login.
A user's :attr:`User.scope` is the :class:`saleskpi.access.Scope` every page and export reads
results with.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from saleskpi.access import ROLES, Scope
from saleskpi.errors import UsageError

__all__ = ["ACCESS_FILE", "LANGS", "User", "add_user", "audit", "audit_log", "authenticate", "check_role",
           "close_session", "get_user", "list_users", "open_session", "record_failure", "remove_user", "session_user",
           "set_lang", "set_password", "throttled"]

#: The users, audit log and throttle of a workspace, in the workspace folder.
ACCESS_FILE = "access.sqlite"
#: The languages of the pages, the first the default.
LANGS = ("bg", "en")
#: The shortest password accepted.
MIN_PASSWORD = 8
#: The audit events.
EVENTS = ("login ok", "login failed", "login throttled", "logout", "export")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    login TEXT PRIMARY KEY,          -- case-folded: logins compare without case
    role TEXT NOT NULL,
    rep_id TEXT,
    team_ids TEXT NOT NULL DEFAULT '',       -- comma-separated
    territory_ids TEXT NOT NULL DEFAULT '',  -- comma-separated
    lang TEXT NOT NULL DEFAULT 'bg',
    password_hash TEXT NOT NULL,
    created TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit (
    at TEXT NOT NULL,
    login TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS throttle (
    key TEXT NOT NULL,               -- 'login:NAME' or 'client:ADDRESS'
    at REAL NOT NULL                 -- seconds since the epoch of a failed login
);
CREATE INDEX IF NOT EXISTS throttle_key ON throttle (key, at);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,            -- random; the signed cookie holds it
    login TEXT NOT NULL,
    opened REAL NOT NULL             -- seconds since the epoch
);
"""


@dataclass(frozen=True)
class User:
    """A user of the dashboard: the login (case-folded), role, the rep id of a rep, the teams
    and territories of a manager, the page language, and whether the user is disabled."""

    login: str
    role: str
    rep_id: str | None
    team_ids: tuple[str, ...]
    territory_ids: tuple[str, ...]
    lang: str
    created: str
    disabled: bool = False

    @property
    def scope(self) -> Scope:
        """What the user may see (:mod:`saleskpi.access`)."""
        return Scope(self.role, rep_id=self.rep_id, team_ids=frozenset(self.team_ids),
                     territory_ids=frozenset(self.territory_ids))


def _file(path: str | Path) -> Path:
    from saleskpi.config import SETTINGS_FILE

    folder = Path(path)
    if not (folder / SETTINGS_FILE).is_file():
        raise UsageError(f"{folder} is not a saleskpi workspace (no {SETTINGS_FILE}). "
                         "Give the workspace folder (saleskpi init or saleskpi demo makes one).")
    return folder / ACCESS_FILE


#: The users files whose schema this process has made sure of: (path, inode).
_MADE: set[tuple[str, int]] = set()


@contextmanager
def _db(path: str | Path, *, write: bool = True) -> Iterator[sqlite3.Connection]:
    """A connection to the workspace's users file (made owner-only on first use), in one
    transaction committed when the block ends without an error (``write``: taking SQLite's
    write lock at once; a read does not wait for writers, WAL)."""
    from saleskpi.lock import PRIVATE_FILE

    file = _file(path)
    if file.is_symlink():
        raise UsageError(f"{file} is a symbolic link; saleskpi keeps its users only in the workspace itself. "
                         "Remove the link.")
    if not file.exists():
        try:
            os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                             PRIVATE_FILE))
        except FileExistsError:  # another process made it just now
            pass
    con = sqlite3.connect(file, timeout=10, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout=10000")
        made = (str(file), file.stat().st_ino)
        if made not in _MADE:  # the schema once per file and process (the server asks at every request)
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            _MADE.add(made)
        con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def _key(login: str) -> str:
    key = login.strip().casefold()
    if not key or len(key) > 64 or any(c.isspace() or not c.isprintable() or c == "," for c in key):
        raise UsageError(f"The login '{login}' is not usable: write 1 to 64 letters, digits or signs such as "
                         ". _ - @, without spaces or commas.")
    return key


def _ids(values: Iterable[str], option: str) -> tuple[str, ...]:
    found = tuple(sorted({v.strip() for v in values if v.strip()}))
    odd = [v for v in found if "," in v]
    if odd:
        raise UsageError(f"{option} '{odd[0]}': give one id per {option} (repeat the option for several).")
    return found


def check_role(role: str, rep_id: str | None, team_ids: tuple[str, ...] = (), territory_ids: tuple[str, ...] = ()) -> None:
    """Refuse an unknown role, a rep without a rep id, a manager without a team or territory,
    and ids given to a role that has none (UsageError naming the option to give)."""
    if role not in ROLES:
        raise UsageError(f"Unknown role '{role}'. Roles: {', '.join(ROLES)}.")
    if role == "rep" and not rep_id:
        raise UsageError("A user with the role 'rep' needs --rep ID (the rep_id of the reps table): "
                         "a rep sees the rep's own customers and pay.")
    if role == "manager" and not (team_ids or territory_ids):
        raise UsageError("A user with the role 'manager' needs at least one --team ID or --territory ID "
                         "(the teams and territories the manager sees).")
    if role not in ("rep", "manager") and rep_id:
        raise UsageError(f"--rep is for the roles 'rep' and 'manager' (a manager who is also a rep sees both); a "
                         f"user with the role '{role}' has no rep id.")
    if role != "manager" and (team_ids or territory_ids):
        raise UsageError(f"--team and --territory are for the role 'manager'; a user with the role '{role}' "
                         "has none. A rep who also manages a team: make the user a manager of that team.")


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _hashed(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"The password is too short ({len(password)} characters); use at least {MIN_PASSWORD}.")
    return _hasher().hash(password)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def add_user(path: str | Path, login: str, *, role: str, password: str, rep_id: str | None = None,
             team_ids: Iterable[str] = (), territory_ids: Iterable[str] = (), lang: str = LANGS[0]) -> User:
    """Add the user ``login`` to the workspace at ``path``; refuses a login that exists (in any
    case), an unknown role, a rep without a rep id, a manager without a team or territory."""
    key = _key(login)
    teams, territories = _ids(team_ids, "--team"), _ids(territory_ids, "--territory")
    rep = rep_id.strip() if rep_id else None
    check_role(role, rep, teams, territories)
    if lang not in LANGS:
        raise UsageError(f"Unknown language '{lang}'. Languages: {', '.join(LANGS)}.")
    hashed = _hashed(password)
    with _db(path) as con:
        if con.execute("SELECT 1 FROM users WHERE login = ?", (key,)).fetchone():
            raise UsageError(f"A user '{key}' exists already in {path} (logins compare without case). "
                             f"Choose another login, or 'saleskpi user remove {path} {key}' first.")
        con.execute("INSERT INTO users (login, role, rep_id, team_ids, territory_ids, lang, password_hash, created)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, role, rep, ",".join(teams), ",".join(territories), lang, hashed, _now()))
    return get_user(path, key)


def _user(row) -> User:
    login, role, rep_id, teams, territories, lang, created, disabled = row
    return User(login, role, rep_id, tuple(t for t in teams.split(",") if t),
                tuple(t for t in territories.split(",") if t), lang, created, bool(disabled))


_COLUMNS = "login, role, rep_id, team_ids, territory_ids, lang, created, disabled"


def get_user(path: str | Path, login: str) -> User:
    """The user ``login`` (in any case); UsageError when there is none."""
    key = _key(login)
    with _db(path, write=False) as con:
        row = con.execute(f"SELECT {_COLUMNS} FROM users WHERE login = ?", (key,)).fetchone()
    if row is None:
        raise UsageError(f"No user '{key}' in {path}. See 'saleskpi user list {path}'.")
    return _user(row)


def list_users(path: str | Path) -> list[User]:
    """Every user of the workspace, by login."""
    with _db(path, write=False) as con:
        return [_user(r) for r in con.execute(f"SELECT {_COLUMNS} FROM users ORDER BY login")]


def remove_user(path: str | Path, login: str) -> None:
    """Remove the user ``login``: the next request of a session of theirs is logged out."""
    key = _key(login)
    with _db(path) as con:
        if con.execute("DELETE FROM users WHERE login = ?", (key,)).rowcount == 0:
            raise UsageError(f"No user '{key}' in {path}. See 'saleskpi user list {path}'.")
        con.execute("DELETE FROM sessions WHERE login = ?", (key,))


def set_password(path: str | Path, login: str, password: str) -> None:
    """Give the user ``login`` a new password; every open session of theirs ends (a stolen
    cookie stops working with the old password)."""
    key = _key(login)
    hashed = _hashed(password)
    with _db(path) as con:
        if con.execute("UPDATE users SET password_hash = ? WHERE login = ?", (hashed, key)).rowcount == 0:
            raise UsageError(f"No user '{key}' in {path}. See 'saleskpi user list {path}'.")
        con.execute("DELETE FROM sessions WHERE login = ?", (key,))


# --- sessions: the signed cookie holds a random id; the server ends it at logout -----------


def open_session(path: str | Path, login: str) -> str:
    """A new session of ``login``: its random id (OWASP Session Management: server-side
    sessions that logout and a password change end)."""
    import secrets

    sid = secrets.token_urlsafe(32)
    with _db(path) as con:
        con.execute("INSERT INTO sessions (sid, login, opened) VALUES (?, ?, ?)", (sid, _key(login), time.time()))
    return sid


_readers = threading.local()


def _reader(path: str | Path) -> sqlite3.Connection:
    """This thread's connection for the server's reads of the users file (each statement its
    own transaction, so it sees every commit, WAL): kept open, instead of a connection per
    request; made anew when the file is another (replaced) one."""
    file = _file(path)
    kept = getattr(_readers, "kept", None)
    if kept is None:
        kept = _readers.kept = {}
    inode = file.stat().st_ino
    found = kept.get(str(file))
    if found is None or found[0] != inode:
        with _db(path, write=False):  # the checks and the schema of the file, once
            pass
        if found is not None:
            found[1].close()
        found = kept[str(file)] = (inode, sqlite3.connect(file, timeout=10, isolation_level=None,
                                                          check_same_thread=True))
    return found[1]


def session_user(path: str | Path, sid: str, *, max_age: float) -> User | None:
    """The user of the open session ``sid`` (one read of the users file, as the server makes at
    every request), or None: the session ended, is unknown or older than ``max_age`` seconds,
    or its user is removed."""
    con = _reader(path)
    row = con.execute(f"SELECT s.opened, {', '.join('u.' + c for c in _COLUMNS.split(', '))} FROM sessions s "
                      "JOIN users u ON u.login = s.login WHERE s.sid = ?", (str(sid),)).fetchone()
    if row is None or time.time() - row[0] > max_age:
        return None
    return _user(row[1:])


def close_session(path: str | Path, sid: str) -> None:
    """End the session ``sid`` (logout)."""
    with _db(path) as con:
        con.execute("DELETE FROM sessions WHERE sid = ?", (str(sid),))


def set_lang(path: str | Path, login: str, lang: str) -> None:
    """Set the page language of the user ``login`` (one of :data:`LANGS`)."""
    if lang not in LANGS:
        raise UsageError(f"Unknown language '{lang}'. Languages: {', '.join(LANGS)}.")
    with _db(path) as con:
        con.execute("UPDATE users SET lang = ? WHERE login = ?", (lang, _key(login)))


#: Verified against when the login does not exist, so that a wrong login takes as long as a
#: wrong password (no telling which logins exist by the time an answer takes).
_DUMMY: list[str] = []


def authenticate(path: str | Path, login: str, password: str) -> User | None:
    """The user ``login`` when ``password`` is theirs and the user is not disabled, else None."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        key = _key(login)
    except UsageError:
        return None
    with _db(path, write=False) as con:
        row = con.execute(f"SELECT {_COLUMNS}, password_hash FROM users WHERE login = ?", (key,)).fetchone()
    hasher = _hasher()
    if row is None:
        if not _DUMMY:
            _DUMMY.append(hasher.hash("not a password of anyone"))
        try:
            hasher.verify(_DUMMY[0], password)
        except VerificationError:
            pass
        return None
    try:
        hasher.verify(row[-1], password)
    except (VerificationError, InvalidHashError):
        return None
    user = _user(row[:-1])
    if user.disabled:
        return None
    if hasher.check_needs_rehash(row[-1]):
        with _db(path) as con:
            con.execute("UPDATE users SET password_hash = ? WHERE login = ?", (hasher.hash(password), key))
    return user


def audit(path: str | Path, login: str, event: str, detail: str = "") -> None:
    """Write one line of the audit log: a login (ok or failed), a logout, an export of pay or
    customer data (``detail``: what was exported)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}; one of {EVENTS}")
    with _db(path) as con:
        con.execute("INSERT INTO audit (at, login, event, detail) VALUES (?, ?, ?, ?)",
                    (_now(), login.strip().casefold()[:64], event, detail))


def audit_log(path: str | Path) -> list[dict]:
    """The audit log, oldest first: ``at``, ``login``, ``event``, ``detail``."""
    with _db(path, write=False) as con:
        return [dict(zip(("at", "login", "event", "detail"), r))
                for r in con.execute("SELECT at, login, event, detail FROM audit ORDER BY rowid")]


def throttled(path: str | Path, keys: Iterable[str], *, limit: int, window: float) -> float:
    """Seconds to wait before the next login attempt may be tried: 0 unless one of ``keys``
    (``login:NAME``, ``client:ADDRESS``) had ``limit`` failed logins within the last ``window``
    seconds, else until the oldest of those leaves the window."""
    now = time.time()
    wait = 0.0
    with _db(path) as con:
        con.execute("DELETE FROM throttle WHERE at < ?", (now - window,))
        for key in keys:
            times = [r[0] for r in con.execute("SELECT at FROM throttle WHERE key = ? ORDER BY at DESC LIMIT ?",
                                               (key, limit))]
            if len(times) >= limit:
                wait = max(wait, times[-1] + window - now)
    return wait


def record_failure(path: str | Path, keys: Iterable[str]) -> None:
    """Count a failed login against each of ``keys`` (see :func:`throttled`)."""
    now = time.time()
    with _db(path) as con:
        con.executemany("INSERT INTO throttle (key, at) VALUES (?, ?)", [(k, now) for k in keys])
