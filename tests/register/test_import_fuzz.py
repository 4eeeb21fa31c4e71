"""Hostile and random ledgers: the importer answers with a report, never an exception,
and a rejected file changes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.register.importer import ImportKind, run_import
from rentals.register.models import Person, Tenancy, Unit
from tests import factories
from tests.register.ledgers import TENANT_HEADERS, UNIT_HEADERS, csv_bytes, xlsx_bytes

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "=cmd|' /C calc'!A0",
            "<script>alert(1)</script>",
            "'; DROP TABLE unit; --",
            "5.401021990010113e+17",
            "540102199001011235.0",
            "2026年13月40日",
            "\u3000\u3000",
            "是",
            "甲区",
            factories.valid_id_number(901, birth="19850505"),
            "13912345678",
            "2026/1/5",
            "x" * 300,
        ]
    ),
)
cell = st.one_of(hostile_text, st.integers(-(10**20), 10**20), st.floats(allow_nan=True), st.none())


def _totals(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return tuple(
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Unit, Person, Tenancy, AuditEvent)
    )


def _check(session, kind: ImportKind, data: bytes) -> None:  # type: ignore[no-untyped-def]
    before = _totals(session)
    report = run_import(session, actor=None, kind=kind, data=data, apply=True)
    session.flush()
    if not report.ok:
        assert _totals(session) == before
        assert all(e.message for e in report.errors)
    session.rollback()


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=10), max_size=6))
def test_random_unit_ledgers_never_raise(session, world, rows) -> None:
    data = csv_bytes([UNIT_HEADERS, *[["" if v is None else v for v in r] for r in rows]])
    _check(session, ImportKind.UNITS, data)


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=6, max_size=7), max_size=6))
def test_random_tenant_xlsx_never_raises(session, world, rows) -> None:
    clean = [
        [v if not isinstance(v, float) or v == v and abs(v) < 1e300 else None for v in r]
        for r in rows
    ]
    _check(session, ImportKind.TENANTS, xlsx_bytes([TENANT_HEADERS, *clean]))


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_never_raise(session, world, data) -> None:
    _check(session, ImportKind.TENANTS, data)
