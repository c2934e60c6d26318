"""The public register's entries (公表): designations, changes and revocations, already redacted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

EntryKind = Literal["designation", "change", "revocation"]


class RegisterEntry(BaseModel):
    """One published fact. Undisclosed fields (非公表) are 《非公表》 here already; nothing internal (ids of
    applications, users or organisations) is carried."""

    kind: EntryKind
    kind_ja: str = Field(description="指定 | 変更 | 指定取消")
    occurred_on: date = Field(description="the designation date (指定日), or the day of the revocation")
    recorded_at: datetime = Field(description="when the decision was recorded")
    company: str
    project: str = Field(description="the project's name, or 《非公表》")
    government: str = Field(description="the designating government: kanagawa | yokohama | kawasaki")
    government_ja: str
    area: str | None = Field(description="the zone area's name (data/zone-areas.json), or 《非公表》")
    area_en: str | None
    designation_number: str
    designated_on: date
    acquisition_from: date | None = Field(description="the designation's acquisition window; None when 非公表")
    acquisition_until: date | None
    window_undisclosed: bool = False
    basis: str = Field(description="the article the entry is published under")
    entry_id: str = Field(description="a stable opaque id (urn:uuid), the Atom entry id")
