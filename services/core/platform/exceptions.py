"""Domain errors with bilingual messages; the API maps each class to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, message: str, message_ja: str | None = None, *, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_ja = message_ja or message
        self.errors = errors or []


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    status_code = 409
    code = "wrong_step"


class Invalid(DomainError):
    status_code = 422
    code = "invalid"


class Unavailable(DomainError):
    status_code = 503
    code = "unavailable"


# The refusals a workflow or activity carries by code (ApplicationError.type), mapped back to their class.
REFUSALS: dict[str, type[DomainError]] = {error.code: error for error in (NotFound, Forbidden, Conflict, Invalid)}
