"""The scheduler's documents on the print page (issue 17): next week's rosters and the
week's plaque preview are database rows, offered for download to the users who may
print them: a roster for the areas the user prints for, the preview only to a user who
sees every unit it lists. Anything else, or an unknown id, answers 404."""

from __future__ import annotations

import re
from datetime import date

import pytest

from rentals.auth.models import Role
from rentals.printing.models import ScheduledPrint
from tests import factories
from tests.conftest import login

ROSTER_PDF = b"%PDF-1.4 roster of area A\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4 roster of community B\n%%EOF\n"
PREVIEW_PDF = b"%PDF-1.4 preview\n%%EOF\n"


def _row(session, key, kind, week, pdf, area_id=None, units=()):  # type: ignore[no-untyped-def]
    row = ScheduledPrint(
        key=key,
        kind=kind,
        week=week,
        area_id=area_id,
        prepared=week,
        units=list(units),
        pages=1 if pdf else 0,
        size=len(pdf or b""),
        pdf=pdf,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def documents(app, session, world):  # type: ignore[no-untyped-def]
    with app.app_context():
        community_b = factories.make_community(session, "乙社区")
        area_b = factories.make_area(session, community_b, "甲区")  # same name as A's
        unit_b = factories.make_unit(session, area_b, code="B-00001")
        manager_b = factories.make_user(session, Role.MANAGER, communities=(community_b,))
        week = date(2027, 2, 8)
        rows = {
            "old": _row(
                session,
                "roster:2027-02-01:a",
                "roster",
                date(2027, 2, 1),
                b"%PDF old",
                world.area_a.id,
            ),
            "a": _row(
                session,
                f"roster:{week}:{world.area_a.id}",
                "roster",
                week,
                ROSTER_PDF,
                world.area_a.id,
            ),
            "empty": _row(
                session, f"roster:{week}:{world.area_b.id}", "roster", week, None, world.area_b.id
            ),
            "b": _row(session, f"roster:{week}:{area_b.id}", "roster", week, OTHER_PDF, area_b.id),
            "batch": _row(
                session,
                f"plaques:{week}",
                "plaques",
                week,
                PREVIEW_PDF,
                units=[world.unit_a.code, unit_b.code],
            ),
        }
        session.commit()
    return {**{k: r.id for k, r in rows.items()}, "manager_b": manager_b}


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/print/scheduled/\d+)"', html)


def test_a_manager_downloads_next_weeks_roster_of_their_own_areas_only(login_as, documents, client):
    client = login_as("manager")
    page = client.get("/print").get_data(as_text=True)
    # The newest week only, areas with a document only, this community's only.
    assert _links(page) == [f"/print/scheduled/{documents['a']}"]
    assert "2027-02-08" in page[page.index('id="scheduled-rosters"') - 300 :]
    answer = client.get(f"/print/scheduled/{documents['a']}")
    assert answer.status_code == 200 and answer.data == ROSTER_PDF
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Disposition"].startswith("attachment")
    for hidden in ("b", "empty", "batch"):  # B's roster; no PDF; a preview listing B's unit
        assert client.get(f"/print/scheduled/{documents[hidden]}").status_code == 404
    for junk in ("999999", "0", "2147483647"):
        assert client.get(f"/print/scheduled/{junk}").status_code == 404


def test_the_preview_goes_only_to_someone_who_sees_every_unit_it_lists(
    app, login_as, documents, client
):
    admin = login_as("admin")
    page = admin.get("/print").get_data(as_text=True)
    assert f"/print/scheduled/{documents['batch']}" in _links(page)
    assert admin.get(f"/print/scheduled/{documents['batch']}").data == PREVIEW_PDF
    assert admin.get(f"/print/scheduled/{documents['b']}").data == OTHER_PDF
    other = app.test_client()
    assert login(other, documents["manager_b"].username).status_code == 302
    page_b = other.get("/print").get_data(as_text=True)
    assert _links(page_b) == [f"/print/scheduled/{documents['b']}"]
    assert other.get(f"/print/scheduled/{documents['a']}").status_code == 404
    assert other.get(f"/print/scheduled/{documents['batch']}").status_code == 404


def test_inspectors_and_landlords_are_refused(app, world, documents):
    for role in ("inspector_a", "landlord_a"):
        client = app.test_client()
        assert login(client, world.users[role].username).status_code == 302
        assert client.get(f"/print/scheduled/{documents['a']}").status_code == 403


def test_keeping_a_document_twice_keeps_the_first(app, session, world):
    """A second scheduler (or a rerun racing the first) stores nothing more."""
    from sqlmodel import func, select

    from rentals.printing import scheduled

    week = date(2027, 3, 1)

    def prepared(pdf: bytes) -> ScheduledPrint:
        return ScheduledPrint(
            key=f"roster:{week}:{world.area_a.id}",
            kind="roster",
            week=week,
            area_id=world.area_a.id,
            prepared=week,
            size=len(pdf),
            pdf=pdf,
        )

    with app.app_context():
        first = scheduled.keep(session, prepared(b"%PDF first"))
        second = scheduled.keep(session, prepared(b"%PDF second"))
        session.commit()
        assert second.id == first.id and bytes(second.pdf) == b"%PDF first"
        count = session.exec(
            select(func.count()).select_from(ScheduledPrint).where(ScheduledPrint.week == week)
        ).one()
        assert count == 1
        # The week's roster of area A is no longer missing; area B's still is.
        missing = scheduled.missing_rosters(session, today=date(2027, 2, 26))
        assert [slot.area_id for slot in missing] == [world.area_b.id]
        assert missing[0].start == week and missing[0].end == date(2027, 3, 7)
