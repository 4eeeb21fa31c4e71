"""Every route x method x role answers as tests/security/routes.py says.

The matrix is generated from ``app.url_map`` at test time: a new route that is not in the
table, has a URL argument the suite cannot fill, or lacks ``roles_required`` turns it red.
"""

from __future__ import annotations

from rentals.auth.access import roles_required
from tests.security.matrix import check_matrix
from tests.security.routes import EXPECTATIONS


def _report(failures: list[str]) -> str:
    return "\n".join(["access matrix failures:", *failures])


def test_every_route_answers_every_role_as_the_table_says(app, world, session):
    failures = check_matrix(app, world, session)
    assert not failures, _report(failures)


def test_a_view_without_its_permission_check_turns_the_matrix_red(app, world, session):
    """Drop roles_required from one view: the matrix must notice, by attribute and by answer."""
    guarded = app.view_functions["register.person_edit"]
    app.view_functions["register.person_edit"] = guarded.__wrapped__
    failures = check_matrix(app, world, session, frozenset({"register.person_edit"}))
    mine = [f for f in failures if "register.person_edit" in f]
    assert any("no permission check" in f for f in mine), _report(failures)
    # The inspector of the right area may now open a form meant for the office only.
    assert any("as inspector_a: got 200" in f and "expected 403" in f for f in mine), _report(
        failures
    )


def test_a_widened_role_list_turns_the_matrix_red(app, world, session):
    guarded = app.view_functions["register.unit_new"]
    widened = roles_required("inspector", "manager", "admin")(guarded.__wrapped__)
    app.view_functions["register.unit_new"] = widened
    failures = check_matrix(app, world, session, frozenset({"register.unit_new"}))
    assert any("register.unit_new: roles_required" in f for f in failures), _report(failures)
    assert any("[register.unit_new] as inspector_b: got 200" in f for f in failures)


def test_an_unlisted_route_turns_the_matrix_red(app, world, session):
    app.add_url_rule("/sneaky", "sneaky", lambda: "secret")
    failures = check_matrix(app, world, session, frozenset({"sneaky"}))
    assert any(f.startswith("sneaky: route not in the access matrix") for f in failures)


def test_a_route_with_an_unknown_argument_turns_the_matrix_red(app, world, session):
    EXPECTATIONS["mystery"] = EXPECTATIONS["register.unit"]
    try:
        guarded = roles_required("manager")(lambda widget_id: "x")
        app.add_url_rule("/widgets/<int:widget_id>", "mystery", guarded)
        failures = check_matrix(app, world, session, frozenset({"mystery"}))
    finally:
        del EXPECTATIONS["mystery"]
    assert any("cannot fill URL argument <widget_id>" in f for f in failures), _report(failures)
