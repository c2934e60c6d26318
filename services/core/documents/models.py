"""The audit of document exports: who exported which document, for which audience, when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow
from services.core.rounds import models as _rounds_tables  # noqa: F401 - tables its foreign keys name


class DocumentExport(SQLModel, table=True):
    """Audit of exports that contain undisclosed information (internal audience): who, what, when."""

    __tablename__ = "document_exports"

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    format: str
    audience: str
    round_id: int | None = Field(default=None, foreign_key="filing_rounds.id")
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    actor: str = Field(description="username, or cli:<os user> for the command line")
    channel: str = Field(description="api | cli")
    filename: str
    sha256: str
    size_bytes: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
