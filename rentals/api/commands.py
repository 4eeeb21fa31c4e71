"""``rentals api-token create|list|revoke``: the token page's services from a shell.

The command line acts as the system with an admin's reach (as ``rentals user add``).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlmodel import select

from rentals import clock, db
from rentals.api import tokens
from rentals.auth.models import User
from rentals.errors import DomainError


@click.group("api-token")
def token_group() -> None:
    """API tokens: made for an account, shown once, stored hashed, revocable."""


def _account(session, username: str) -> User:  # type: ignore[no-untyped-def]
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"no account {username!r}")
    return user  # type: ignore[no-any-return]


@token_group.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for (shown in lists).")
@click.option("--days", type=int, default=tokens.DEFAULT_DAYS, show_default=True)
@click.option("--lang", default="", help="Language of error messages: zh, bo or en.")
@with_appcontext
def create_cmd(username: str, name: str, days: int, lang: str) -> None:
    """Make a token acting as USERNAME and print it (once; only its hash is kept)."""
    try:
        with db.unit_of_work() as session:
            row, plain = tokens.create_token(
                session,
                actor=None,
                user=_account(session, username),
                name=name,
                days=days,
                now=clock.now(),
                locale=lang,
            )
            expires = row.expires_at
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    click.echo(plain)
    click.echo(f"expires {expires.isoformat()}", err=True)


@token_group.command("list")
@click.argument("username", required=False)
@with_appcontext
def list_cmd(username: str | None) -> None:
    """Tokens (of USERNAME, or every account): id, account, prefix, expiry, last use."""
    with db.unit_of_work(write=False) as session:
        query = select(tokens.ApiToken, User).join(User, User.id == tokens.ApiToken.user_id)
        if username:
            query = query.where(User.username == username)
        for row, user in session.exec(query.order_by(tokens.ApiToken.id)):
            state = (
                "revoked"
                if row.revoked_at
                else "expired"
                if row.expires_at <= clock.now()
                else "live"
            )
            used = row.last_used_at.isoformat() if row.last_used_at else "-"
            click.echo(
                f"{row.id}\t{user.username}\t{row.prefix}…\t{row.name}\t"
                f"{row.expires_at.date().isoformat()}\t{used}\t{state}"
            )


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_cmd(token_id: int) -> None:
    """Revoke a token at once (every worker refuses it from the next request)."""
    try:
        with db.unit_of_work() as session:
            tokens.revoke_token(session, actor=None, token_id=token_id, now=clock.now())
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    click.echo(f"revoked {token_id}")
