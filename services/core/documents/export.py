"""Generate one document in one format for one audience, and audit internal exports.

    await export_document(session, plan, kind=..., fmt=..., audience=..., viewer=..., application_ids=None)
        -> ExportFile(filename, media_type, content)

`application_ids` scopes 別添3 and 別紙 to a filing round (None: the whole plan). The viewer decides what
"internal" reveals: an application's undisclosed fields only to someone allowed to see that application
(the command line, run by the operator on the server, sees all). Every internal export leaves a
document_exports row: who exported which document, in which format, with the file's checksum.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.core.applications.models import ApplicationStatus
from services.core.council import service as council_records
from services.core.documents import besshi, betten3, betten6, sources, targets_table
from services.core.documents.html import render_html
from services.core.documents.markdown import render_markdown
from services.core.documents.model import Document
from services.core.documents.models import DocumentExport
from services.core.documents.redaction import AUDIENCES, INTERNAL
from services.core.documents.tabular import render_csv, render_xlsx
from services.core.platform.exceptions import Invalid, NotFound
from services.core.zone.targets import target_progress

KINDS = {
    "betten3": "別添3 特別の措置の適用を受ける主体の特定の状況",
    "besshi": "別紙1-2・別紙1-4・別紙1-5 国際戦略事業",
    "betten6": "別添6 地域協議会の協議の概要",
    "targets": "評価指標・数値目標の達成状況",
}
ROUND_KINDS = ("betten3", "besshi")  # the documents that list a round's own applications
FORMATS = {
    "html": ("text/html; charset=utf-8", render_html),
    "md": ("text/markdown; charset=utf-8", render_markdown),
    "csv": ("text/csv; charset=utf-8", render_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", render_xlsx),
}


@dataclass
class Viewer:
    actor: str
    channel: str  # api | cli
    may_see: Callable[[ApplicationStatus], bool]
    user_id: int | None = None


@dataclass
class ExportFile:
    filename: str
    media_type: str
    content: bytes


def check_request(kind: str, fmt: str, audience: str) -> None:
    problems = []
    if kind not in KINDS:
        problems.append({"field": "kind", "message": f"choose one of {', '.join(KINDS)}"})
    if fmt not in FORMATS:
        problems.append({"field": "format", "message": f"choose one of {', '.join(FORMATS)}"})
    if audience not in AUDIENCES:
        problems.append({"field": "audience", "message": f"choose one of {', '.join(AUDIENCES)}"})
    if problems:
        raise Invalid("unknown document, format or audience", "文書の種類・形式・公開区分の指定が正しくありません",
                      errors=problems)


def zone_name(plan: dict[str, Any]) -> str:
    """The zone's name as the plan spells it everywhere but once (its section 1 drops an イ)."""
    return plan["zone"].get("name_elsewhere_in_document") or plan["zone"]["name"]


async def build_document(session: AsyncSession, plan: dict[str, Any], *, kind: str, audience: str, viewer: Viewer,
                         application_ids: list[int] | None = None, scope: str = "計画全体",
                         measure_extension_until: date | None = None) -> Document:
    def reveal(status: ApplicationStatus) -> bool:
        return audience == INTERNAL and viewer.may_see(status)

    if kind == "betten3":
        records = await sources.entities(session, plan, reveal=reveal, application_ids=application_ids)
        return betten3.build(records, audience=audience, scope=scope)
    if kind == "besshi":
        pages = await sources.pages(session, plan, reveal=reveal, application_ids=application_ids,
                                    extension_until=measure_extension_until)
        return besshi.build(pages, audience=audience, scope=scope)
    if kind == "betten6":
        record = await council_records.council_record(session)
        if record is None:
            raise NotFound("no regional council is recorded", "地域協議会の記録がありません")
        return betten6.build(record, audience=audience)
    progress = await target_progress(session, plan)
    return targets_table.build(progress, audience=audience, zone_name=zone_name(plan))


async def export_document(session: AsyncSession, plan: dict[str, Any], *, kind: str, fmt: str, audience: str,
                          viewer: Viewer, application_ids: list[int] | None = None,
                          round_id: int | None = None, measure_extension_until: date | None = None) -> ExportFile:
    """`measure_extension_until`: the deployment's tax measure extension setting (the internal 別紙 estimates
    the benefit of acquisitions at the rates it allows)."""
    check_request(kind, fmt, audience)
    scope = f"計画変更の申請 ラウンド{round_id}" if round_id is not None else "計画全体"
    ids = application_ids if kind in ROUND_KINDS else None
    document = await build_document(session, plan, kind=kind, audience=audience, viewer=viewer,
                                    application_ids=ids, scope=scope, measure_extension_until=measure_extension_until)
    media_type, render = FORMATS[fmt]
    content = render(document)
    suffix = f"-round{round_id}" if round_id is not None and kind in ROUND_KINDS else ""
    filename = f"{kind}{suffix}-{audience}.{fmt}"
    if audience == INTERNAL:
        session.add(DocumentExport(kind=kind, format=fmt, audience=audience, round_id=round_id,
                                   user_id=viewer.user_id, actor=viewer.actor, channel=viewer.channel,
                                   filename=filename, sha256=hashlib.sha256(content).hexdigest(),
                                   size_bytes=len(content)))
        await session.commit()
    return ExportFile(filename=filename, media_type=media_type, content=content)

