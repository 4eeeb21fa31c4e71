"""Sign-in throttle: growing waits after failed sign-ins, kept in the database.

Three counters (``LoginThrottle`` rows, one per kind and key) slow an attacker without
letting anyone lock the owner out:

* ``address``: every failure from one client address, whatever the account;
* ``pair``: failures for one login name from one client. The client is the address,
  or, for a browser holding a known-device cookie of that account, that browser;
* ``account``: failures for one login name from anywhere, but each client counts only
  with its first ``pair`` free failures, so one client alone never moves it: it
  measures how many *different* clients guess. A known-device browser skips it, and
  skips the address counter too, so strangers cannot keep the owner out of their own
  browser.

After ``LOGIN_FREE_FAILURES[kind]`` failures each further failure makes that client
wait 2, 4, 8 … seconds, up to ``LOGIN_DELAY_CAP``; a refused (throttled) attempt does
not extend the wait. Counts are forgotten a day after the last failure. Login names
are counted whether an account exists or not, so the answers do not tell.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func
from sqlmodel import Session, select

from rentals.auth.models import LoginThrottle
from rentals.db import insert_once

FORGET_AFTER = timedelta(hours=24)
#: Longest key stored; longer addresses or names are cut (they still count).
KEY_LENGTH = 200


@dataclass(frozen=True)
class Client:
    """Who is signing in: the address, and the device id if the browser is known."""

    address: str
    device: str | None = None


def address_key(address: str) -> str:
    """The address as counted: an IPv6 client is its /64 (one subscriber holds them all)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:KEY_LENGTH]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def keys_for(login: str, client: Client) -> list[tuple[str, str]]:
    """The (kind, key) counters that apply to this attempt."""
    if client.device is not None:
        return [("pair", f"{login}|device:{client.device}")]
    return [("address", client.address), ("pair", f"{login}|{client.address}"), ("account", login)]


def delay_after(failures: int, free: int, cap: timedelta) -> timedelta:
    """Wait after ``failures`` failures in a row: none while free, then 2 s doubling."""
    over = failures - free
    if over <= 0:
        return timedelta(0)
    if over > 20:  # 2**20 s is far beyond any sensible cap
        return cap
    return min(cap, timedelta(seconds=2**over))


def _rows(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], LoginThrottle]:
    found: dict[tuple[str, str], LoginThrottle] = {}
    for kind, key in keys:
        row = session.get(LoginThrottle, (kind, key[:KEY_LENGTH]))
        if row is not None:
            found[(kind, key)] = row
    return found


def wait(
    session: Session, *, login: str, client: Client, now: datetime, account_wide: bool = True
) -> timedelta:
    """How long this client must wait before trying ``login`` (zero: go ahead).

    ``account_wide=False`` looks at this client's own counts only: an unlock code must
    get through while strangers keep the account itself slowed.
    """
    keys = [k for k in keys_for(login, client) if account_wide or k[0] != "account"]
    longest = timedelta(0)
    for row in _rows(session, keys).values():
        if row.next_allowed > now:
            longest = max(longest, row.next_allowed - now)
    return longest


def _count(session: Session, kind: str, key: str, now: datetime) -> LoginThrottle:
    """Add one failure to a counter (created by whichever worker comes first)."""
    key = key[:KEY_LENGTH]
    # Row lock on PostgreSQL, so two workers counting at once do not lose a failure
    # (SQLite's BEGIN IMMEDIATE already serialises writers).
    row = session.get(LoginThrottle, (kind, key), with_for_update=True)
    if row is None:
        fresh = LoginThrottle(kind=kind, key=key, failures=0, last_failure=now, next_allowed=now)
        row = insert_once(session, fresh, lambda: session.get(LoginThrottle, (kind, key)))
    if now - row.last_failure > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure = now
    cfg = current_app.config
    row.next_allowed = now + delay_after(
        row.failures, cfg["LOGIN_FREE_FAILURES"][kind], cfg["LOGIN_DELAY_CAP"]
    )
    session.add(row)
    return row


def record_failure(session: Session, *, login: str, client: Client, now: datetime) -> None:
    free_pair = current_app.config["LOGIN_FREE_FAILURES"]["pair"]
    keys = keys_for(login, client)
    pair = _count(session, "pair", dict(keys)["pair"], now)
    if client.device is None:
        _count(session, "address", client.address, now)
    if pair.failures <= free_pair:
        _count(session, "account", login, now)
    session.flush()


def record_success(session: Session, *, login: str, client: Client) -> None:
    """The client proved it knows the password: its own record for this account ends."""
    key = dict(keys_for(login, client))["pair"][:KEY_LENGTH]
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.kind == "pair", LoginThrottle.key == key)
    )


def clear_account(session: Session, *, login: str) -> int:
    """Forget the account's failures and those of every client for it; rows removed."""
    prefix = f"{login}|"
    result = session.execute(
        delete(LoginThrottle).where(
            ((LoginThrottle.kind == "account") & (LoginThrottle.key == login[:KEY_LENGTH]))
            | (
                (LoginThrottle.kind == "pair")
                & (func.substr(LoginThrottle.key, 1, len(prefix)) == prefix)
            )
        )
    )
    return result.rowcount or 0


def account_state(session: Session, *, login: str) -> LoginThrottle | None:
    return session.get(LoginThrottle, ("account", login[:KEY_LENGTH]))


def pair_rows(session: Session, *, login: str) -> list[LoginThrottle]:
    prefix = f"{login}|"
    return list(
        session.exec(
            select(LoginThrottle).where(
                LoginThrottle.kind == "pair",
                func.substr(LoginThrottle.key, 1, len(prefix)) == prefix,
            )
        )
    )
