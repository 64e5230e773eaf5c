"""What the server reads: a snapshot of the workspace's DuckDB file (docs/web.md, "The database
while the server runs").

DuckDB lets one process write a database file or several read it, never both; the server
must not keep ``saleskpi compute`` or ``import`` out, and no user may see a lock error. So the
server never holds the workspace lock between requests: it reads a copy of the database file
made in the workspace's private temporary folder while it holds the shared lock for the
copy's few moments (taken without waiting: when a writer holds it, the current copy goes on
serving). Before each request it compares the database file's size and modification time
with those of the last copy; when they changed it makes a new copy and swaps it in, and the
copy it replaces is closed once the requests reading it are done. A writer that takes the
lock empties the temporary folder; the copy being read is still open, and Linux keeps an
open file's data until it is closed.

A PostgreSQL workspace needs none of this: readers and writers work side by side there, and
the server reads the database itself.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from saleskpi.errors import BusyError

__all__ = ["Frozen", "Snapshots", "Unavailable"]


class Unavailable(Exception):
    """No copy of the database could be made yet (a writer held it from the start)."""


class Frozen:
    """An Ibis connection to a database nobody writes (a snapshot copy), for the threads of
    many requests at once.

    What it lists, the tables it opens and what :func:`saleskpi.results.run_of` finds are asked
    once, then remembered (``memo``), instead of once per query of every request. Ibis work
    (``memo``'s computations, :meth:`exclusive`) goes through the one Ibis connection one
    thread at a time; :meth:`raw_sql` runs on a cursor of its own, so the requests' reads run
    side by side (DuckDB serves several cursors of one database at once). Anything else goes
    to the connection itself. ``generation`` names the copy (the data it holds), for the
    page cache (:mod:`saleskpi.web.cache`). ``indexed`` holds the ``(table, column)`` pairs
    the copy is indexed on (:func:`_index`), for the lookups that read through an index
    (:meth:`saleskpi.web.data.Scoped.select`'s ``pick``)."""

    def __init__(self, con, generation: int | None = None, indexed=()) -> None:
        self._con = con
        self.generation = generation
        self.indexed = frozenset(indexed)
        self._memo: dict = {}
        self._lock = threading.RLock()

    def memo(self, key, compute):
        """``compute()`` the first time ``key`` is asked (with the Ibis connection to itself),
        its answer after."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]

    def exclusive(self):
        """Hold the Ibis connection (for a request that runs Ibis expressions itself)."""
        return self._lock

    def list_tables(self, *args, **kwargs):
        if args or kwargs:
            return self._con.list_tables(*args, **kwargs)
        return list(self.memo(("list_tables",), self._con.list_tables))

    def table(self, name: str, *args, **kwargs):
        if args or kwargs:
            return self._con.table(name, *args, **kwargs)
        return self.memo(("table", name), lambda: self._con.table(name))

    def raw_sql(self, sql: str):
        """``sql`` run on a new cursor (the caller closes it)."""
        cursor = self._con.con.cursor()
        return cursor.execute(sql)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


@dataclass
class _Copy:
    con: object
    file: Path | None
    stamp: tuple
    users: int = 0
    retired: bool = False
    query: threading.Lock = field(default_factory=threading.Lock)
    #: the thread indexing the copy (:func:`_index`), joined before the copy is closed
    indexing: threading.Thread | None = None


class Snapshots:
    """The connections the server's requests read through: :meth:`reading` gives one."""

    _numbers = itertools.count(1)

    def __init__(self, path: Path, *, on_retire=None, lookups: tuple[tuple[str, str], ...] = (),
                 memory: str | None = None) -> None:
        from saleskpi.config import SETTINGS_FILE, workspace_settings
        from saleskpi.engines import BackendURL, engine_for

        self.path = Path(path)
        settings = workspace_settings(self.path)
        self.url = BackendURL.parse(settings.workspace.backend, base=self.path, source=str(self.path / SETTINGS_FILE))
        self.engine = engine_for(self.url)
        self.copies = self.url.kind == "duckdb"
        if not self.copies and not self.engine.readers_beside_writer:
            from saleskpi.errors import UsageError

            raise UsageError(f"saleskpi serve reads a DuckDB or PostgreSQL workspace; {self.path} uses "
                             f"{self.url.kind}. Store the results in one of those (docs/backends.md).")
        self._current: _Copy | None = None
        self._guard = threading.Lock()
        #: called with a copy's generation when a newer copy replaces it (its pages are stale)
        self._on_retire = on_retire
        #: (table, column) pairs the pages look one value up in: indexed in each copy
        self.lookups = lookups
        #: the most memory DuckDB holds for each copy (its buffer of the copy's blocks), or None
        self.memory = memory

    # --- the database file and its copies -------------------------------------------------

    def _stamp(self) -> tuple:
        db = self.url.path
        wal = db.with_name(db.name + ".wal")
        st = db.stat()
        extra = (wal.stat().st_size, wal.stat().st_mtime_ns) if wal.exists() else ()
        return (st.st_ino, st.st_size, st.st_mtime_ns, *extra)

    def _copy(self) -> _Copy:
        """A fresh copy of the database file, opened read-only; raises BusyError when a writer
        holds the workspace."""
        import ibis

        from saleskpi.lock import TEMP_DIR, WorkspaceLock, private_dir

        lock = WorkspaceLock(self.path, command="saleskpi serve", exclusive=False, timeout=0)
        lock.acquire()
        try:
            db = self.url.path
            stamp = self._stamp()
            folder = private_dir(private_dir(self.path / TEMP_DIR) / "web")
            generation = next(self._numbers)
            target = folder / f"snapshot-{os.getpid()}-{generation}.duckdb"
            part = target.with_name(target.name + ".part")
            shutil.copyfile(db, part)
            os.chmod(part, 0o600)
            wal = db.with_name(db.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, target.with_name(target.name + ".wal"))
            os.replace(part, target)
        finally:
            lock.release()
        # the copy is the server's own: opened for writing only to index it (nothing else writes),
        # in a thread of its own while the requests read it (an index is used once it is made)
        con = ibis.duckdb.connect(str(target), read_only=not self.lookups)
        if self.memory is not None:
            # DuckDB keeps the blocks it has read up to 80 % of the machine's memory by default:
            # a server that has shown every page holds the whole copy (0.9 GB on the
            # 100,000-customer demo), two while one copy replaces another; beyond this limit it
            # reads them again from the file (in the system's cache)
            con.con.execute(f"SET memory_limit = '{self.memory}'")
        indexing = None
        if self.lookups:
            indexing = threading.Thread(target=_index, args=(con.con.cursor(), self.lookups), daemon=True,
                                        name=f"index snapshot {generation}")
            indexing.start()
        return _Copy(Frozen(con, generation, self.lookups), target, stamp, indexing=indexing)

    def _fresh(self) -> _Copy:
        """The copy to read now: the current one, or a new one when the file changed."""
        with self._guard:
            current = self._current
            if not self.copies:
                if current is None:
                    self._current = current = _Copy(self.engine.connect(read_only=True), None, ())
                return current
            try:
                changed = current is None or self._stamp() != current.stamp
            except FileNotFoundError:
                changed = False
            if changed:
                try:
                    new = self._copy()
                except BusyError:
                    if current is None:
                        raise Unavailable() from None
                    new = None  # a writer is at work: keep serving what we have
                if new is not None:
                    if current is not None:
                        current.retired = True
                        self._close_if_unused(current)
                        if self._on_retire is not None:
                            self._on_retire(current.con.generation)
                    self._current = current = new
            current.users += 1
            return current

    def _close_if_unused(self, copy: _Copy) -> None:
        if copy.retired and copy.users == 0:
            from saleskpi.engines import disconnect

            if copy.indexing is not None:
                copy.indexing.join()
            try:
                copy.con.disconnect() if copy.file is not None else disconnect(copy.con)
            except Exception:  # noqa: BLE001 -- closing a copy nobody reads any more
                pass
            if copy.file is not None:
                for f in (copy.file, copy.file.with_name(copy.file.name + ".wal")):
                    f.unlink(missing_ok=True)

    @contextmanager
    def reading(self) -> Iterator[object]:
        """An Ibis connection to read from for one request: a :class:`Frozen` copy read by many
        requests at once, or the database itself, one request at a time."""
        copy = self._fresh()
        try:
            if isinstance(copy.con, Frozen):  # it keeps its Ibis work to one thread itself
                yield copy.con
            else:
                with copy.query:
                    yield copy.con
        finally:
            with self._guard:
                copy.users -= 1
                self._close_if_unused(copy)

    def close(self) -> None:
        """Close the current copy (the server stops)."""
        with self._guard:
            if self._current is not None:
                self._current.retired = True
                self._close_if_unused(self._current)
                self._current = None


def _index(db, lookups) -> None:
    """Index the copy open in ``db`` (a DuckDB cursor of its own) on the ``(table, column)``
    pairs of ``lookups`` that it holds: a page that reads the rows of one customer (``WHERE
    customer_id = ...``) then finds them in the index instead of scanning the result (0.5 ms
    instead of 3 ms a result of 500,000 rows; docs/web.md, "How fast"). The workspace itself is
    not changed; a failure only leaves the copy without that index (the pages read the same
    rows, by a scan)."""
    try:
        have = set(db.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall())
        for table, column in lookups:
            if (table, column) in have:
                db.execute(f'CREATE INDEX "lookup_{table}_{column}" ON "{table}" ("{column}")')
    except Exception:  # noqa: BLE001,S110 -- an index is only a speed-up; the copy serves without it
        pass
    finally:
        db.close()
