"""The plan's documents as files: 別添3, 別紙1-2/1-5, 別添6 and the targets table, public or internal."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from services.api.deps import CurrentUser, DocumentViewer, Plan, Rounds, Sessions, SettingsDep
from services.core.applications import access
from services.core.documents.export import KINDS, check_request, export_document
from services.core.documents.redaction import INTERNAL
from services.core.platform.exceptions import Forbidden

router = APIRouter(tags=["documents"])


@router.get("/documents", summary="The documents that can be generated")
async def list_documents(user: CurrentUser) -> dict[str, Any]:
    return {"kinds": KINDS, "formats": ["html", "md", "csv", "xlsx"], "audiences": ["public", "internal"]}


@router.get("/documents/{kind}", summary="Generate a document (html, md, csv or xlsx) for the public or for "
                                         "officials; ?round= limits 別添3 and 別紙 to a filing round",
            responses={200: {"content": {"text/html": {}, "text/markdown": {}, "text/csv": {},
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
async def get_document(kind: str, user: CurrentUser, viewer: DocumentViewer, plan: Plan, sessions: Sessions,
                       settings: SettingsDep,
                       rounds: Rounds, fmt: Annotated[str, Query(alias="format")] = "html",
                       audience: Annotated[str, Query()] = "public",
                       round_id: Annotated[int | None, Query(alias="round")] = None) -> Response:
    check_request(kind, fmt, audience)
    if audience == INTERNAL and not access.can_read_internal_documents(user):
        raise Forbidden("the internal version holds undisclosed information: officials only; ask for "
                        "audience=public", "内部資料（非公表情報を含む）は職員のみ取得できます。公表版を指定してください")
    application_ids = None
    if round_id is not None:
        application_ids = await rounds.round_application_ids(user, round_id)
    async with sessions() as session:
        exported = await export_document(session, plan, kind=kind, fmt=fmt, audience=audience,
                                         viewer=viewer, application_ids=application_ids, round_id=round_id,
                                         measure_extension_until=settings.measure_extension_until)
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(exported.content, media_type=exported.media_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(exported.filename)}",
        "Cache-Control": "no-store" if audience == INTERNAL else "private, max-age=0"})
