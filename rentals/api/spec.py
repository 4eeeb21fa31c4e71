"""The SpecTree instance, the error body every API answer uses, and the response helper.

Validation errors (422) are rewritten into the same error body as every other refusal,
with the message in the caller's language, so a client handles one shape.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

API_VERSION = "1.0.0"
log = logging.getLogger(__name__)


class FieldProblem(BaseModel):
    #: Where in the request: ``["body", "answers", "F1"]``, ``["query", "limit"]``.
    loc: list[str | int]
    #: pydantic's error type (``missing``, ``int_type``, ``extra_forbidden`` …).
    type: str


class ErrorDetail(BaseModel):
    #: Stable, for programs: ``unauthorized``, ``not_found``, ``invalid_input``,
    #: ``conflict``, ``stale_checklist``, ``not_allowed``, ``rate_limited`` …
    code: str
    #: For people, in the caller's language (Accept-Language or ``?lang=``).
    message: str
    field: str | None = None
    problems: list[FieldProblem] = Field(default_factory=list)


class ErrorBody(BaseModel):
    error: ErrorDetail


class StrictInput(BaseModel):
    """Base of JSON request bodies: no coercion (``false`` is not an int), no extra keys."""

    model_config = ConfigDict(strict=True, extra="forbid")


class QueryInput(BaseModel):
    """Base of query strings: text is converted (``?limit=5``), unknown keys refused."""

    model_config = ConfigDict(extra="forbid")


def error_body(code: str, message: str, *, field: str | None = None, problems: Any = ()) -> dict:
    return ErrorBody(
        error=ErrorDetail(code=code, message=message, field=field, problems=list(problems))
    ).model_dump(mode="json")


def _problems(err: Any) -> list[FieldProblem]:
    out = []
    for item in err.errors(include_url=False, include_input=False, include_context=False):
        loc = [part if isinstance(part, int) else str(part) for part in item.get("loc", ())]
        out.append(FieldProblem(loc=loc, type=str(item.get("type", ""))))
    return out


def _before(
    request: Any, response: Any, req_validation_error: Any, _instance: Any, _a: Any
) -> None:
    """Spectree answers a request that fails its model itself: give it our error body."""
    if req_validation_error is None or response is None:
        return
    problems = _problems(req_validation_error)
    field = ".".join(str(p) for p in problems[0].loc) if problems else None
    body = error_body(
        "invalid_input", _("请求的内容不符合接口说明。"), field=field, problems=problems
    )
    response.set_data(json.dumps(body, ensure_ascii=False))
    response.mimetype = "application/json"


def _after(
    request: Any, response: Any, resp_validation_error: Any, _instance: Any, _a: Any
) -> None:
    """An answer that breaks its own model is our bug: log it, answer a plain 500 body
    (spectree's own lists pydantic's internals)."""
    if resp_validation_error is None:
        return
    log.error("API answer breaks its model at %s: %s", request.path, resp_validation_error)
    body = error_body("internal", _("服务器出错了，请稍后再试。已记录该问题。"))
    response.set_data(json.dumps(body, ensure_ascii=False))
    response.mimetype = "application/json"


spec = SpecTree(
    "flask",
    title="Rental star rating API",
    version=API_VERSION,
    description=(
        "Open JSON API of the rental star-rating scheme. Endpoints under /api/v1/public need "
        "no token and carry no personal data; every other endpoint needs "
        "`Authorization: Bearer rk_…` and answers with the token owner's permissions and "
        "scope, exactly as the web pages do. Errors are always "
        '`{"error": {"code": "…", "message": "…"}}`, the message in the language of '
        "`Accept-Language` (zh, bo, en)."
    ),
    # Not served by spectree (its pages load from a CDN); rentals.api.docs serves ours.
    path="_spectree",
    page_templates={},
    mode="strict",
    annotations=True,
    before=_before,
    after=_after,
    validation_error_status=422,
    validation_error_model=ErrorBody,
    # Our model names are unique: the reference page shows "UnitOut", not "UnitOut.3a7fa41".
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(name="token", data=SecuritySchemeData(type="http", scheme="bearer")),
    ],
)

#: Per-operation security of the token endpoints.
TOKEN = {"token": []}
#: Statuses every token endpoint may answer besides its own.
COMMON = (400, 401, 403, 404, 429)


def responses(ok: Any = None, *codes: int, status: int = 200) -> Response:
    """A spectree Response: ``ok`` under ``status``, ErrorBody under every code given."""
    kwargs = {f"HTTP_{code}": ErrorBody for code in codes}
    if ok is None:  # a body that is not JSON (the CSV file): documented in rentals.api.docs
        return Response(f"HTTP_{status}", **kwargs)
    kwargs[f"HTTP_{status}"] = ok
    return Response(**kwargs)
