"""Two web nodes on one database (issue 17): two ``create_app()`` with instance folders of
their own, as two machines behind one proxy have, and real ``rentals worker`` processes.
Nothing a node keeps on its own disk may matter: a photo uploaded through one is served
by the other, a print started on one is followed and downloaded from the other, and a
worker killed (SIGKILL) in the middle of a print leaves a job that is retried and
finishes. SQLite here; PostgreSQL under ``python -m tests.pgserver``.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from rentals import create_app, db
from rentals.config import TestConfig
from rentals.migrate import upgrade
from rentals.printing import documents
from rentals.printing.models import Plaque
from tests import factories
from tests.conftest import csrf_token, fresh_database_url, login
from tests.printing.helpers import pages, rate, text
from tests.queue.test_worker import LEASE, _job, _stop, _wait, _worker

pytestmark = pytest.mark.slow
PUBLIC = "https://zhaxi.example.cn"


@pytest.fixture
def nodes(tmp_path_factory, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = fresh_database_url(tmp_path_factory)
    engine = db.build_engine(url)
    upgrade(engine)
    engine.dispose()
    apps: list[Flask] = []
    for name in ("node-a", "node-b"):
        monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path / name))
        apps.append(
            create_app(
                {"DATABASE_URL": url, "QUEUE_LEASE_SECONDS": LEASE, "PUBLIC_BASE_URL": PUBLIC},
                base=TestConfig,
            )
        )
    assert apps[0].instance_path != apps[1].instance_path
    with apps[0].app_context(), db.unit_of_work() as session:
        world = factories.make_world(session)
    for app in apps:
        app.world = world  # type: ignore[attr-defined]
    yield apps
    for app in apps:
        db.engine_of(app).dispose()


def _browser_on(client: FlaskClient, app: Flask) -> FlaskClient:
    """The same browser sent to the other node by the proxy: its cookies, another app
    (every node has the same RENTALS_SECRET_KEY)."""
    other = app.test_client()
    for cookie in client._cookies.values():  # noqa: SLF001 - werkzeug's cookie jar
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def _signed_in(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, app.world.users[role].username).status_code == 302  # type: ignore[attr-defined]
    return client


def _files_under(*apps: Flask) -> list[Path]:
    return [p for app in apps for p in Path(app.instance_path).rglob("*") if p.is_file()]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_a_photo_uploaded_through_one_node_is_served_by_the_other(nodes):
    a, b = nodes
    world = a.world
    on_a = _signed_in(a, "inspector_a")
    answer = on_a.post(
        "/inspections/photos",
        data={
            "csrf_token": csrf_token(on_a, "/inspect"),
            "unit": world.unit_a.code,
            "key": "two-nodes-1",
            "inspection_key": "draft-n",
            "item": "F1",
            "photo": (io.BytesIO(_jpeg()), "door.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    from_a = on_a.get(answer.json["url"])
    assert from_a.status_code == 200
    # The same browser, sent to node B by the proxy.
    on_b = _browser_on(on_a, b)
    from_b = on_b.get(answer.json["url"])
    assert from_b.status_code == 200 and from_b.mimetype == "image/jpeg"
    assert from_b.data == from_a.data and from_b.headers["ETag"] == from_a.headers["ETag"]
    assert on_b.get(answer.json["thumb"]).data == on_a.get(answer.json["thumb"]).data
    # Another user signed in on node B, and the scope still holds there.
    assert _signed_in(b, "manager").get(answer.json["url"]).data == from_a.data
    assert _signed_in(b, "inspector_b").get(answer.json["url"]).status_code == 404
    assert not [p for p in _files_under(a, b) if p.suffix == ".jpg"]


def test_a_print_started_on_one_node_is_followed_and_downloaded_from_the_other(nodes, monkeypatch):
    a, b = nodes
    monkeypatch.setattr(documents, "BACKGROUND_PAGES", 0)  # every roster goes to the queue
    on_a = _signed_in(a, "manager")
    response = on_a.post(
        "/print/roster",
        data={
            "r-csrf_token": csrf_token(on_a, "/print"),
            "r-area": "甲区",
            "r-start": "2027-02-08",
            "r-end": "2027-02-14",
        },
    )
    assert response.status_code == 302 and "/print/jobs/" in response.location
    job_url = response.location
    job_id = job_url.rsplit("/", 1)[1]
    on_b = _browser_on(on_a, b)
    assert "已排队" in on_b.get(job_url).get_data(as_text=True)  # node B knows the job
    worker = _worker(a)
    try:
        done = _wait(a, job_id, lambda j: j.status in {"done", "failed"})
    finally:
        output = _stop(worker)
    assert done.status == "done", (done.error, output[-2000:])
    page = on_b.get(job_url).get_data(as_text=True)
    assert f"{job_url}/file" in page
    from_b = on_b.get(f"{job_url}/file")
    assert from_b.status_code == 200 and from_b.data.startswith(b"%PDF")
    assert from_b.headers["Cache-Control"] == "no-store"
    assert "甲区" in text(from_b.data)
    assert on_a.get(f"{job_url}/file").data == from_b.data
    # Another manager's browser on node B does not see the job.
    assert _signed_in(b, "admin").get(f"{job_url}/file").status_code == 404
    assert not [p for p in _files_under(a, b) if p.suffix == ".pdf"]


UNITS = 150


def test_a_worker_killed_during_a_print_leaves_a_job_that_is_retried_and_finishes(
    nodes, monkeypatch
):
    a, b = nodes
    with a.app_context(), db.unit_of_work() as session:
        area = session.get(type(a.world.area_a), a.world.area_a.id)
        rate(session, session.get(type(a.world.unit_a), a.world.unit_a.id), "two", 2)
        for _ in range(UNITS - 1):
            rate(session, factories.make_unit(session, area), "three", 3)
    monkeypatch.setattr(documents, "BACKGROUND_PAGES", 0)
    on_a = _signed_in(a, "manager")
    response = on_a.post(
        "/print/plaques",
        data={"p-csrf_token": csrf_token(on_a, "/print"), "p-area": "甲区", "p-size": "A5"},
    )
    assert response.status_code == 302 and "/print/jobs/" in response.location
    job_url = response.location
    job_id = job_url.rsplit("/", 1)[1]

    first = _worker(a)
    try:
        _wait(a, job_id, lambda j: j.status == "running")
        time.sleep(0.5)  # well inside the rendering of 150 plaques
    finally:
        first.kill()  # SIGKILL: no cleanup of any kind
        output = _stop(first)
    killed = _job(a, job_id)
    assert (killed.status, killed.attempts) == ("running", 1), output[-2000:]
    with db.engine_of(a).connect() as conn:
        # Its plaques were never committed: they are written with the PDF, at the end.
        assert conn.execute(select(func.count()).select_from(Plaque)).scalar_one() == 0
    time.sleep(LEASE + 0.5)  # its heartbeat goes stale

    second = _worker(b)  # a worker on the other machine takes it back
    try:
        done = _wait(b, job_id, lambda j: j.status in {"done", "failed"}, seconds=300)
    finally:
        output = _stop(second)
    assert done.status == "done", (done.error, output[-2000:])
    assert done.attempts == 2
    # The retry's own run (started_at is its claim) took longer than the first worker
    # lived after its claim, so the kill fell in the middle of the print.
    rendering = (done.finished_at - done.started_at).total_seconds()
    assert rendering > 1.5, rendering
    print(f"\n{UNITS} plaques rendered in {rendering:.1f} s by the second worker")
    with db.engine_of(a).connect() as conn:
        plaques = conn.execute(select(Plaque.unit_id, Plaque.retired_at)).all()
    assert len(plaques) == UNITS and len({unit for unit, _ in plaques}) == UNITS
    assert all(retired is None for _, retired in plaques)
    pdf = _browser_on(on_a, b).get(f"{job_url}/file")
    assert pdf.status_code == 200 and pages(pdf.data) == UNITS
