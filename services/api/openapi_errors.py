"""The error answers in the OpenAPI schema: every refusal the API gives is documented with its real shape,
so clients (and Schemathesis) can rely on the schema for errors too.

Two shapes exist: FastAPI's request validation (`detail` is a list of problems, 422) and the domain's
bilingual problem (`detail` = {code, message, message_ja, errors?}) used for 400–429.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {
        "type": "object",
        "required": ["code", "message", "message_ja"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string", "description": "in English"},
            "message_ja": {"type": "string", "description": "in Japanese"},
            "errors": {"type": "array", "items": {"type": "object"}},
        },
    }},
}
PROBLEM = {"$ref": "#/components/schemas/Problem"}
VALIDATION = {"$ref": "#/components/schemas/HTTPValidationError"}

SIGNED_IN = {"401": "not signed in, or the token expired", "403": "signed in, but not allowed to do this",
             "404": "does not exist, or is not yours to see (the same answer for both)"}
WITH_BODY = {"400": "the body is not valid UTF-8", "413": "the body is too large",
             "415": "the body is not JSON (a form for the sign-in)"}
CHANGES = {"409": "not possible at the application's current step"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": PROBLEM}}}


def problems(*pairs: int | str) -> dict[int, dict[str, Any]]:
    """`responses=` of a route for its own refusals: problems(409, "why", 410, "why")."""
    return {int(status): _problem(str(description)) for status, description in zip(pairs[::2], pairs[1::2],
                                                                                      strict=True)}


def document_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                errors: dict[str, str] = {}
                if path.startswith("/api/v1/") and path != "/api/v1/auth/token":
                    errors |= SIGNED_IN
                if method in ("post", "put", "patch"):
                    errors |= WITH_BODY | CHANGES
                if path == "/api/v1/auth/token":
                    errors |= {"401": "wrong username or password", "429": "too many failed sign-ins"}
                for status, description in errors.items():
                    responses.setdefault(status, _problem(description))
                if path.startswith("/api/v1/"):  # a domain rule can refuse what the schema allows
                    current = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema")
                    responses["422"] = {"description": "invalid input: field problems (list) or a domain rule",
                                        "content": {"application/json": {"schema": {
                                            "anyOf": [current or VALIDATION, PROBLEM]}}}}
                    schema["components"]["schemas"].setdefault("HTTPValidationError", _validation_schema())
                    schema["components"]["schemas"].setdefault("ValidationError", _validation_error_schema())
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def _validation_schema() -> dict[str, Any]:
    return {"title": "HTTPValidationError", "type": "object",
            "properties": {"detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}}}


def _validation_error_schema() -> dict[str, Any]:
    return {"title": "ValidationError", "type": "object", "required": ["loc", "msg", "type"],
            "properties": {"loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                           "msg": {"type": "string"}, "type": {"type": "string"}}}
