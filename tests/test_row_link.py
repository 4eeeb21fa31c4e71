"""A row's link built once (``templating.row_link``) is the link ``url_for`` builds for
that row, for any code a register may hold and with the query a page adds."""

from __future__ import annotations

import pytest
from flask import url_for

from rentals.templating import row_link

CODES = [
    "C-0000001",
    "ZX-S-031",
    "a b",
    "x?y#z&q=1",
    "100%",
    "中文-甲",
    "བོད་",
    "A/B",
    "@!$&'()*+,;=:",
    "~tilde.dot_",
]


@pytest.mark.parametrize("code", CODES)
def test_a_code_link_is_what_url_for_builds(app, code):  # type: ignore[no-untyped-def]
    with app.test_request_context("/"):
        for endpoint, values in (
            ("register.unit", {}),
            ("inspections.checklist", {"task": 61}),
        ):
            built = row_link(endpoint, **values)
            assert built(code) == url_for(endpoint, code=code, **values)


@pytest.mark.parametrize("task_id", [1, 61, 10**12])
def test_an_id_link_is_what_url_for_builds(app, task_id):  # type: ignore[no-untyped-def]
    with app.test_request_context("/"):
        assert row_link("tasks.reassign", "task_id", int)(task_id) == url_for(
            "tasks.reassign", task_id=task_id
        )
