"""One place that turns domain errors into HTTP answers a person can act on (English and Japanese)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from services.core.platform.exceptions import DomainError


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, error: DomainError) -> JSONResponse:
        detail = {"code": error.code, "message": error.message, "message_ja": error.message_ja}
        rule = getattr(error, "rule", None)  # the interest subsidy's refusals name their rule
        if rule:
            detail["rule"] = rule
        if error.errors:
            detail["errors"] = error.errors
        retry_after = getattr(error, "retry_after", None)  # throttling says when to come back
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        if error.status_code == 401:  # a refused sign-in, as OAuth2 clients expect it
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        return JSONResponse(status_code=error.status_code, content={"detail": detail}, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's list of problems stays in `detail` (clients read each field's `loc`); the summary above
        # it says the same in both languages.
        broken_json = any(item.get("type") == "json_invalid" for item in error.errors())
        message = ("the body is not valid JSON" if broken_json
                   else "the request is not valid: see detail for each field")
        message_ja = ("本文がJSONとして正しくありません" if broken_json
                      else "リクエストの内容に誤りがあります（各項目は detail を参照してください）")
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(error.errors()),
                                                      "message": message, "message_ja": message_ja})

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_request: Request, _error: Exception) -> JSONResponse:
        # A number past what the database column holds (an id of 20 digits, an amount past BIGINT): the
        # request is wrong, not the server, and the transaction rolled back.
        detail = {"code": "out_of_range", "message": "a number in the request is out of range",
                  "message_ja": "リクエスト内の数値が範囲外です"}
        return JSONResponse(status_code=422, content={"detail": detail})
