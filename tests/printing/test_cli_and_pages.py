from __future__ import annotations

from datetime import date

from sqlmodel import select

from rentals.cli import print_group  # with the blacklist command incentives adds
from rentals.printing import documents
from rentals.printing.models import Plaque
from tests.conftest import csrf_token
from tests.printing.helpers import make_task, pages, rate, text


def test_cli_commands_write_pdfs(app, session, world, tmp_path):
    rate(session, world.unit_a, "two", 2)
    make_task(session, world.unit_a, date(2027, 2, 14))
    session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "plaques.pdf"
    result = runner.invoke(print_group, ["plaques", "--area", "甲区", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert pages(out.read_bytes()) == 1 and world.unit_a.code in text(out.read_bytes())
    out = tmp_path / "roster.pdf"
    args = ["roster", "--area", "甲区", "--from", "2027-02-01", "--to", "2027-02-28"]
    result = runner.invoke(print_group, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert world.unit_a.code in text(out.read_bytes())
    out = tmp_path / "black.pdf"
    result = runner.invoke(print_group, ["blacklist", "--month", "2027-02", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


def test_manager_prints_plaques_from_the_page(login_as, session, world):
    rate(session, world.unit_a, "three", 3)
    session.commit()
    client = login_as("manager")
    assert client.get("/print").status_code == 200
    token = csrf_token(client, "/print")
    response = client.post(
        "/print/plaques",
        data={"csrf_token": token, "p-area": "甲区", "p-size": "A5", "p-csrf_token": token},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert world.unit_a.code in text(response.data)


def test_big_prints_go_to_a_background_job(login_as, session, world, monkeypatch, immediate_queue):
    rate(session, world.unit_a, "three", 3)
    session.commit()
    monkeypatch.setattr(documents, "BACKGROUND_PAGES", 0)
    client = login_as("manager")
    token = csrf_token(client, "/print")
    response = client.post("/print/plaques", data={"p-csrf_token": token, "p-size": "A5"})
    assert response.status_code == 302 and "/print/jobs/" in response.location
    job_url = response.location
    page = client.get(job_url).get_data(as_text=True)
    assert f"{job_url}/file" in page
    download = client.get(f"{job_url}/file")
    assert download.data.startswith(b"%PDF") and world.unit_a.code in text(download.data)
    assert download.headers["Cache-Control"] == "no-store"


def test_landlord_cannot_print(login_as):
    client = login_as("landlord_a")
    assert client.get("/print").status_code == 403


def test_public_check_warns_for_a_retired_plaque(client, session, world):
    from rentals.printing import plaques
    from tests.printing.helpers import NOW, make_rating

    # Rated by an inspection made today: the plaque is current (not due for re-inspection).
    make_rating(session, world.unit_a, stars=2, status="two")
    [old] = plaques.issue_plaques(session, actor=None, units=[world.unit_a], now=NOW)
    [new] = plaques.issue_plaques(session, actor=None, units=[world.unit_a], now=NOW)
    session.commit()
    page = client.get(f"/p/{old.serial}").get_data(as_text=True)
    assert "此牌已作废" in page and world.unit_a.code in page
    assert world.landlord_a.name not in page
    page = client.get(f"/p/{new.serial}").get_data(as_text=True)
    assert "此牌有效" in page and "བྱང་བུ་འདི་ནུས་ལྡན་ཡིན" in page
    rate(session, world.unit_a, "one", 1)
    session.commit()
    assert "评定已变化" in client.get(f"/p/{new.serial}").get_data(as_text=True)
    assert client.get("/p/NOPE-NOPE-NOPE").status_code == 404
    assert session.exec(select(Plaque)).all()
