"""A checklist that does not fit the scorecard is explained in the user's language, item by
item (the scoring core's own messages are English and never reach a page)."""

from __future__ import annotations

import re

import pytest

from rentals.errors import InvalidInput
from rentals.inspections import services
from rentals.modelbase import utcnow
from rentals.ratings import services as ratings_services
from tests.inspections.helpers import all_answers


def _visit(session, world, answers, vetoes=()):  # type: ignore[no-untyped-def]
    return services.record_inspection(
        session,
        unit=world.unit_a,
        inspector=world.users["inspector_a"],
        client_key="mismatch",
        answers=answers,
        vetoes=list(vetoes),
        notes={},
        outcome="completed",
        now=utcnow(),
    )


def test_mismatch_names_each_problem_in_chinese(app, session, world):
    answers = all_answers(Z9="met", S2="maybe", M1="na")
    del answers["F2"]
    with app.test_request_context("/"), pytest.raises(InvalidInput) as caught:
        _visit(session, world, answers, vetoes=["V9"])
    text = str(caught.value.message)
    assert text.startswith("检查表与评分表不一致：")
    for part in (
        "F2 没有回答",
        "S2 的回答无效",
        "M1 不能选“不适用”",
        "Z9 不在第 1 版评分表上",
        "不予评定项 V9 不在第 1 版评分表上",
    ):
        assert part in text
    # Nothing of the core's English wording.
    assert not re.search(r"[A-Za-z]{3,}", text), text


def test_mismatch_text_goes_through_the_catalog(app, session, world, monkeypatch):
    seen: list[str] = []

    def spy(msgid, **kw):  # type: ignore[no-untyped-def]
        seen.append(msgid)
        return msgid % kw if kw else msgid

    monkeypatch.setattr(services, "gettext", spy)
    monkeypatch.setattr(ratings_services, "gettext", spy)
    with app.test_request_context("/"), pytest.raises(InvalidInput):
        _visit(session, world, all_answers(Z9="met"))
    assert "检查表与评分表不一致：%(detail)s" in seen
    assert "%(code)s 不在第 %(version)s 版评分表上" in seen
