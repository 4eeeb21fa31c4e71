"""The benchmarks' synthetic city: deterministic, Zhaxi proportions, valid identity numbers."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date

from stdnum.cn import ric

from bench import city


def test_identity_numbers_follow_gb_11643() -> None:
    # The standard's own example (GB 11643-1999, appendix): 11010519491231002X.
    assert city.id_number("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert city.id_number("540102", date(1990, 1, 1), 123) == "540102199001011233"


def test_a_small_city(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(city, "CACHE", tmp_path / "cache")
    path = city.build(3200, seed=5, quiet=True)
    assert city.build(3200, seed=5, quiet=True) == path  # cached
    db = sqlite3.connect(path)
    stars = Counter(s for (s,) in db.execute("SELECT stars FROM unit"))
    assert stars == {3: 13 * 20, 2: 141 * 20, 1: 6 * 20}
    numbers = [n for (n,) in db.execute("SELECT id_number FROM person")]
    assert len(set(numbers)) == len(numbers) == city.counts(3200)["landlords"] + 2880
    for number in numbers[:: max(1, len(numbers) // 300)]:
        assert ric.is_valid(number), number
    # The newest rating of a unit gives its stars.
    wrong = db.execute(
        "SELECT count(*) FROM unit u JOIN rating r ON r.id = (SELECT max(id) FROM rating"
        " WHERE unit_id = u.id) WHERE r.stars != u.stars"
    ).fetchone()[0]
    assert wrong == 0
    assert db.execute("SELECT count(*) FROM inspection").fetchone()[0] == 3200 * city.VISITS
    # Every area has an inspector; the same seed gives the same city.
    assert (
        db.execute(
            "SELECT count(*) FROM area WHERE id NOT IN (SELECT area_id FROM user_area)"
        ).fetchone()[0]
        == 0
    )
    other = sqlite3.connect(city.build(3200, seed=5, quiet=True))
    assert list(other.execute("SELECT * FROM unit ORDER BY id LIMIT 50")) == list(
        db.execute("SELECT * FROM unit ORDER BY id LIMIT 50")
    )
