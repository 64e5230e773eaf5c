"""The lock of a workspace folder and its private files: light enough for ``saleskpi show``,
which reads without the workspace's heavier machinery (:mod:`saleskpi.workspace` re-exports it).

Writers (import, compute, demo, undo, runs) hold the lock alone; readers share it; a command
that finds it taken waits up to ``[workspace] busy_timeout`` and then stops with
:class:`~saleskpi.errors.BusyError` (exit code 4), naming what holds it (docs/workspace.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from saleskpi.errors import BusyError, UsageError

#: The workspace lock: while a writer holds it, its command, pid and start time (JSON).
LOCK_FILE = ".saleskpi.lock"
#: The workspace's private folder of temporary files (spill files, re-encoded copies, staged batches).
TEMP_DIR = ".saleskpi-tmp"
#: The workspace's private folder of what a compute keeps for the next one (the peer fits).
CACHE_DIR = ".saleskpi-cache"
#: Owner-only modes of what a workspace creates: folders, files.
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


@dataclass(frozen=True)
class Holder:
    """A process that holds a workspace's lock: its command, pid and start time."""

    command: str
    pid: int
    since: dt.datetime

    def __str__(self) -> str:
        when = self.since.strftime("%H:%M:%S" if self.since.date() == dt.date.today() else "%Y-%m-%d %H:%M:%S")
        return f"{self.command} (pid {self.pid}) since {when}"

    @classmethod
    def read(cls, text: str) -> "Holder | None":
        try:
            found = json.loads(text)
            return cls(str(found["command"]), int(found["pid"]), dt.datetime.fromisoformat(found["since"]))
        except (ValueError, KeyError, TypeError):  # empty, or being written right now
            return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def write_private(path: Path, data: str) -> None:
    """Create ``path`` readable by its owner only, refusing to follow a symbolic link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(data)


def private_dir(path: Path) -> Path:
    """Make the folder ``path`` (owner only) if it is missing; refuse a symbolic link."""
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link; saleskpi writes only into folders of the workspace itself. "
                         "Remove the link.")
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    return path


#: Locks this process holds: lock file -> [file descriptor, exclusive, count, reader record].
_HELD: dict[Path, list] = {}


class WorkspaceLock:
    """The lock of a workspace folder (the file :data:`LOCK_FILE`, an ``flock``).

    A writer holds it exclusively and writes its command, pid and start time into the file;
    a reader holds it shared and leaves a record in :data:`TEMP_DIR`/readers. The kernel
    drops the lock of a process that dies, so a lock whose process is gone is simply taken
    over: :meth:`acquire` then says so (the caller gives back what that writer left). While
    another process holds it, :meth:`acquire` waits up to ``timeout`` seconds (calling
    ``waiting`` once with what it waits for), then raises :class:`BusyError`. A process may
    take the lock of one workspace several times (library code opening it twice).
    """

    def __init__(self, folder: Path, *, command: str, exclusive: bool, timeout: float,
                 waiting: Callable[[str], None] | None = None) -> None:
        self.folder, self.command, self.exclusive = folder, command, exclusive
        self.timeout, self.waiting = timeout, waiting
        self.path = (folder / LOCK_FILE).absolute()

    def holders(self) -> list[Holder]:
        """The other live processes that hold the lock (the writer first)."""
        found = []
        try:
            found.append(Holder.read(self.path.read_text(encoding="utf-8")))
        except OSError:
            pass
        for record in sorted((self.folder / TEMP_DIR / "readers").glob("*.json")):
            try:
                found.append(Holder.read(record.read_text(encoding="utf-8")))
            except OSError:
                continue
        return [h for h in found if h is not None and h.pid != os.getpid() and _alive(h.pid)]

    def busy(self, waited: float) -> BusyError:
        held = self.holders()
        who = ", ".join(map(str, held)) if held else f"another process (it holds {self.path})"
        return BusyError(f"the workspace {self.folder} is busy: {who}; try again when it ends "
                         f"(waited {waited:g} s, [workspace] busy_timeout in settings.toml).")

    def acquire(self) -> bool:
        """Take the lock (waiting up to the timeout). True: it was taken over from a writer
        that died without releasing it."""
        try:
            import fcntl
        except ImportError:  # Windows: DuckDB's own file lock still keeps writers apart
            return False
        held = _HELD.get(self.path)
        if held is not None:
            if self.exclusive and not held[1]:
                self._wait(fcntl, held[0], fcntl.LOCK_EX)
                held[1] = True
            held[2] += 1
            return False
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC,
                         PRIVATE_FILE)
        except PermissionError:
            if self.exclusive:
                raise UsageError(f"{self.path}: cannot write the workspace's lock file (permission denied); "
                                 "only the workspace's owner can change it.") from None
            return False  # a reader of a folder it may not write: nothing to keep apart from
        except OSError as exc:
            raise UsageError(f"{self.path}: cannot open the workspace's lock file ({exc.strerror}); "
                             "if it is a symbolic link, remove it.") from None
        try:
            self._wait(fcntl, fd, fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH)
        except BaseException:
            os.close(fd)
            raise
        record, stale = None, False
        me = json.dumps({"command": self.command, "pid": os.getpid(),
                         "since": dt.datetime.now().replace(microsecond=0).isoformat()})
        if self.exclusive:
            stale = bool(os.pread(fd, 1, 0))  # a writer's line left behind: it never released
            os.ftruncate(fd, 0)
            os.pwrite(fd, me.encode("utf-8"), 0)
            # nobody else is in: whatever is in the temporary folder was left by a killed process
            shutil.rmtree(self.folder / TEMP_DIR, ignore_errors=True)
        else:
            try:
                readers = private_dir(self.folder / TEMP_DIR / "readers")
                record = readers / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
                write_private(record, me)
            except OSError:
                record = None
        _HELD[self.path] = [fd, self.exclusive, 1, record]
        return stale

    def _wait(self, fcntl, fd: int, mode: int) -> None:
        started = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= self.timeout:
                    raise self.busy(self.timeout) from None
                if not told and self.waiting is not None:
                    held = self.holders()
                    self.waiting(f"waiting for {', '.join(map(str, held)) or 'another process'} to end "
                                 f"(up to {self.timeout:g} s)...")
                    told = True
                time.sleep(min(0.1, self.timeout - waited))

    def release(self) -> None:
        """Give the lock back (the last of this process's holds of it)."""
        held = _HELD.get(self.path)
        if held is None:
            return
        held[2] -= 1
        if held[2] > 0:
            return
        import fcntl

        fd, exclusive, _, record = _HELD.pop(self.path)
        if record is not None:
            record.unlink(missing_ok=True)
        if exclusive:
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


