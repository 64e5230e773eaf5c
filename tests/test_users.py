"""The users of a workspace (saleskpi/users.py) and the ``saleskpi user`` commands."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from saleskpi import users
from saleskpi.access import Scope
from saleskpi.errors import UsageError


@pytest.fixture
def folder(tmp_path):
    """An empty workspace folder (settings only: users need no database)."""
    (tmp_path / "settings.toml").write_text("[workspace]\n", encoding="utf-8")
    return tmp_path


def test_add_and_authenticate_without_case(folder):
    user = users.add_user(folder, "Maria.Ivanova", role="rep", rep_id="R007", password="long enough")
    assert user.login == "maria.ivanova" and user.scope == Scope("rep", rep_id="R007")
    assert users.authenticate(folder, "MARIA.IVANOVA", "long enough") == user
    assert users.authenticate(folder, "maria.ivanova", "wrong one!") is None
    assert users.authenticate(folder, "somebody", "long enough") is None
    with pytest.raises(UsageError, match="exists already"):
        users.add_user(folder, "maria.IVANOVA", role="director", password="long enough")


def test_the_file_is_owner_only_and_hashes_are_argon2id(folder):
    users.add_user(folder, "boss", role="director", password="long enough")
    assert (folder / users.ACCESS_FILE).stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(folder / users.ACCESS_FILE) as con:
        (hashed,) = con.execute("SELECT password_hash FROM users").fetchone()
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert hashed.startswith("$argon2id$") and "long enough" not in hashed


@pytest.mark.parametrize("role, options, message", [
    ("king", {}, "Unknown role 'king'. Roles: admin, director, manager, rep, compensation."),
    ("rep", {}, "needs --rep ID"),
    ("manager", {}, "needs at least one --team ID or --territory ID"),
    ("director", {"rep_id": "R1"}, "--rep is for the roles 'rep' and 'manager'"),
    ("rep", {"rep_id": "R1", "team_ids": ["T1"]}, "--team and --territory are for the role 'manager'"),
])
def test_refused_roles(folder, role, options, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        users.add_user(folder, "someone", role=role, password="long enough", **options)
    assert users.list_users(folder) == []


def test_manager_scope_remove_and_password(folder):
    users.add_user(folder, "m", role="manager", team_ids=["T2", "T1"], territory_ids=["BG-22"], password="long enough")
    assert users.get_user(folder, "M").scope == Scope("manager", team_ids={"T1", "T2"}, territory_ids={"BG-22"})
    users.set_password(folder, "m", "another long one")
    assert users.authenticate(folder, "m", "long enough") is None
    assert users.authenticate(folder, "m", "another long one") is not None
    with pytest.raises(UsageError, match="too short"):
        users.set_password(folder, "m", "short")
    users.remove_user(folder, "M")
    assert users.list_users(folder) == []
    with pytest.raises(UsageError, match="No user 'm'"):
        users.remove_user(folder, "m")


def test_not_a_workspace(tmp_path):
    with pytest.raises(UsageError, match="is not a saleskpi workspace"):
        users.list_users(tmp_path)


def test_throttle_counts_failures_in_the_window(folder):
    keys = ["login:x", "client:1.2.3.4"]
    for _ in range(4):
        users.record_failure(folder, keys)
    assert users.throttled(folder, keys, limit=5, window=900) == 0
    users.record_failure(folder, ["login:x"])
    wait = users.throttled(folder, keys, limit=5, window=900)
    assert 890 < wait <= 900
    assert users.throttled(folder, ["client:1.2.3.4"], limit=5, window=900) == 0  # 4 for the client


# --- the command line, as a user runs it ----------------------------------------------------

def _saleskpi(*args, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "saleskpi", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_user_commands_read_the_password_from_stdin_and_never_print_it(folder):
    secret = "s3cret-Pa55word"
    added = _saleskpi("user", "add", str(folder), "Petar", "--role", "rep", "--rep", "R003", stdin=secret + "\n")
    assert added.returncode == 0, added.stderr
    assert "User petar added" in added.stderr and secret not in added.stdout + added.stderr
    listed = _saleskpi("user", "list", str(folder), "--format", "csv")
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0] == "login,role,rep_id,team_ids,territory_ids,lang,created,disabled"
    assert listed.stdout.splitlines()[1].startswith("petar,rep,R003,,,bg,")
    assert "argon2" not in listed.stdout and secret not in listed.stdout
    assert users.authenticate(folder, "petar", secret) is not None
    changed = _saleskpi("user", "password", str(folder), "PETAR", stdin="a new password\n")
    assert changed.returncode == 0 and "a new password" not in changed.stdout + changed.stderr
    assert users.authenticate(folder, "petar", "a new password") is not None


def test_user_command_errors_exit_2_with_the_fix(folder):
    manager = _saleskpi("user", "add", str(folder), "m", "--role", "manager", stdin="long enough\n")
    assert manager.returncode == 2 and "needs at least one --team ID or --territory ID" in manager.stderr
    empty = _saleskpi("user", "add", str(folder), "m", "--role", "director", stdin="")
    assert empty.returncode == 2 and "No password on standard input" in empty.stderr
    assert "Traceback" not in manager.stderr + empty.stderr
    users.add_user(folder, "gone", role="director", password="long enough")
    asked = _saleskpi("user", "remove", str(folder), "gone")
    assert asked.returncode == 2 and "add --yes" in asked.stderr
    removed = _saleskpi("user", "remove", str(folder), "GONE", "--yes")
    assert removed.returncode == 0 and users.list_users(folder) == []
