"""The zone: progress of its numeric targets (JSON and chart) and its regional council's record."""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.api.deps import CurrentUser, Plan, Sessions
from services.core.council import service as council_records
from services.core.council.service import CouncilRecord
from services.core.documents.chart import targets_svg
from services.core.platform.exceptions import NotFound
from services.core.zone.targets import TargetProgress, target_progress

router = APIRouter(prefix="/zone", tags=["zone"])


@router.get("/targets", response_model=list[TargetProgress],
            summary="The six numeric targets (FY2022–FY2026): per fiscal year, cumulative, share reached")
async def get_targets(user: CurrentUser, sessions: Sessions, plan: Plan) -> list[TargetProgress]:
    async with sessions() as session:
        return await target_progress(session, plan)


@router.get("/targets/chart.svg", summary="The targets' progress as an SVG chart",
            responses={200: {"content": {"image/svg+xml": {}}}})
async def get_targets_chart(user: CurrentUser, sessions: Sessions, plan: Plan) -> Response:
    async with sessions() as session:
        progress = await target_progress(session, plan)
    return Response(targets_svg(progress), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=60"})


@router.get("/council", response_model=CouncilRecord,
            summary="The regional council: members by category and every consultation (別添6), including "
                    "those recorded by council decisions")
async def get_council(user: CurrentUser, sessions: Sessions) -> CouncilRecord:
    async with sessions() as session:
        record = await council_records.council_record(session)
    if record is None:
        raise NotFound("no regional council is recorded", "地域協議会の記録がありません")
    return record
