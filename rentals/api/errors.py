"""JSON answers for every refusal under ``/api/``: Flask's own error pages are HTML.

``rentals.errors_views`` hands any error of an ``/api/`` request here, including routing
404s and 405s, which no blueprint handler sees (the blueprint is not known yet).
"""

from __future__ import annotations

import json
import logging

from flask import Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from rentals.api.spec import error_body
from rentals.errors import DomainError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "not_allowed",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("请求无效。"),
        401: _("需要接口令牌（Authorization: Bearer …）。"),
        403: _("您没有权限访问此页面。"),
        404: _("找不到该页面或记录。"),
        405: _("不支持此操作。"),
        409: _("该记录已被他人修改或已存在。"),
        413: _("上传的文件太大。"),
        422: _("提交的内容有误，请检查后重试。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("服务器出错了，请稍后再试。已记录该问题。"),
    }


def _answer(status: int, body: dict, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def domain_error(err: DomainError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
    return _answer(err.status, error_body(err.code, str(err.message), field=err.field), headers)


def http_error(err: HTTPException) -> Response:
    status = err.code or 500
    message = _messages().get(status, _("请求无法完成。"))
    headers = {}
    if status == 405 and err.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(err.valid_methods)  # type: ignore[attr-defined]
    if status == 429:
        retry = (err.get_headers() and dict(err.get_headers()).get("Retry-After")) or "60"
        headers["Retry-After"] = retry
    return _answer(status, error_body(HTTP_CODES.get(status, "error"), message), headers)


def crash(err: Exception) -> Response:
    log.exception("unhandled API error: %s", err)
    return _answer(500, error_body("internal", _messages()[500]))
