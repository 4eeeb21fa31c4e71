"""The OpenAPI document, generated from the code, and a reference page rendered from it.

spectree's own pages load Swagger UI or ReDoc from a CDN, which this product never does
(no CDN, no copied bundles), so the reference is a plain page of our own, built from the
same document: every operation with its parameters, body, answers and schemas.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, jsonify, render_template, request

from rentals.api import bp
from rentals.api.spec import spec
from rentals.extensions import limiter

#: Open data may be cached this long (as the public pages).
PUBLIC_CACHE_SECONDS = 300
#: Rate limit of the API, per token (or per address without one).
DEFAULT_LIMIT = "300 per minute"


def _limit_key() -> str:
    from rentals.api.auth import presented_token
    from rentals.auth.passwords import token_hash

    token = presented_token()
    return "t:" + token_hash(token)[:32] if token else "a:" + (request.remote_addr or "")


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", DEFAULT_LIMIT), key_func=_limit_key)(
    bp
)


@bp.after_request
def _cache_headers(response):  # type: ignore[no-untyped-def]
    """Open data may be cached by anyone for five minutes; an answer to a token never."""
    if "Cache-Control" in response.headers:
        return response
    public = request.path.startswith("/api/v1/public/") or request.endpoint in (
        "api.openapi",
        "api.docs",
    )
    if public and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
        response.vary.add("Accept-Language")
    else:
        response.headers["Cache-Control"] = "no-store"
    return response


_CSV = {"/api/v1/public/ratings.csv": "text/csv"}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every ``/api/v1`` operation (computed once per process)."""
    cache = current_app.extensions.setdefault("rentals.openapi", {})
    if "doc" not in cache:
        doc = copy.deepcopy(spec.spec)
        for path, mimetype in _CSV.items():
            ok = doc["paths"].get(path, {}).get("get", {}).get("responses", {}).get("200")
            if ok is not None:
                ok["content"] = {mimetype: {"schema": {"type": "string"}}}
        for operation in (op for item in doc["paths"].values() for op in item.values()):
            # Every answer is JSON; a 2xx without a model is described as such.
            for status, answer in operation.get("responses", {}).items():
                answer.setdefault("description", status)
        doc["servers"] = [{"url": "/"}]
        cache["doc"] = doc
    return cache["doc"]  # type: ignore[no-any-return]


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(document())


def _schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _describe(schema: dict[str, Any] | None) -> str:
    """A short type text for the page: ``UnitOut``, ``integer``, ``array of TaskOut``."""
    if not schema:
        return ""
    if "$ref" in schema:
        return _schema_name(schema["$ref"])
    if "anyOf" in schema:
        return " | ".join(_describe(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return "array of " + _describe(schema.get("items"))
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    if "const" in schema:
        return repr(schema["const"])
    return str(schema.get("type", "object"))


def reference() -> dict[str, Any]:
    """Plain values for the template: operations by tag, then the schemas."""
    doc = document()
    operations = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            operations.append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "tag": (op.get("tags") or ["other"])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "token": bool(op.get("security")),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _describe(p.get("schema")),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _describe(body.get("schema")),
                    "responses": [
                        {
                            "status": status,
                            "type": ", ".join(
                                f"{mime}: {_describe(c.get('schema'))}"
                                for mime, c in answer.get("content", {}).items()
                            ),
                        }
                        for status, answer in sorted(op.get("responses", {}).items())
                    ],
                }
            )
    operations.sort(key=lambda o: (o["tag"], o["path"], o["method"]))
    schemas = []
    for name, schema in sorted(doc["components"]["schemas"].items()):
        required = set(schema.get("required", []))
        schemas.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "fields": [
                    {
                        "name": field,
                        "type": _describe(prop),
                        "required": field in required,
                        "description": prop.get("description", ""),
                    }
                    for field, prop in schema.get("properties", {}).items()
                ],
            }
        )
    return {
        "title": doc["info"]["title"],
        "version": doc["info"]["version"],
        "description": doc["info"].get("description", ""),
        "operations": operations,
        "schemas": schemas,
    }


@bp.get("/docs")
def docs():  # type: ignore[no-untyped-def]
    """The readable API reference (HTML, no script)."""
    return render_template("api/reference.html", ref=reference())
