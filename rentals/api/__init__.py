"""The open JSON API, version 1 (``/api/v1/``): token-authenticated reads and writes over
the same services and scope rules as the pages, public open data without a token, and the
OpenAPI document generated from the pydantic models that validate each request.

Blueprints only here (decisions.md "Blueprints import no views"): ``create_app`` imports
the view modules. ``bp`` is the API (CSRF exempt: a cookie never authenticates it);
``token_pages`` holds the signed-in pages where people make and revoke their tokens.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
token_pages = Blueprint("api_tokens", __name__)
