"""What-if over a register too large for a request: queued, summarised, downloadable.

Expected values are the hand-worked ones of ``test_whatif``: with the three-star band at
95, unit_a (94.0, three stars) loses a star; unit_b (88.0) and unit_c (92.0, capped at
two by F1) keep theirs.
"""

import csv
import io

import pytest

from rentals.ratings.services import upload_scorecard
from rentals.ratings.whatif import what_if
from tests.conftest import csrf_token, login
from tests.ratings.helpers import card_text
from tests.ratings.test_whatif import _world_ratings

PAGE = "/scorecards/2/what-if"


@pytest.fixture
def city(app, session, world):  # type: ignore[no-untyped-def]
    """Three rated units, and a page that treats more than two as a city."""
    app.config["WHATIF_INLINE_UNITS"] = 2
    unit_c = _world_ratings(session, world)
    upload_scorecard(session, actor=None, text=card_text(2, three=95))
    session.commit()
    return unit_c


def _start(client) -> str:  # type: ignore[no-untyped-def]
    response = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 302
    return client.get(PAGE).get_data(as_text=True)


def _csv_link(html: str) -> str:
    start = html.index('href="', html.index('id="whatif-csv"') - 120) + 6
    return html[start : html.index('"', start)]


def test_a_city_gets_a_button_then_the_counts_from_the_worker(
    client, login_as, city, world, immediate_queue
):
    login_as("manager")
    before = client.get(PAGE).get_data(as_text=True)
    assert 'id="whatif-run"' in before and 'id="count-lose"' not in before
    html = _start(client)
    assert 'id="count-units">3<' in html
    assert 'id="count-lose">1<' in html and 'id="count-gain">0<' in html
    assert 'id="count-same">2<' in html and 'id="count-needs">0<' in html
    assert world.unit_a.code in html and world.unit_b.code not in html


def test_the_csv_lists_exactly_the_units_that_change(
    client, login_as, city, world, immediate_queue
):
    login_as("manager")
    link = _csv_link(_start(client))
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "编号"
    assert rows[1:] == [[world.unit_a.code, "甲区", "3", "94.0", "2", "94.0", "lose"]]


def test_another_manager_sees_no_run_and_cannot_fetch_its_file(
    app, client, login_as, city, world, immediate_queue
):
    login_as("manager")
    link = _csv_link(_start(client))
    job_id = link.rsplit("/", 1)[1].removesuffix(".csv")
    other = app.test_client()
    login(other, world.users["admin"].username)
    assert other.get(link).status_code == 404
    assert 'id="count-lose"' not in other.get(PAGE).get_data(as_text=True)
    assert client.get(f"/scorecards/1/what-if/{job_id}.csv").status_code == 404
    assert client.get("/scorecards/2/what-if/nothex.csv").status_code == 404
    assert client.get("/scorecards/2/what-if/" + "0" * 32 + ".csv").status_code == 404


def test_a_post_without_its_token_starts_nothing(client, login_as, city, immediate_queue):
    login_as("manager")
    assert client.post(PAGE, data={}).status_code == 400
    assert 'id="whatif-run"' in client.get(PAGE).get_data(as_text=True)
    assert 'id="count-lose"' not in client.get(PAGE).get_data(as_text=True)


def test_a_queued_run_waits_for_a_worker_and_says_so(client, login_as, city):
    login_as("manager")
    html = _start(client)
    assert 'id="whatif-job"' in html and 'http-equiv="refresh"' in html
    assert 'id="whatif-run"' not in html  # no second run while one waits


def test_streamed_rows_are_the_rows_the_page_keeps(session, world):
    _world_ratings(session, world)
    draft = upload_scorecard(session, actor=None, text=card_text(2, three=95))
    streamed: list = []
    summary = what_if(session, draft=draft, sink=streamed.append)
    kept = what_if(session, draft=draft)
    assert streamed == kept.rows and summary.rows == []
    assert summary.counts == kept.counts and summary.units == 3
