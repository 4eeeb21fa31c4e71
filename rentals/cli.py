"""The ``rentals`` command: Flask's CLI plus the product's own commands."""

from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from rentals import clock, create_app, db, migrate
from rentals.config import DevelopmentConfig


def _create():  # type: ignore[no-untyped-def]
    # `rentals db …` must run against a database that is behind: that is its job; and
    # `rentals restore` may start from an empty database.
    behind_ok = len(sys.argv) > 1 and sys.argv[1] in {"db", "restore", "init"}
    # The command is run on the server by its operator or developer: it may keep a
    # generated secret in the instance folder. The web app under gunicorn
    # (`create_app()`) gets the production settings and needs RENTALS_SECRET_KEY.
    return create_app({"CHECK_SCHEMA": not behind_ok}, base=DevelopmentConfig)


@click.group(cls=FlaskGroup, create_app=_create, add_version_option=False)
def main() -> None:
    """Rental-housing star ratings: register, inspections, schedules and plaques."""
    # Operators read the server's and the scheduler's log lines on the console.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every pending migration; fill the dashboard's counts if they are new."""
    from rentals.dashboard.aggregates import rebuild_if_empty

    migrate.upgrade(db.engine())
    with db.unit_of_work() as session:
        filled = rebuild_if_empty(session.connection())
    if filled is not None and "moves" in filled:
        click.echo(f"Dashboard rises and falls filled: {filled['moves']} rows.")
    elif filled is not None:
        click.echo(f"Dashboard counts filled for {filled['units']} unit rows.")
    click.echo("Database is up to date.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    migrate.downgrade(db.engine(), revision)
    click.echo(f"Database downgraded to {revision}.")


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    """Exit 1 when migrations are pending."""
    pending = migrate.pending_revisions(db.engine())
    if pending:
        click.echo("Pending: " + ", ".join(sorted(pending)))
        sys.exit(1)
    click.echo("Schema is current.")


@main.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has data.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the demo community (160 units shaped like Zhaxi)."""
    from rentals.register import demo

    with db.unit_of_work() as session:
        if demo.is_seeded(session):
            if if_empty:
                click.echo("Database already has data; demo not loaded.")
                return
            raise click.ClickException("The database already has data.")
        logins = demo.seed(session, today=clock.today())
    click.echo(f"Demo community loaded. Logins (password: {demo.DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.username:<14} {login.role:<10} {login.note}")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(["inspector", "manager", "landlord", "admin"]))
@click.password_option()
@with_appcontext
def create_user_cmd(username: str, display_name: str, role: str, password: str) -> None:
    from rentals.auth.services import create_user
    from rentals.errors import DomainError

    try:
        with db.unit_of_work() as session:
            create_user(
                session,
                actor=None,
                username=username,
                display_name=display_name,
                password=password,
                role=role,
            )
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    click.echo(f"User {username} created.")


@main.command("init")
@click.option(
    "--admin",
    "admin_login",
    help="Login name of the first administrator; a one-time password is printed.",
)
@click.option("--name", "display_name", help="Their name as shown on pages.")
@with_appcontext
def init_cmd(admin_login: str | None, display_name: str | None) -> None:
    """Start a real installation: migrate, then create the first administrator.

    Without --admin it asks for the login name and a password. With --admin it prints a
    one-time password that must be changed at the first sign-in. Refused when an
    administrator exists already (then sign in and manage users from the pages).
    """
    from sqlmodel import select

    from rentals.admin.services import one_time_password
    from rentals.auth.models import Role, User
    from rentals.auth.services import create_user
    from rentals.errors import DomainError

    migrate.upgrade(db.engine())
    with db.unit_of_work(write=False) as session:
        has_admin = session.exec(select(User.id).where(User.role == Role.ADMIN.value)).first()
    if has_admin is not None:
        raise click.ClickException(
            "An administrator exists already; nothing was created. Sign in as an "
            "administrator and add users from the pages (or `rentals create-user`)."
        )
    one_time = admin_login is not None
    login = admin_login or click.prompt("Login name of the first administrator")
    name = display_name or (login if one_time else click.prompt("Their name", default=login))
    if one_time:
        password = one_time_password()
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with db.unit_of_work() as session:
            # Checked again inside the writing transaction: two inits at once make one admin.
            if session.exec(select(User.id).where(User.role == Role.ADMIN.value)).first():
                raise click.ClickException("An administrator exists already.")
            create_user(
                session,
                actor=None,
                username=login,
                display_name=name,
                password=password,
                role=Role.ADMIN,
                must_change_password=one_time,
            )
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    click.echo(f"Administrator {login} created.")
    if one_time:
        click.echo(
            "One-time password (shown only now; it must be changed at the first "
            f"sign-in): {password}"
        )
    click.echo("Next: sign in, then set up the community, its areas and users under /admin.")


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-scheduler", is_flag=True, help="Leave jobs to a separate `rentals scheduler`.")
@with_appcontext
def serve(host: str, port: int, no_scheduler: bool) -> None:
    """Run the web server (and, on a single machine, the scheduler in the same process)."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not no_scheduler and app.config["SCHEDULER_ENABLED"]:
        from rentals.scheduler import wiring

        wiring.start_background_scheduler(app)
    click.echo(f"Serving on http://{host}:{port}")
    run_simple(host, port, app, threaded=True, use_reloader=False)


from rentals.register.commands import import_tenants, import_units  # noqa: E402

main.add_command(import_units)
main.add_command(import_tenants)

from rentals.printing.commands import print_group  # noqa: E402

main.add_command(print_group)

from rentals.incentives.commands import blacklist_cmd, incentives_group  # noqa: E402

print_group.add_command(blacklist_cmd)
main.add_command(incentives_group)

from rentals.tasks.commands import plan_cmd, scheduler_cmd, tasks_cmd  # noqa: E402

main.add_command(plan_cmd)
main.add_command(tasks_cmd)
main.add_command(scheduler_cmd)

from rentals.dashboard.commands import dashboard_group  # noqa: E402

main.add_command(dashboard_group)

from rentals.queue.commands import worker_cmd  # noqa: E402

main.add_command(worker_cmd)

from rentals.backup_commands import backup_cmd, restore_cmd  # noqa: E402
from rentals.inspections.commands import photos_group  # noqa: E402

main.add_command(backup_cmd)
main.add_command(restore_cmd)
main.add_command(photos_group)

from rentals.admin.commands import (  # noqa: E402
    area_group,
    community_group,
    landlord_logins_cmd,
    user_group,
)

main.add_command(community_group)
main.add_command(area_group)
main.add_command(user_group)
main.add_command(landlord_logins_cmd)

from rentals.api.commands import token_group  # noqa: E402

main.add_command(token_group)


if __name__ == "__main__":
    main()
