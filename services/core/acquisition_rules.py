"""The rules an acquisition report is checked against (tax incentive, DOMAIN.md). Pure functions.

A report that breaks a rule is kept, with one finding per broken rule in words (Japanese and English);
the official decides. Rule values come from settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.core.zone import find_area

ASSET_LABELS_JA = {"machinery": "機械・装置", "rd_instrument": "開発研究用器具・備品", "building": "建物",
                   "building_attachment": "建物附属設備", "structure": "構築物"}


@dataclass(frozen=True)
class AcquisitionFacts:
    asset_class: str
    actual_cost_jpy: int
    acquired_on: date
    in_service_on: date | None
    location: str


@dataclass(frozen=True)
class DesignationFacts:
    designated_on: date
    acquisition_from: date
    acquisition_until: date
    business_area: str | None


def finding(rule: str, message_ja: str, message: str) -> dict[str, str]:
    return {"rule": rule, "message_ja": message_ja, "message": message}


def check_acquisition(report: AcquisitionFacts, designation: DesignationFacts,
                      minimum_cost_jpy: dict[str, int]) -> list[dict[str, str]]:
    findings = []
    minimum = minimum_cost_jpy.get(report.asset_class, 0)
    if report.actual_cost_jpy < minimum:
        label = ASSET_LABELS_JA.get(report.asset_class, report.asset_class)
        findings.append(finding(
            "minimum_cost",
            f"取得価額 {report.actual_cost_jpy:,}円 は{label}の下限 {minimum:,}円 に達していません",
            f"actual cost ¥{report.actual_cost_jpy:,} is below the minimum of ¥{minimum:,} for {report.asset_class}"))
    if report.acquired_on <= designation.designated_on:
        findings.append(finding(
            "after_designation",
            f"取得日 {report.acquired_on} が指定日 {designation.designated_on} より後ではありません",
            f"acquired on {report.acquired_on}, not after the designation date {designation.designated_on}"))
    if not designation.acquisition_from <= report.acquired_on <= designation.acquisition_until:
        findings.append(finding(
            "inside_window",
            f"取得日 {report.acquired_on} が取得期間（{designation.acquisition_from}〜{designation.acquisition_until}）"
            "の外です",
            f"acquired on {report.acquired_on}, outside the acquisition window "
            f"{designation.acquisition_from} to {designation.acquisition_until}"))
    if report.in_service_on is None:
        findings.append(finding(
            "in_service_reported", "事業の用に供した日（供用開始日）が未記入です",
            "the in-service date is missing: officials need both acquisition and start of use"))
    elif report.in_service_on < report.acquired_on:
        findings.append(finding(
            "in_service_after_acquisition",
            f"供用開始日 {report.in_service_on} が取得日 {report.acquired_on} より前です",
            f"in service on {report.in_service_on}, before the acquisition date {report.acquired_on}"))
    elif report.in_service_on > designation.acquisition_until:
        findings.append(finding(
            "in_service_by_deadline",
            f"供用開始日 {report.in_service_on} が取得期限 {designation.acquisition_until} を過ぎています",
            f"in service on {report.in_service_on}, after the acquisition deadline {designation.acquisition_until}"))
    project_area = find_area(designation.business_area) if designation.business_area else None
    location_area = find_area(report.location)
    if location_area is None or (project_area is not None and location_area.key != project_area.key):
        where = project_area.name if project_area else "特区の区域"
        findings.append(finding(
            "location_in_area",
            f"設置場所「{report.location}」が事業の区域（{where}）内ではありません",
            f"location {report.location!r} is not inside the project's zone area"))
    return findings
