"""``rentals community|area|user add`` and ``rentals landlord-logins``: the services of the
administration pages, run as the system (the audit trail names no user)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlmodel import Session, select

from rentals import db
from rentals.admin import communities, landlords, services
from rentals.admin.pages import local_today
from rentals.errors import DomainError
from rentals.register.models import Area, Community


def _fail(err: DomainError) -> click.ClickException:
    return click.ClickException(str(err.message))


def _community(session: Session, name: str) -> Community:
    community = session.exec(select(Community).where(Community.name == name.strip())).first()
    if community is None:
        raise click.ClickException(f"No community named {name!r}.")
    return community


def _areas(session: Session, names: tuple[str, ...], community: Community | None) -> list[Area]:
    """Areas by name (within ``community`` when given; a name two communities share needs it)."""
    found = []
    for name in names:
        query = select(Area).where(Area.name == name.strip())
        if community is not None:
            query = query.where(Area.community_id == community.id)
        rows = list(session.exec(query))
        if not rows:
            raise click.ClickException(f"No area named {name!r}.")
        if len(rows) > 1:
            raise click.ClickException(f"Several areas are named {name!r}: give --community.")
        found.append(rows[0])
    return found


@click.group("community")
def community_group() -> None:
    """Communities: the issuer on plaques and the address their QR codes open."""


@community_group.command("add")
@click.argument("name")
@click.option("--name-bo", default="", help="Name in Tibetan script.")
@click.option("--issuer", default="", help="Issuing body printed on plaques.")
@click.option("--police-station", default="", help="Police station printed on plaques.")
@click.option("--public-url", default="", help="Address plaque QR codes open (https://…).")
@with_appcontext
def community_add(
    name: str, name_bo: str, issuer: str, police_station: str, public_url: str
) -> None:
    try:
        with db.unit_of_work() as session:
            community = communities.create_community(
                session,
                actor=None,
                data=communities.CommunityData(
                    name=name,
                    name_bo=name_bo,
                    issuer=issuer,
                    police_station=police_station,
                    public_url=public_url,
                ),
            )
            shown = f"Community {community.name} created (id {community.id})."
    except DomainError as err:
        raise _fail(err) from None
    click.echo(shown)


@click.group("area")
def area_group() -> None:
    """Areas (grids) of a community."""


@area_group.command("add")
@click.argument("community")
@click.argument("name")
@click.option("--name-bo", default="", help="Name in Tibetan script.")
@with_appcontext
def area_add(community: str, name: str, name_bo: str) -> None:
    try:
        with db.unit_of_work() as session:
            area = communities.create_area(
                session,
                actor=None,
                community=_community(session, community),
                name=name,
                name_bo=name_bo,
            )
            shown = f"Area {area.name} created in {community} (id {area.id})."
    except DomainError as err:
        raise _fail(err) from None
    click.echo(shown)


@click.group("user")
def user_group() -> None:
    """Accounts: created with a one-time password, changed at first sign-in."""


@user_group.command("add")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice(["inspector", "manager", "landlord", "admin"])
)
@click.option("--community", "communities", multiple=True, help="Community name (repeatable).")
@click.option("--area", "areas", multiple=True, help="Area name (repeatable).")
@click.option("--display-name", default="", help="Name shown in lists (default: the login).")
@with_appcontext
def user_add(
    username: str,
    role: str,
    communities: tuple[str, ...],
    areas: tuple[str, ...],
    display_name: str,
) -> None:
    """Print the one-time password once; nothing else keeps it."""
    try:
        with db.unit_of_work() as session:
            chosen = [_community(session, c) for c in communities]
            scope = chosen[0] if len(chosen) == 1 else None
            user, password = services.add_user(
                session,
                actor=None,
                username=username,
                role=role,
                display_name=display_name,
                community_ids=[c.id for c in chosen],  # type: ignore[misc]
                area_ids=[a.id for a in _areas(session, areas, scope)],  # type: ignore[misc]
            )
            login = user.username
    except DomainError as err:
        raise _fail(err) from None
    click.echo(f"User {login} created ({role}).")
    click.echo(f"One-time password: {password}")
    click.echo("It is shown only now and must be changed at first sign-in.")


@click.command("landlord-logins")
@click.argument("community")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def landlord_logins_cmd(community: str, out: Path) -> None:
    """Give every landlord of COMMUNITY with a mobile and no login one; write the sheet."""
    today = local_today()
    try:
        with db.unit_of_work() as session:
            chosen = _community(session, community)
            batch = landlords.issue_landlord_logins(session, actor=None, community=chosen)
            if batch.created:
                out.write_bytes(landlords.sheet_pdf(batch, community=chosen, printed=today))
    except DomainError as err:
        raise _fail(err) from None
    for name, units, reason in batch.skipped:
        click.echo(f"  no login: {name} ({units}): {reason}")
    if not batch.created:
        click.echo(f"No new logins ({batch.existing} landlords already have one).")
        return
    click.echo(f"{len(batch.created)} logins created; sheet written to {out}.")
