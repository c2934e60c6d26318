"""What is still open in an application's follow-up: the reasons completing it would close something by
accident (issue 20, "No irreversible default"). Pure reads of the follow-up tables; the applications service
refuses a follow-up completion (409) listing them unless the official records an override reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.follow_up.models import AcquisitionReport, AnnualReport, Deadline

DEADLINE_KIND_JA = {"acquisition_window": "設備取得期限", "planned_acquisition": "取得予定日",
                    "annual_report": "事業実施状況報告の期限", "revision_request": "補正期限",
                    "step_target": "審査目標日"}
DEADLINE_KIND_EN = {"acquisition_window": "acquisition deadline", "planned_acquisition": "planned acquisition",
                    "annual_report": "annual report", "revision_request": "revision deadline",
                    "step_target": "step target date"}


@dataclass(frozen=True)
class OpenItem:
    kind: str  # open_deadline | missed_deadline | unreviewed_report
    message_ja: str
    message_en: str


def _deadline_words(row: Deadline) -> tuple[str, str]:
    ja = DEADLINE_KIND_JA.get(row.kind, "期限")
    en = DEADLINE_KIND_EN.get(row.kind, "deadline")
    if row.fiscal_year:
        ja, en = f"{ja}（{row.fiscal_year}年度）", f"{en} (fiscal year {row.fiscal_year})"
    day = row.due_at.astimezone(UTC).date() if row.due_at.tzinfo else row.due_at.date()
    return f"{ja} {day}", f"{en} {day}"


async def open_items(session: AsyncSession, application_id: int) -> list[OpenItem]:
    """Open deadlines, missed deadlines (nothing settles a missed one but the official's decision) and reports
    not yet reviewed or still queried."""
    items: list[OpenItem] = []
    deadlines = (await session.execute(select(Deadline).where(Deadline.application_id == application_id)
                                       .order_by(Deadline.due_at, Deadline.key))).scalars().all()
    for row in deadlines:
        ja, en = _deadline_words(row)
        if row.state in ("open", "extended"):
            items.append(OpenItem("open_deadline", f"期限が未到来です: {ja}", f"a deadline is still open: {en}"))
        elif row.state == "missed":
            items.append(OpenItem("missed_deadline", f"期限を過ぎたまま未処理です: {ja}",
                                  f"a deadline was missed and is not settled: {en}"))
    for table, ja, en in ((AcquisitionReport, "取得報告", "acquisition report"),
                          (AnnualReport, "事業実施状況報告", "annual report")):
        rows = (await session.execute(select(table).where(
            table.application_id == application_id, table.review_status.in_(("pending", "queried")))
            .order_by(table.id))).scalars().all()
        for row in rows:
            label_ja = f"{ja} #{row.id}" + (f"（{row.fiscal_year}年度）" if table is AnnualReport else "")
            label_en = f"{en} #{row.id}" + (f" (fiscal year {row.fiscal_year})" if table is AnnualReport else "")
            if row.review_status == "queried":
                items.append(OpenItem("unreviewed_report", f"照会中で未確認の報告があります: {label_ja}",
                                      f"a queried report is not confirmed yet: {label_en}"))
            else:
                items.append(OpenItem("unreviewed_report", f"未確認の報告があります: {label_ja}",
                                      f"a report is not reviewed yet: {label_en}"))
    return items
