"""`callpop operators add|list|disable|enable|passwd|role|extension|team`: who may use callpop (admin).

Passwords are read from the terminal without echo (or, for scripts, one line on standard input
with --password-stdin); they are never an argument, which `ps` and shell history would keep.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings

_ROLES = ("operator", "supervisor", "admin")
"""store.models.Role's values, spelled out so that building the parser imports no model."""


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "operators", help="operators: add, list, disable, enable, passwd, role, extension, team"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=parents, help="add an operator (the first one must be an admin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=_ROLES)
    add.add_argument("--extension", default="", help="the extension that is theirs (2-8 digits)")
    add.add_argument("--name", default="", help="display name")
    add.add_argument(
        "--team", default="", help="the team they work in (a supervisor sees their team's floor)"
    )
    add.add_argument("--password", action="store_true", help="also set a password (asked for, not echoed)")
    _password_stdin(add)
    add.set_defaults(handler=run_add)
    actions.add_parser("list", parents=parents, help="every operator, role, extension, status").set_defaults(
        handler=run_list
    )
    for name, status, help_text in (
        ("disable", "disabled", "refuse sign-in (their consoles lock out)"),
        ("enable", "active", "allow sign-in again"),
    ):
        verb = actions.add_parser(name, parents=parents, help=help_text)
        verb.add_argument("username")
        verb.set_defaults(handler=run_status, status=status)
    passwd = actions.add_parser("passwd", parents=parents, help="set an operator's password")
    passwd.add_argument("username")
    _password_stdin(passwd)
    passwd.set_defaults(handler=run_passwd)
    role = actions.add_parser("role", parents=parents, help="change an operator's role")
    role.add_argument("username")
    role.add_argument("role", choices=_ROLES)
    role.set_defaults(handler=run_role)
    extension = actions.add_parser(
        "extension", parents=parents, help="assign the extension (seat) they answer"
    )
    extension.add_argument("username")
    extension.add_argument("extension", help="2-8 digits, or '' for none")
    extension.set_defaults(handler=run_extension)
    team = actions.add_parser("team", parents=parents, help="move an operator to a team")
    team.add_argument("username")
    team.add_argument("team", help="the team's name, or '' for none")
    team.set_defaults(handler=run_team)


def _password_stdin(parser: argparse.ArgumentParser) -> None:

    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


def _read_password(args: argparse.Namespace) -> str:

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("no terminal to ask for the password: pipe it in with --password-stdin")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ; nothing changed")
    return first


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store.identity import IdentityError, add_operator
    from store.models import Role
    from store.policy import Action

    engine = open_engine(settings)
    actor = cli_actor(engine, Action.MANAGE_OPERATORS, bootstrap=True)
    password = _read_password(args) if args.password or args.password_stdin else ""
    try:
        add_operator(
            engine,
            actor,
            args.username,
            role=Role(args.role),
            extension=args.extension,
            display_name=args.name,
            password=password,
            team=args.team,
        )
    except IdentityError as error:
        raise UserError(str(error)) from None
    first = " (the first admin of this database)" if actor is None else ""
    print(f"added {args.username} as {args.role}{first}")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store.identity import list_operators
    from store.policy import Action
    from store.sanitize import clean_line

    engine = open_engine(settings)
    actor = cli_actor(engine, Action.MANAGE_OPERATORS)
    assert actor is not None
    print(f"{'USERNAME':<20} {'ROLE':<10} {'EXT':<8} {'TEAM':<16} {'STATUS':<9} {'PASSWORD':<8} NAME")
    for row in list_operators(engine, actor):
        password = "set" if row.has_password else "-"
        print(
            f"{row.username:<20} {row.role.value:<10} {row.extension or '-':<8} "
            f"{clean_line(row.team) or '-':<16} {row.status.value:<9} "
            f"{password:<8} {clean_line(row.display_name)}"
        )
    return 0


def _change(args: argparse.Namespace, settings: Settings, done: str, **change: object) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store.identity import IdentityError, change_operator
    from store.policy import Action

    engine = open_engine(settings)
    actor = cli_actor(engine, Action.MANAGE_OPERATORS)
    assert actor is not None
    try:
        change_operator(engine, actor, args.username, **change)  # type: ignore[arg-type]
    except IdentityError as error:
        raise UserError(str(error)) from None
    print(f"{args.username}: {done}")
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    from store.models import OperatorStatus

    return _change(args, settings, args.status, status=OperatorStatus(args.status))


def run_passwd(args: argparse.Namespace, settings: Settings) -> int:

    return _change(args, settings, "password set", password=_read_password(args))


def run_role(args: argparse.Namespace, settings: Settings) -> int:
    from store.models import Role

    return _change(args, settings, f"now {args.role}", role=Role(args.role))


def run_extension(args: argparse.Namespace, settings: Settings) -> int:

    return _change(args, settings, f"extension {args.extension or 'none'}", extension=args.extension)


def run_team(args: argparse.Namespace, settings: Settings) -> int:

    return _change(args, settings, f"team {args.team or 'none'}", team=args.team)
