from __future__ import annotations

import re
from datetime import date

from rentals.printing import documents, rosters
from tests import factories
from tests.printing.helpers import keep_png, make_task, pages, rate, roster_rows, text


def test_roster_rows_are_the_tasks_due_in_the_window_in_route_order(session, world):
    inspector = world.users["inspector_a"]
    second = factories.make_unit(
        session, world.area_a, street="测试路", house_number=1, code="T-AAAA1"
    )
    rate(session, second, "one", 1)
    make_task(session, world.unit_a, date(2027, 2, 14), inspector_id=inspector.id)
    make_task(session, second, date(2027, 2, 10), inspector_id=inspector.id)
    make_task(session, second, date(2027, 3, 10), key="later")  # outside the window
    make_task(session, world.unit_b, date(2027, 2, 14))  # other area
    result = documents.print_roster(
        session,
        area="甲区",
        start=date(2027, 2, 1),
        end=date(2027, 2, 28),
        inspector=inspector.username,
        printed=date(2027, 1, 30),
        workers=1,
    )
    body = text(result.pdf)
    assert body.index("T-AAAA1") < body.index(world.unit_a.code)  # house 1 before the other
    assert world.unit_b.code not in body and body.count("2027-03-10") == 0
    assert "扎西" in body  # landlord name (staff document)
    assert re.search(r"\b1\s*/\s*1\b", body) and "打印日期 2027-01-30" in body
    keep_png(result.pdf, "roster")


def test_fixed_rows_per_page_and_page_numbers_continue_across_chunks():
    n = rosters.ROWS_FIRST_PAGE + rosters.ROWS_PER_PAGE + 1
    contexts = rosters.roster_contexts(
        roster_rows(n),
        title="台账",
        area="南区",
        period="二月",
        inspector="",
        printed=date(2027, 1, 30),
        pages_per_chunk=1,
    )
    assert len(contexts) == 3
    pdf = rosters.render_roster(contexts, workers=2)
    assert pages(pdf) == rosters.page_count(n) == 3
    assert re.search(r"3\s*/\s*3", text(pdf, 3)) and re.search(r"2\s*/\s*3", text(pdf, 2))
    assert f"ZX-{n - 1:04d}" in text(pdf, 3)
    assert f"ZX-{rosters.ROWS_FIRST_PAGE - 1:04d}" in text(pdf, 1)
    assert f"ZX-{rosters.ROWS_FIRST_PAGE:04d}" in text(pdf, 2)


def test_values_print_whole_and_a_value_too_long_is_cut_not_wrapped():
    rows = roster_rows(3)
    rows[0]["address"] = "扎细路" + "很长的地址" * 12
    rows[1]["last_inspection"] = date(2027, 1, 9)
    rows[2]["landlord_name"] = "<b>次仁</b>"  # rows are markup built in Python: escaped
    [context] = rosters.roster_contexts(
        rows, title="台账", area="南区", period="二月", inspector="", printed=date(2027, 1, 30)
    )
    pdf = rosters.render_roster([context], workers=1)
    body = text(pdf)
    assert "2027-02-14" in body and "2027-01-09" in body  # dates are never cut
    assert "…" in body and "很长的地址" * 12 not in body  # too long: cut with an ellipsis
    assert "<b>次仁</b>" in body
    # Column-major pages: a wrapped value would push the rows below out of line.
    lines = body.splitlines()
    for i in range(3):
        [line] = [ln for ln in lines if f"ZX-{i:04d}" in ln]
        assert "次仁" in line  # code and landlord name still share a line
