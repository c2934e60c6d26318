"""The yearly evaluation (評価書（案）): the draft for a fiscal year as JSON or as a document, and the figures
the secretariat enters for it with their source."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response

from services.api.deps import CurrentUser, Evaluations, Plan
from services.core.documents import evaluation as evaluation_document
from services.core.documents.export import FORMATS, zone_name
from services.core.evaluation.schemas import EvaluationDraft, FigureCreate, FigurePublic
from services.core.platform.exceptions import Invalid

router = APIRouter(prefix="/evaluation", tags=["evaluation"])
FiscalYear = Annotated[int, Path(ge=2000, le=2100, description="the fiscal year (2023 = 令和5年度, April–March)")]


@router.get("/{fiscal_year}", response_model=EvaluationDraft,
            summary="The evaluation draft for a fiscal year: targets with actuals, designations, acquisitions, "
                    "loans and the entered figures (officials, secretariat, administrators)")
async def get_evaluation(fiscal_year: FiscalYear, user: CurrentUser, evaluations: Evaluations) -> EvaluationDraft:
    return await evaluations.draft(user, fiscal_year)


@router.get("/{fiscal_year}/document", summary="The evaluation draft as html, md, csv or xlsx",
            responses={200: {"content": {"text/html": {}, "text/markdown": {}, "text/csv": {},
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
async def get_evaluation_document(fiscal_year: FiscalYear, user: CurrentUser, evaluations: Evaluations, plan: Plan,
                                  fmt: Annotated[str, Query(alias="format")] = "html") -> Response:
    if fmt not in FORMATS:
        raise Invalid("unknown format", "形式の指定が正しくありません",
                      errors=[{"field": "format", "message": f"choose one of {', '.join(FORMATS)}"}])
    draft = await evaluations.draft(user, fiscal_year)
    media_type, render = FORMATS[fmt]
    filename = f"evaluation-{fiscal_year}.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(render(evaluation_document.build(draft, zone_name=zone_name(plan))), media_type=media_type,
                    headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
                             "Cache-Control": "private, max-age=0"})


@router.get("/{fiscal_year}/figures", response_model=list[FigurePublic],
            summary="Figures entered for the year, with their source")
async def list_figures(fiscal_year: FiscalYear, user: CurrentUser, evaluations: Evaluations) -> list[FigurePublic]:
    return await evaluations.figures(user, fiscal_year)


@router.post("/{fiscal_year}/figures", response_model=FigurePublic,
             summary="Enter a figure tokku does not hold, with its source; the same label replaces it (secretariat)")
async def enter_figure(fiscal_year: FiscalYear, body: FigureCreate, user: CurrentUser,
                       evaluations: Evaluations) -> FigurePublic:
    return await evaluations.enter_figure(user, fiscal_year, body)
