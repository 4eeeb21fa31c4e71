"""Shared helpers of the inspection tests: all-met answers and a checklist post."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image

from scoring import default_scorecard


def all_answers(value: str = "met", **overrides: str) -> dict[str, str]:
    answers = {item.code: value for item in default_scorecard().items}
    answers.update(overrides)
    return answers


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of a rendered checklist (csrf, client key, latest id)."""
    fields = {}
    for name in ("csrf_token", "client_key", "latest_id"):
        m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', html
        )
        assert m, name
        fields[name] = m.group(1)
    return fields


def checklist_data(fields: dict[str, str], answers: dict[str, str], **extra: Any) -> dict:
    data: dict[str, Any] = {**fields, "outcome": "completed"}
    data.update({f"a_{k}": v for k, v in answers.items()})
    data.update(extra)
    return data


def jpeg_bytes(*, comment: bytes | None = None, gps: bool = False) -> bytes:
    im = Image.new("RGB", (64, 48), (200, 30, 30))
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif.get_ifd(0x8825).update({1: "N", 2: (29.0, 39.0, 0.0), 3: "E", 4: (91.0, 7.0, 0.0)})
        kwargs["exif"] = exif
    if comment:
        kwargs["comment"] = comment
    im.save(buf, "JPEG", **kwargs)
    return buf.getvalue()
