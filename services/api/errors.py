"""One place that turns domain errors into HTTP answers a person can act on (English and Japanese)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.core.exceptions import DomainError


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, error: DomainError) -> JSONResponse:
        detail = {"code": error.code, "message": error.message, "message_ja": error.message_ja}
        if error.errors:
            detail["errors"] = error.errors
        return JSONResponse(status_code=error.status_code, content={"detail": detail})
