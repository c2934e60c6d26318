"""Binds a request id (the caller's X-Request-ID, or a new one) and the application in the path to every
log line written while the request runs, returns the id in the response, and logs one line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.core.platform import logging as log_ids
from workflows.contracts import application_workflow_id

log = logging.getLogger("tokku.request")

REQUEST_ID_HEADER = "x-request-id"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # a proxy's id is kept only if it is harmless
_APPLICATION_IN_PATH = re.compile(r"/applications/(\d+)(?:/|$)")


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if _ACCEPTABLE_ID.match(candidate) else None
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        match = _APPLICATION_IN_PATH.search(scope.get("path", ""))
        application = int(match.group(1)) if match else None
        workflow = application_workflow_id(application) if application is not None else None
        status_code = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER.encode(), request_id.encode())]
            await send(message)

        with log_ids.bound(request=request_id, application=application, workflow=workflow):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                if scope.get("path") not in ("/healthz", "/readyz"):  # probes would drown the log
                    log.info("%s %s %s", scope.get("method"), scope.get("path"), status_code,
                             extra={"method": scope.get("method"), "path": scope.get("path"), "status": status_code,
                                    "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
