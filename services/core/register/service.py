"""The public register (総合特別区域法 第26条第4項): every designation of a company (指定), every later
designation of a changed plan entry (変更) and every revocation (指定取消), read from the event log.

    await register_entries(session) -> list[RegisterEntry]     newest first

Read only: a designation is the `designation/designate` decision event, a revocation the
`follow_up/revoke` one; a second designation of the same application is a change. Each entry is redacted for
the public as it is built (services/core/documents/redaction.py): a project name marked 非公表 prints
《非公表》, an undisclosed business area hides the zone area too (it would tell where the business is), and
an undisclosed acquisition date hides the designation's window. The revocation's free-text reason is not
published: it is written to the company, may hold what it keeps undisclosed, and the law asks for the fact.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.applications.models import Application, ApplicationStatus, Event
from services.core.documents.redaction import UNDISCLOSED, Redactor
from services.core.register.schemas import RegisterEntry
from services.core.zone.addresses import area_by_key
from workflows.contracts import Government
from workflows.rules import GOVERNMENT_LABELS_JA

JAPAN = ZoneInfo("Asia/Tokyo")
KIND_JA = {"designation": "指定", "change": "変更", "revocation": "指定取消"}
BASIS = {"designation": "総合特別区域法第26条第1項・第4項（指定の公表）",
         "change": "総合特別区域法第14条・第26条第4項（計画変更後の指定の公表）",
         "revocation": "総合特別区域法第26条第3項・第4項（指定の取消しの公表）"}
# Stable, opaque entry ids: derived from the event, so the feed never shows an application's number.
_ENTRY_NAMESPACE = uuid.UUID("6b0f3c56-3f1e-5d8a-9a57-2b7d0c1e4f10")


def _is_designation(event: Event) -> bool:
    return event.kind == "decision" and event.step == "designation" and event.outcome == "designate"


def _is_revocation(event: Event) -> bool:
    return event.kind == "decision" and event.step == "follow_up" and event.outcome == "revoke"


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


async def register_entries(session: AsyncSession) -> list[RegisterEntry]:
    rows = (await session.execute(
        select(Event, Application, ApplicationStatus)
        .join(Application, Application.id == Event.application_id)
        .outerjoin(ApplicationStatus, ApplicationStatus.application_id == Event.application_id)
        .where(Event.kind == "decision",
               or_((Event.step == "designation") & (Event.outcome == "designate"),
                   (Event.step == "follow_up") & (Event.outcome == "revoke")))
        .order_by(Event.application_id, Event.seq))).all()
    entries: list[RegisterEntry] = []
    designation: dict[int, dict[str, Any]] = {}  # the designation in force, per application
    for event, application, status in rows:
        if _is_designation(event):
            kind = "change" if event.application_id in designation else "designation"
            designation[event.application_id] = event.payload or {}
        elif _is_revocation(event) and event.application_id in designation:
            kind = "revocation"
        else:
            continue  # a revocation without a designation cannot happen; nothing to publish
        entries.append(_entry(kind, event, application, status, designation[event.application_id]))
    entries.sort(key=lambda e: (e.occurred_on, e.recorded_at), reverse=True)
    return entries


def _entry(kind: str, event: Event, application: Application, status: ApplicationStatus | None,
           designated: dict[str, Any]) -> RegisterEntry:
    redactor = Redactor(application.content or {}, reveal=False)
    recorded_at: datetime = event.occurred_at
    designated_on = _date(designated.get("designated_on")) or recorded_at.astimezone(JAPAN).date()
    occurred_on = designated_on if kind != "revocation" else recorded_at.astimezone(JAPAN).date()
    zone_area = area_by_key(application.zone_area)
    if redactor.hidden("business_area"):
        area = area_en = UNDISCLOSED
    else:
        area, area_en = (zone_area.name, zone_area.name_en) if zone_area else (None, None)
    window_hidden = redactor.hidden("acquisition_from") or redactor.hidden("acquisition_until")
    government = (status.government if status else None) or application.government or Government.kanagawa.value
    return RegisterEntry(
        kind=kind, kind_ja=KIND_JA[kind], occurred_on=occurred_on, recorded_at=recorded_at,
        company=((application.content or {}).get("applicant") or {}).get("name") or "",
        project=redactor.text("project_name") or application.project_name or "",
        government=government, government_ja=GOVERNMENT_LABELS_JA.get(Government(government), government),
        area=area, area_en=area_en, designation_number=str(designated.get("designation_number") or ""),
        designated_on=designated_on,
        acquisition_from=None if window_hidden else _date(designated.get("acquisition_from")),
        acquisition_until=None if window_hidden else _date(designated.get("acquisition_until")),
        window_undisclosed=window_hidden, basis=BASIS[kind],
        entry_id=f"urn:uuid:{uuid.uuid5(_ENTRY_NAMESPACE, f'{event.application_id}:{event.seq}')}")
