"""Structured logs: one JSON object per line, each carrying the request id, application id and workflow id.

The ids live in context variables, so whatever logs while a request, a workflow update or an activity is
being handled (our code, SQLAlchemy, uvicorn's access log) gets them without passing them around. The API
binds them per request; Temporal interceptors (services.core.platform.log_context) carry the request id through the
workflow into its activities, so one id follows a decision from the HTTP call to the database write.

Standard library only: the workflow sandbox imports this module passed through.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str | None] = ContextVar("tokku_request_id", default=None)
application_id: ContextVar[int | None] = ContextVar("tokku_application_id", default=None)
workflow_id: ContextVar[str | None] = ContextVar("tokku_workflow_id", default=None)

_WORKFLOW_ID = re.compile(r"^application-(\d+)$")
# Attributes every LogRecord has; anything else was passed as `extra=` and goes into the line.
_RECORD_ATTRIBUTES = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "taskName", "color_message"}


def application_id_of(workflow: str | None) -> int | None:
    """The application behind a workflow id (`application-<id>`, see workflows.contracts)."""
    match = _WORKFLOW_ID.match(workflow or "")
    return int(match.group(1)) if match else None


@contextmanager
def bound(*, request: str | None = None, application: int | None = None,
          workflow: str | None = None) -> Iterator[None]:
    """Bind the given ids for the code inside; ids not given keep their outer value."""
    tokens = []
    if request is not None:
        tokens.append((request_id, request_id.set(request)))
    if workflow is not None:
        tokens.append((workflow_id, workflow_id.set(workflow)))
        application = application if application is not None else application_id_of(workflow)
    if application is not None:
        tokens.append((application_id, application_id.set(application)))
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def current_ids() -> dict[str, Any]:
    return {"request_id": request_id.get(), "application_id": application_id.get(), "workflow_id": workflow_id.get()}


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", "application_id", "workflow_id", ...extra}`."""

    def format(self, record: logging.LogRecord) -> str:
        ids = current_ids()
        # Temporal's workflow and activity loggers put their info on the record: use it where the context
        # has nothing (a workflow's main loop, a timer firing).
        temporal = getattr(record, "temporal_workflow", None) or getattr(record, "temporal_activity", None)
        if isinstance(temporal, dict) and not ids["workflow_id"]:
            ids["workflow_id"] = temporal.get("workflow_id")
        if ids["application_id"] is None:
            ids["application_id"] = application_id_of(ids["workflow_id"])
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
            **ids,
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person at a terminal (`tokku dev`): the usual line, with the ids that are set."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{key}={value}" for key, value in current_ids().items() if value is not None)
        return f"{super().format(record)} [{ids}]" if ids else super().format(record)


def logging_config(level: str = "INFO", log_format: str = "json") -> dict[str, Any]:
    """A dictConfig for the root logger. uvicorn gets it too (`log_config=`), so its worker processes and
    its access log write the same lines; its own handlers are dropped and its loggers propagate to root."""
    formatter = "services.core.platform.logging.JsonFormatter" if log_format == "json" else "services.core.platform.logging.TextFormatter"
    quiet = {name: {"level": "WARNING"} for name in ("temporalio", "alembic", "httpx", "aiosmtpd", "mail.log")}
    # Workflow and activity code logs through these two: keep them at the chosen level.
    ours = {name: {"level": level.upper()}
            for name in ("temporalio.workflow", "temporalio.activity", "alembic.runtime.migration")}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"tokku": {"()": formatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "tokku", "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
            **quiet,
            **ours,
        },
    }


def configure_logging(level: str = "INFO", log_format: str = "json") -> None:
    import logging.config

    logging.config.dictConfig(logging_config(level, log_format))
    if log_format == "json":
        import temporalio.activity
        import temporalio.workflow

        # Temporal's loggers also append their info to the message text; JSON has it as a field already.
        temporalio.activity.logger.activity_info_on_message = False
        temporalio.workflow.logger.workflow_info_on_message = False
