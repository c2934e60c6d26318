"""Documents attached to an application (PDF and images): stored in the database with a SHA-256 checksum.

The database keeps them so every API replica sees the same files and a backup holds everything. The type is
decided by the file's first bytes (never by its name or the browser's claim), the size is capped by a
setting, and the stored name is reduced to safe characters.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, LargeBinary, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.accounts.models import User
from services.core.applications import models as _applications_tables  # noqa: F401 - tables its foreign keys name
from services.core.applications.service import EDITABLE_STATUSES, ApplicationService
from services.core.platform.exceptions import Conflict, Forbidden, Invalid, NotFound
from services.core.platform.tables import UTCDateTime, utcnow
from workflows import rules
from workflows.contracts import Role, Status


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by: int = Field(foreign_key="users.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    application_id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


# (leading bytes, content type, extension). WebP is RIFF....WEBP, checked separately.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def sniff_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the magic bytes, or None for anything but PDF and images."""
    for magic, content_type, extension in _SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def safe_filename(name: str, extension: str) -> str:
    """Keep letters (Japanese too), digits, '-', '_' and '.'; no paths; the extension matches the content."""
    base = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w\-.]+", "_", stem, flags=re.UNICODE).strip("._")[:100] or "attachment"
    return f"{stem}.{extension}"


def _info(row: Attachment) -> AttachmentInfo:
    return AttachmentInfo(id=row.id, application_id=row.application_id, filename=row.filename,
                          content_type=row.content_type, size_bytes=row.size_bytes, sha256=row.sha256,
                          uploaded_at=row.uploaded_at)


@dataclass
class AttachmentService:
    """Who may see an application is services/core/applications/access.py's rule (through
    ApplicationService.get); this service reuses it."""

    sessions: async_sessionmaker[AsyncSession]
    applications: ApplicationService
    max_bytes: int

    async def add(self, user: User, application_id: int, filename: str, data: bytes, *,
                  answering_query: bool = False) -> AttachmentInfo:
        """`answering_query`: a document the company attaches to its answer to a query about a report, in
        follow-up (the application itself is no longer editable then)."""
        application = await self.applications.get(user, application_id)  # 404 unless visible
        if answering_query and Status(application.status) == Status.follow_up:
            self._require_editable(user, application.organization_id, Status.draft)  # the company's own only
        else:
            self._require_editable(user, application.organization_id, application.status)
        if not data:
            raise Invalid("the file is empty", "ファイルが空です", errors=[{"field": "file", "message": "empty"}])
        if len(data) > self.max_bytes:
            limit_mb = self.max_bytes / (1024 * 1024)
            raise Invalid(f"the file is larger than {limit_mb:g} MB", f"ファイルは{limit_mb:g}MB以下にしてください",
                          errors=[{"field": "file", "message": f"max {self.max_bytes} bytes"}])
        sniffed = sniff_type(data)
        if sniffed is None:
            raise Invalid("only PDF and image files (PNG, JPEG, GIF, WebP) can be attached",
                          "添付できるのはPDFと画像（PNG・JPEG・GIF・WebP）のみです",
                          errors=[{"field": "file", "message": "unsupported type"}])
        content_type, extension = sniffed
        row = Attachment(application_id=application_id, filename=safe_filename(filename, extension),
                         content_type=content_type, size_bytes=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by=user.id)
        async with self.sessions() as session:
            session.add(row)
            await session.commit()
            return _info(row)

    async def list(self, user: User, application_id: int) -> list[AttachmentInfo]:
        await self.applications.get(user, application_id)
        async with self.sessions() as session:
            rows = (await session.execute(
                select(Attachment).where(Attachment.application_id == application_id).order_by(Attachment.id)
            )).scalars().all()
        return [_info(row) for row in rows]

    async def read(self, user: User, application_id: int, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
        await self.applications.get(user, application_id)
        async with self.sessions() as session:
            row = await session.get(Attachment, attachment_id)
        if row is None or row.application_id != application_id:
            raise NotFound(f"attachment {attachment_id} does not exist", "添付ファイルが見つかりません")
        if hashlib.sha256(row.data).hexdigest() != row.sha256:  # stored bytes changed: never serve them
            raise Conflict("the stored file does not match its checksum", "保存されたファイルが破損しています")
        return _info(row), row.data

    async def remove(self, user: User, application_id: int, attachment_id: int) -> None:
        application = await self.applications.get(user, application_id)
        self._require_editable(user, application.organization_id, application.status)
        async with self.sessions() as session:
            await session.execute(delete(Attachment).where(Attachment.id == attachment_id,
                                                           Attachment.application_id == application_id))
            await session.commit()

    @staticmethod
    def _require_editable(user: User, organization_id: int, status: Status) -> None:
        if user.role != Role.applicant or user.organization_id != organization_id:
            raise Forbidden("only the applicant company attaches documents", "添付は申請企業の利用者のみ行えます")
        if Status(status) not in EDITABLE_STATUSES:
            raise Conflict(f"the application is {status}; documents can be attached to a draft or when returned",
                           f"この申請は「{rules.STATUS_LABELS_JA[Status(status)]}」のため添付を変更できません")
