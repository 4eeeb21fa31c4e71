"""Error pages: every 4xx/5xx answers with a translated page, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from rentals.errors import DomainError

log = logging.getLogger(__name__)


def _messages() -> dict[int, str]:
    return {
        400: _("请求无效。"),
        403: _("您没有权限访问此页面。"),
        404: _("找不到该页面或记录。"),
        405: _("不支持此操作。"),
        409: _("该记录已被他人修改或已存在。"),
        413: _("上传的文件太大。"),
        422: _("提交的内容有误，请检查后重试。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("服务器出错了，请稍后再试。已记录该问题。"),
    }


def _page(status: int, message: str | None = None):  # type: ignore[no-untyped-def]
    text = message or _messages().get(status, _("请求无法完成。"))
    return render_template("errors/error.html", status=status, message=text), status


def init_app(app: Flask) -> None:
    # Under /api/ every answer is JSON (rentals.api.errors), routing 404/405 included.
    from rentals.api import errors as api

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):  # type: ignore[no-untyped-def]
        if api.is_api_request():
            return api.http_error(err)
        return _page(400, _("表单已失效（安全校验未通过），请刷新页面后重新提交。"))

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):  # type: ignore[no-untyped-def]
        if api.is_api_request():
            return api.domain_error(err)
        return _page(err.status, str(err.message))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        if api.is_api_request():
            return api.http_error(err)
        return _page(err.code or 500)

    @app.errorhandler(Exception)
    def _crash(err: Exception):  # type: ignore[no-untyped-def]
        if api.is_api_request():
            return api.crash(err)
        log.exception("unhandled error: %s", err)
        return _page(500)
