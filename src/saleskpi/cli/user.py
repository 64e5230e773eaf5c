"""``saleskpi user``: the users of the web dashboard and the Excel report (access.sqlite)."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from saleskpi.cli.output import Format, WorkspaceDir, confirmation, emit, err

user_app = typer.Typer(help="The users of the web dashboard and Excel report: add, list, remove, password.",
                       no_args_is_help=True, rich_markup_mode=None)


def _password(login: str) -> str:
    """The new password of ``login``: read from standard input when it is not a terminal (one
    line), else asked twice without echo. Never printed."""
    from saleskpi.errors import UsageError

    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError(f"No password on standard input for '{login}': give it as one line "
                             "(printf '%s\\n' \"$PASSWORD\" | saleskpi user ...), or run the command on a terminal.")
        return password
    import getpass

    first = getpass.getpass(f"Password for {login}: ")
    if first != getpass.getpass("The same password again: "):
        raise UsageError(f"The two passwords for '{login}' differ; nothing was changed. Run the command again.")
    return first


@user_app.command("add")
def user_add(
    directory: WorkspaceDir,
    login: Annotated[str, typer.Argument(help="The login name (compared without case).")],
    role: Annotated[str, typer.Option("--role", help="admin, director, manager, rep or compensation.")],
    rep: Annotated[Optional[str], typer.Option("--rep", help="For a rep: the rep_id of the reps table.")] = None,
    team: Annotated[Optional[list[str]], typer.Option("--team", help="For a manager: a team_id managed; repeatable.")] = None,
    territory: Annotated[Optional[list[str]], typer.Option("--territory", help="For a manager: a territory_id managed; repeatable.")] = None,
) -> None:
    """Add a user; the password is read from standard input (or asked twice on a terminal)."""
    from saleskpi import users

    # refuse a bad role or a missing --rep before asking for a password
    users.check_role(role, rep, tuple(team or ()), tuple(territory or ()))
    user = users.add_user(directory, login, role=role, password=_password(login), rep_id=rep,
                          team_ids=team or (), territory_ids=territory or ())
    err.print(f"User {user.login} added to {directory} ({_who(user)}).", markup=False)


def _who(user) -> str:
    parts = [user.role]
    if user.rep_id:
        parts.append(f"rep {user.rep_id}")
    if user.team_ids:
        parts.append(f"teams {', '.join(user.team_ids)}")
    if user.territory_ids:
        parts.append(f"territories {', '.join(user.territory_ids)}")
    return "; ".join(parts)


@user_app.command("list")
def user_list(
    directory: WorkspaceDir,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """List the users: login, role, rep, teams, territories, language, created, disabled."""
    from saleskpi import users

    emit([{"login": u.login, "role": u.role, "rep_id": u.rep_id, "team_ids": ",".join(u.team_ids),
            "territory_ids": ",".join(u.territory_ids), "lang": u.lang, "created": u.created,
            "disabled": u.disabled} for u in users.list_users(directory)], format, title=f"users of {directory}")


@user_app.command("remove")
def user_remove(
    directory: WorkspaceDir,
    login: Annotated[str, typer.Argument(help="The login to remove.")],
    yes: Annotated[bool, typer.Option("--yes", help="Remove without asking (needed when not on a terminal).")] = False,
) -> None:
    """Remove a user (their open sessions end at their next request)."""
    from saleskpi import users

    user = users.get_user(directory, login)
    if confirmation(yes, None)(f"Remove the user {user.login} ({_who(user)}) from {directory}."):
        users.remove_user(directory, user.login)
        err.print(f"User {user.login} removed.", markup=False)


@user_app.command("password")
def user_password(
    directory: WorkspaceDir,
    login: Annotated[str, typer.Argument(help="The login whose password to set.")],
) -> None:
    """Set a user's password (read from standard input, or asked twice on a terminal)."""
    from saleskpi import users

    user = users.get_user(directory, login)
    users.set_password(directory, user.login, _password(user.login))
    err.print(f"Password of {user.login} changed.", markup=False)
