"""The API's description: ``/api/openapi.json`` (OpenAPI 3) and ``/api/docs``,
a page rendered on the server from that same document (no script, no CDN:
it works offline and under the strict CSP)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts

from veille.web.api.common import PREFIX
from veille.web.api.errors import ApiRoute
from veille.web.deps import render

# Public, like a product's manual: the document lists endpoints, never data,
# and a client reads it before it holds a token.
router = APIRouter(include_in_schema=False, route_class=ApiRoute)

DESCRIPTION = """\
The REST API of veille: the same services as the `veille` command line.

Authenticate with `Authorization: Bearer TOKEN` (create a token with
`veille token create USER`; revoke it with `veille token revoke ID`). A token
acts as its user within its scope (`read`: GET only; `write`: also changes;
`admin`: also what needs the admin role), the user's role its ceiling:
viewers read; analysts and above change topics, alerts and sources. Lowering
a user's role narrows their tokens to what it allows.

Errors are JSON: `{"error": {"status", "code", "message", "hint"}}`; an
invalid query also gives the `column` of the fault and a `caret` line.
Lists of posts come a page at a time: pass `next_cursor` as `cursor` for the
next page, or use `page` and `limit`.
"""

METHODS = ("get", "post", "put", "patch", "delete")


def spec(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of the routes under ``/api/v1``."""
    from veille import __version__

    # Included routers are resolved lazily: their routes are listed through
    # iter_route_contexts, not app.routes.
    routes = [
        c
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIRoute) and (c.path or "").startswith(PREFIX)
    ]
    doc = get_openapi(
        title="veille API",
        version=__version__,
        description=DESCRIPTION,
        routes=routes,
        servers=[{"url": "/"}],
    )
    doc.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "veille token create USER"}
    }
    doc["security"] = [{"bearer": []}]
    return doc


def app_spec(app: FastAPI) -> dict[str, Any]:
    """:func:`spec` of ``app``, made once and kept with the app (its routes
    do not change once it is built): making it walks every route's models,
    0.4-0.6 s a request for ``/api/openapi.json`` and ``/api/docs`` alike."""
    kept: dict[str, Any] | None = getattr(app.state, "api_spec", None)
    if kept is None:
        kept = app.state.api_spec = spec(app)
    return kept


@router.get("/api/openapi.json")
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(app_spec(request.app))


def _schema_name(schema: dict[str, Any]) -> str:
    """A short type for a parameter or field (``string``, ``list of string``…)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        kinds = [_schema_name(s) for s in schema["anyOf"] if s.get("type") != "null"]
        return " | ".join(kinds)
    if schema.get("type") == "array":
        return f"[{_schema_name(schema.get('items', {}))}]"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    return str(schema.get("type", "object"))


def _default(schema: dict[str, Any]) -> str | None:
    """A parameter's default as a client writes it in a URL: ``true``, not
    Python's ``True``."""
    if "default" not in schema or schema["default"] is None:
        return None
    value = schema["default"]
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def endpoints(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of ``doc`` as the docs page lists it, grouped by tag order."""
    schemas = doc.get("components", {}).get("schemas", {})
    out = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "type": _schema_name(p.get("schema", {})),
                    "description": p.get("description") or p.get("schema", {}).get("description"),
                    "default": _default(p.get("schema", {})),
                }
                for p in op.get("parameters", [])
            ]
            body = None
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                name = _schema_name(content["schema"])
                model = schemas.get(name, {})
                required = set(model.get("required", ()))
                body = {
                    "name": name,
                    "fields": [
                        {
                            "name": field,
                            "type": _schema_name(s),
                            "required": field in required,
                            "description": s.get("description"),
                        }
                        for field, s in model.get("properties", {}).items()
                    ],
                }
            responses = [
                {"status": status, "description": r.get("description", "")}
                for status, r in op.get("responses", {}).items()
            ]
            out.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "tag": (op.get("tags") or ["api"])[0],
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                    "body": body,
                    "responses": responses,
                }
            )
    return out


@router.get("/api/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    doc = app_spec(request.app)
    found = endpoints(doc)
    tags: list[str] = []
    for e in found:
        if e["tag"] not in tags:
            tags.append(e["tag"])
    return render(
        request,
        "api/docs.html",
        {"version": doc["info"]["version"], "tags": tags, "endpoints": found},
    )
