"""Refused submits leave nothing behind (issue 14, item 8): photo bytes stored while a
request or unit of work was open (rows of ``photo_blob`` since issue 17) go when it rolls
back, stay when it commits; nothing is ever written under the instance folder."""

from __future__ import annotations

import io
from pathlib import Path

from sqlmodel import select

from rentals.inspections import services
from rentals.inspections.models import Inspection, Photo, PhotoBlob
from rentals.modelbase import utcnow
from tests.inspections.helpers import all_answers, checklist_data, form_fields, jpeg_bytes


def _files(app, session) -> list[str]:  # type: ignore[no-untyped-def]
    """The stored photo bytes as the old file names (``<name>.jpg``, ``<name>-t.jpg``)."""
    assert not list(Path(app.instance_path).rglob("*.jpg"))  # never on a node's disk
    rows = session.exec(select(PhotoBlob.name, PhotoBlob.variant)).all()
    return sorted(f"{name}{'-t' if variant == 'thumb' else ''}.jpg" for name, variant in rows)


def _open(client, unit):  # type: ignore[no-untyped-def]
    return form_fields(client.get(f"/units/{unit.code}/inspect").get_data(as_text=True))


def _with_photo(data):  # type: ignore[no-untyped-def]
    return {**data, "p_F2": (io.BytesIO(jpeg_bytes()), "hazard.jpg")}


def test_a_submit_refused_after_its_photo_was_stored_leaves_no_file_and_no_row(
    login_as, world, session, app
):
    client = login_as("inspector_a")
    stale = _open(client, world.unit_a)
    first = _open(client, world.unit_a)
    accepted = client.post(
        f"/units/{world.unit_a.code}/inspect", data=checklist_data(first, all_answers())
    )
    assert accepted.status_code == 303
    before = _files(app, session)
    # The photo part is read and stored, then the record is refused as stale (409).
    refused = client.post(
        f"/units/{world.unit_a.code}/inspect",
        data=_with_photo(checklist_data(stale, all_answers(F2="not_met"), o_F2="y")),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 409
    assert _files(app, session) == before
    session.expire_all()
    assert session.exec(select(Photo).where(Photo.unit_id == world.unit_a.id)).all() == []
    assert (
        len(session.exec(select(Inspection).where(Inspection.unit_id == world.unit_a.id)).all())
        == 1
    )


def test_an_accepted_submit_keeps_its_photo_files(login_as, world, session, app):
    client = login_as("inspector_a")
    response = client.post(
        f"/units/{world.unit_a.code}/inspect",
        data=_with_photo(
            checklist_data(_open(client, world.unit_a), all_answers(F2="not_met"), o_F2="y")
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    session.expire_all()
    (photo,) = session.exec(select(Photo).where(Photo.unit_id == world.unit_a.id)).all()
    assert _files(app, session) == sorted([f"{photo.filename}.jpg", f"{photo.filename}-t.jpg"])


def test_rollback_removes_and_commit_keeps_files_written_in_the_unit_of_work(app, world, session):
    def store(key: str) -> Photo:
        return services.store_photo(
            session,
            actor=world.users["inspector_a"],
            unit=world.unit_a,
            key=key,
            inspection_key="draft-x",
            item_code="F1",
            data=jpeg_bytes(),
            now=utcnow(),
        )

    with app.app_context():
        store("rolled-back")
        assert len(_files(app, session)) == 2
        session.rollback()
        assert _files(app, session) == []
        kept = store("committed")
        # A savepoint rolled back inside the transaction (a lost insert race) removes nothing.
        nested = session.begin_nested()
        nested.rollback()
        assert len(_files(app, session)) == 2
        session.commit()
        session.rollback()  # a later, empty rollback does not reach committed files
        assert _files(app, session) == sorted([f"{kept.filename}.jpg", f"{kept.filename}-t.jpg"])
