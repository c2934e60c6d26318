"""Follow-up: acquisition and annual reports, deadlines and their extension."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.api.deps import CurrentUser, FollowUp, IdempotencyKey
from services.core.follow_up.schemas import (
    AcquisitionReportCreate,
    AcquisitionReportPublic,
    AnnualReportCreate,
    AnnualReportPublic,
    DeadlineExtendRequest,
    DeadlineView,
    ReportAnswer,
    ReportMessagePublic,
    ReviewRequest,
    TaxBenefitSummary,
)

router = APIRouter(prefix="/applications/{application_id}", tags=["follow-up"])


@router.post("/acquisitions", response_model=AcquisitionReportPublic, status_code=status.HTTP_201_CREATED,
             summary="Report an equipment acquisition (applicant); the rules' findings come back with it")
async def report_acquisition(application_id: int, body: AcquisitionReportCreate, user: CurrentUser,
                             follow_up: FollowUp, idempotency_key: IdempotencyKey = None) -> AcquisitionReportPublic:
    return await follow_up.report_acquisition(user, application_id, body, idempotency_key)


@router.get("/acquisitions", response_model=list[AcquisitionReportPublic], summary="Acquisition reports")
async def list_acquisitions(application_id: int, user: CurrentUser, follow_up: FollowUp) -> list[AcquisitionReportPublic]:
    return await follow_up.acquisitions(user, application_id)


@router.get("/tax-benefits", response_model=TaxBenefitSummary,
            summary="The estimated tax benefit per fiscal year of the confirmed acquisitions, both options, with "
                    "the credit cap as a formula (computed for a year when its corporate tax is given)")
async def tax_benefits(application_id: int, user: CurrentUser, follow_up: FollowUp,
                       fiscal_year: Annotated[int | None, Query(ge=2000, le=2100, description=(
                           "the year `corporate_tax_jpy` applies to; every year when omitted"))] = None,
                       corporate_tax_jpy: Annotated[int | None, Query(ge=0, le=10**15, description=(
                           "that business year's corporate tax (調整前法人税額), to compute the cap; not stored"))] = None,
                       ) -> TaxBenefitSummary:
    return await follow_up.tax_benefits(user, application_id, fiscal_year=fiscal_year,
                                        corporate_tax_jpy=corporate_tax_jpy)


@router.post("/acquisitions/{report_id}/review", response_model=AcquisitionReportPublic,
             summary="Confirm or query an acquisition report (local official)")
async def review_acquisition(application_id: int, report_id: int, body: ReviewRequest, user: CurrentUser,
                             follow_up: FollowUp, idempotency_key: IdempotencyKey = None) -> AcquisitionReportPublic:
    return await follow_up.review_acquisition(user, application_id, report_id, body, idempotency_key)


@router.post("/annual-reports", response_model=AnnualReportPublic, status_code=status.HTTP_201_CREATED,
             summary="File the annual implementation report (事業実施状況報告) for a fiscal year (applicant)")
async def file_annual_report(application_id: int, body: AnnualReportCreate, user: CurrentUser,
                             follow_up: FollowUp, idempotency_key: IdempotencyKey = None) -> AnnualReportPublic:
    return await follow_up.file_annual_report(user, application_id, body, idempotency_key)


@router.get("/annual-reports", response_model=list[AnnualReportPublic], summary="Annual implementation reports")
async def list_annual_reports(application_id: int, user: CurrentUser, follow_up: FollowUp) -> list[AnnualReportPublic]:
    return await follow_up.annual_reports(user, application_id)


@router.post("/annual-reports/{report_id}/review", response_model=AnnualReportPublic,
             summary="Confirm or query an annual report (local official)")
async def review_annual_report(application_id: int, report_id: int, body: ReviewRequest, user: CurrentUser,
                               follow_up: FollowUp, idempotency_key: IdempotencyKey = None) -> AnnualReportPublic:
    return await follow_up.review_annual_report(user, application_id, report_id, body, idempotency_key)


@router.post("/acquisitions/{report_id}/answer", response_model=ReportMessagePublic,
             status_code=status.HTTP_201_CREATED,
             summary="Answer a query about an acquisition report (applicant), optionally with the corrected report")
async def answer_acquisition(application_id: int, report_id: int, body: ReportAnswer, user: CurrentUser,
                             follow_up: FollowUp) -> ReportMessagePublic:
    return await follow_up.answer_report(user, application_id, "acquisition", report_id, body)


@router.post("/annual-reports/{report_id}/answer", response_model=ReportMessagePublic,
             status_code=status.HTTP_201_CREATED,
             summary="Answer a query about an annual report (applicant), optionally with the corrected report")
async def answer_annual_report(application_id: int, report_id: int, body: ReportAnswer, user: CurrentUser,
                               follow_up: FollowUp) -> ReportMessagePublic:
    return await follow_up.answer_report(user, application_id, "annual", report_id, body)


@router.get("/report-messages", response_model=list[ReportMessagePublic],
            summary="The queries about the application's reports and the company's answers, oldest first")
async def list_report_messages(application_id: int, user: CurrentUser, follow_up: FollowUp) -> list[ReportMessagePublic]:
    return await follow_up.report_messages(user, application_id)


@router.get("/deadlines", response_model=list[DeadlineView],
            summary="Every deadline of the application: kind, due date, what settles it, state")
async def list_deadlines(application_id: int, user: CurrentUser, follow_up: FollowUp) -> list[DeadlineView]:
    return await follow_up.deadlines(user, application_id)


@router.post("/deadlines/{deadline_id}/extend", response_model=list[DeadlineView],
             summary="Extend a deadline (local official); reminders follow the new date")
async def extend_deadline(application_id: int, deadline_id: int, body: DeadlineExtendRequest, user: CurrentUser,
                          follow_up: FollowUp, idempotency_key: IdempotencyKey = None) -> list[DeadlineView]:
    return await follow_up.extend_deadline(user, application_id, deadline_id, body, idempotency_key)
