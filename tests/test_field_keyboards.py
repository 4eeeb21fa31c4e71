"""The right keyboard for every field (issue 15): identity numbers with X, phones, dates."""

from __future__ import annotations

import re


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def test_tenant_form_fields_bring_the_right_keyboard(login_as, world):
    client = login_as("inspector_a")
    html = client.get(f"/units/{world.unit_a.code}/tenants/new").get_data(as_text=True)
    id_number = _input(html, "id_number")
    # Text (a numeric pad has no X), upper case, a pattern of digits and X.
    assert 'inputmode="text"' in id_number and 'autocapitalize="characters"' in id_number
    assert re.search(r'pattern="[^"]*X', id_number)
    phone = _input(html, "phone")
    assert 'type="tel"' in phone and 'inputmode="tel"' in phone
    assert 'type="date"' in _input(html, "moved_in")


def test_landlord_id_number_on_the_unit_form(login_as):
    html = login_as("manager").get("/units/new").get_data(as_text=True)
    field = _input(html, "landlord_id_number")
    assert 'autocapitalize="characters"' in field and 'inputmode="text"' in field
