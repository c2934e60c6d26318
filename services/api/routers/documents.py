"""The plan's documents as files: 別添3, 別紙1-2/1-5, 別添6 and the targets table, public or internal."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from services.api.deps import CurrentUser, Service
from services.core.applications import ApplicationService
from services.core.documents.export import KINDS, Viewer, check_request, export_document
from services.core.documents.redaction import INTERNAL
from services.core.exceptions import Forbidden
from services.core.rounds import RoundService
from services.core.seed import load_plan
from workflows.contracts import Role

router = APIRouter(tags=["documents"])

INTERNAL_ROLES = (Role.local_official, Role.national_official, Role.secretariat, Role.admin)


def plan_of(request: Request) -> dict[str, Any]:
    """The certified plan (data/seed-plan.json), read once per process."""
    if getattr(request.app.state, "plan", None) is None:
        request.app.state.plan = load_plan(request.app.state.settings.seed_plan_path)
    return request.app.state.plan


@router.get("/documents", summary="The documents that can be generated")
async def list_documents(user: CurrentUser) -> dict[str, Any]:
    return {"kinds": KINDS, "formats": ["html", "md", "csv", "xlsx"], "audiences": ["public", "internal"]}


@router.get("/documents/{kind}", summary="Generate a document (html, md, csv or xlsx) for the public or for "
                                         "officials; ?round= limits 別添3 and 別紙 to a filing round",
            responses={200: {"content": {"text/html": {}, "text/markdown": {}, "text/csv": {},
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
async def get_document(kind: str, request: Request, user: CurrentUser, service: Service,
                       fmt: Annotated[str, Query(alias="format")] = "html",
                       audience: Annotated[str, Query()] = "public",
                       round_id: Annotated[int | None, Query(alias="round")] = None) -> Response:
    check_request(kind, fmt, audience)
    if audience == INTERNAL and user.role not in INTERNAL_ROLES:
        raise Forbidden("the internal version holds undisclosed information: officials only; ask for "
                        "audience=public", "内部資料（非公表情報を含む）は職員のみ取得できます。公表版を指定してください")
    application_ids = None
    if round_id is not None:
        rounds = RoundService(request.app.state.sessions, service)
        application_ids = await rounds.round_application_ids(user, round_id)
    viewer = Viewer(actor=user.username, channel="api", user_id=user.id,
                    may_see=lambda status: ApplicationService.can_view(user, status))
    async with request.app.state.sessions() as session:
        exported = await export_document(session, plan_of(request), kind=kind, fmt=fmt, audience=audience,
                                         viewer=viewer, application_ids=application_ids, round_id=round_id)
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(exported.content, media_type=exported.media_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(exported.filename)}",
        "Cache-Control": "no-store" if audience == INTERNAL else "private, max-age=0"})
