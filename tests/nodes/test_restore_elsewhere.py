"""A backup restored into an empty installation on another machine shows every photo
(issue 17): ``rentals backup`` copies the database, and the photos, the scheduler's
documents and print results are rows of it. The source installation's instance folder
and database are gone before the restored one is opened. Both engines.
"""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from rentals import create_app, db
from rentals.config import TestConfig
from rentals.inspections.models import Photo
from rentals.migrate import upgrade
from rentals.printing import scheduled
from rentals.printing.models import ScheduledPrint
from tests import factories
from tests.conftest import PG_URL, fresh_database_url, login
from tests.inspections.helpers import all_answers, checklist_data, form_fields
from tests.security.test_backup import _cli

pytestmark = pytest.mark.slow


def _app(url: str, instance: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(instance))
    return create_app({"DATABASE_URL": url}, base=TestConfig)


def _hazard_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (180, 60, 20)).save(out, "JPEG", quality=95)
    return out.getvalue()


def test_a_backup_restored_into_an_empty_installation_serves_every_photo(
    tmp_path, tmp_path_factory, monkeypatch
):
    source_url = fresh_database_url(tmp_path_factory)
    engine = db.build_engine(source_url)
    upgrade(engine)
    engine.dispose()
    source = _app(source_url, tmp_path / "machine-1" / "instance", monkeypatch)
    with source.app_context(), db.unit_of_work() as session:
        world = factories.make_world(session)
        inspector, code = world.users["inspector_a"].username, world.unit_a.code
        scheduled.keep(
            session,
            ScheduledPrint(
                key="plaques:2027-02-08",
                kind="plaques",
                week=date(2027, 2, 8),
                prepared=date(2027, 2, 8),
                units=[code],
                pdf=b"%PDF-1.7 preview",
                size=16,
            ),
        )

    # An inspection with a photo of the failed item, through the checklist page.
    client = source.test_client()
    assert login(client, inspector).status_code == 302
    fields = form_fields(client.get(f"/units/{code}/inspect").get_data(as_text=True))
    submitted = client.post(
        f"/units/{code}/inspect",
        data={
            **checklist_data(fields, all_answers(F2="not_met"), o_F2="y"),
            "p_F2": (io.BytesIO(_hazard_photo()), "hazard.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert submitted.status_code == 303, submitted.get_data(as_text=True)[:500]
    with source.app_context(), db.unit_of_work(write=False) as session:
        [photo] = session.scalars(select(Photo)).all()
        record = f"/inspections/{photo.inspection_id}"
    assert photo.inspection_id is not None
    served = {
        size: client.get(f"/photos/{photo.key}" + ("?size=thumb" if size else "")).data
        for size in ("", "thumb")
    }
    assert served[""].startswith(b"\xff\xd8") and len(served[""]) > 2000
    assert served["thumb"] != served[""]

    dump = tmp_path / "rentals.backup"
    _cli(source_url, "backup", str(dump))
    db.engine_of(source).dispose()
    # The first machine is gone: its instance folder (if anything made one), and on
    # SQLite its database file.
    shutil.rmtree(tmp_path / "machine-1", ignore_errors=True)
    if not PG_URL:
        database = Path(source_url.removeprefix("sqlite:///"))
        for leftover in database.parent.glob(database.name + "*"):
            leftover.unlink()

    target_url = fresh_database_url(tmp_path_factory)  # empty: a new machine
    _cli(target_url, "restore", "--yes", str(dump))
    target = _app(target_url, tmp_path / "machine-2" / "instance", monkeypatch)
    try:
        restored = target.test_client()
        assert login(restored, inspector).status_code == 302
        page = restored.get(record).get_data(as_text=True)
        keys = set(re.findall(r"/photos/([A-Za-z0-9_-]+)", page))
        assert keys == {photo.key}
        for size, data in served.items():
            again = restored.get(f"/photos/{photo.key}" + ("?size=thumb" if size else ""))
            assert again.status_code == 200 and again.data == data
        manager = target.test_client()
        assert login(manager, world.users["manager"].username).status_code == 302
        batch = manager.get("/print").get_data(as_text=True)
        assert 'id="plaque-batch"' in batch and code in batch
    finally:
        db.engine_of(target).dispose()
