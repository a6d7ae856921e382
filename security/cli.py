"""`flask users ...` and `flask tokens ...`: manage users and API tokens from the console."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from models import ROLES
from security.tokens import TokenError, create_token_for, list_tokens, revoke_token
from security.users import UserError, create_user, find_user, list_users, set_password, update_user

users_cli = AppGroup("users", help="Dashboard users (log-in accounts).")
tokens_cli = AppGroup("tokens", help="API bearer tokens.")


def _read_password() -> str:
    """A prompt (typed twice, not echoed) on a terminal; the first line of standard input otherwise."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _fail(error: UserError | TokenError):
    raise click.ClickException(f"{error.field}: {error.message}")


def _user_or_fail(name: str):
    user = find_user(name)
    if user is None:
        raise click.ClickException(f"name: there is no user named {name!r}.")
    return user


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="viewer reads; operator also runs, "
              "assigns and edits; admin also manages users and tokens.")
def create_user_command(name: str, role: str):
    """Create the user NAME; the password is prompted for, or read from standard input."""
    try:
        user = create_user(name, role, _read_password())
    except UserError as error:
        _fail(error)
    click.echo(f"Created user {user.username!r} with the {user.role} role (id {user.id}).")


@users_cli.command("list")
def list_users_command():
    """List users with their role, state and last log-in."""
    rows = [(str(u.id), u.username, u.role, "active" if u.active else "disabled",
             u.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_login_at else "never")
            for u in list_users()]
    _print_table(("ID", "NAME", "ROLE", "STATE", "LAST LOG-IN"), rows)


@users_cli.command("set-password")
@click.argument("name")
def set_password_command(name: str):
    """Set a new password for NAME (prompted for, or read from standard input)."""
    user = _user_or_fail(name)
    try:
        set_password(user.id, _read_password())
    except UserError as error:
        _fail(error)
    click.echo(f"Password of {user.username!r} changed.")


@users_cli.command("disable")
@click.argument("name")
def disable_user_command(name: str):
    """Disable NAME: log-ins, open sessions and the user's API tokens stop working."""
    user = _user_or_fail(name)
    try:
        update_user(user.id, active=False)
    except UserError as error:
        _fail(error)
    click.echo(f"User {user.username!r} disabled.")


@users_cli.command("enable")
@click.argument("name")
def enable_user_command(name: str):
    """Enable NAME again."""
    user = _user_or_fail(name)
    update_user(user.id, active=True)
    click.echo(f"User {user.username!r} enabled.")


@tokens_cli.command("create")
@click.option("--user", "username", required=True, help="The user the token acts as (and whose role it has).")
@click.option("--label", required=True, help="What the token is for, e.g. 'monitoring'.")
def create_token_command(username: str, label: str):
    """Create an API token and print it once; only its digest is stored."""
    try:
        row, plain = create_token_for(username, label)
    except TokenError as error:
        _fail(error)
    click.echo(f"Token {row.id} ({row.label!r}) for {username!r}. Store it now; it is not shown again:",
               err=True)
    click.echo(plain)


@tokens_cli.command("list")
def list_tokens_command():
    """List tokens (never the tokens themselves: only their first characters)."""
    rows = [(str(t.id), username, t.label, f"{t.token_prefix}…",
             "revoked" if t.revoked_at else "active",
             t.last_used_at.strftime("%Y-%m-%d %H:%M UTC") if t.last_used_at else "never")
            for t, username in list_tokens()]
    _print_table(("ID", "USER", "LABEL", "STARTS WITH", "STATE", "LAST USED"), rows)


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int):
    """Revoke the token with id TOKEN_ID; requests with it are refused from now on."""
    try:
        row = revoke_token(token_id)
    except TokenError as error:
        _fail(error)
    click.echo(f"Token {row.id} ({row.label!r}) revoked.")


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in (header, *rows):
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    if not rows:
        click.echo("(none)")
