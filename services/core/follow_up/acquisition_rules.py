"""The rules an acquisition report is checked against (tax incentive, docs/tax-measure.md), and what the
asset earns when it keeps them. Pure functions.

A report that breaks a rule is kept, with one finding per broken rule in words (Japanese and English);
the official decides. The measure's values (minimum costs, rates, dates) are the dated rules of
services.core.measures.tax.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.core.measures import tax
from services.core.zone.addresses import area_by_key, match_address

ASSET_LABELS_JA = {"machinery": "機械・装置", "rd_instrument": "開発研究用器具・備品", "building": "建物",
                   "building_attachment": "建物附属設備", "structure": "構築物"}
# Judged on the building's total: the building with its attachments (and the structures acquired with it).
BUILDING_GROUP = frozenset({"building", "building_attachment", "structure"})


@dataclass(frozen=True)
class AcquisitionFacts:
    asset_class: str
    actual_cost_jpy: int
    acquired_on: date
    in_service_on: date | None
    location: str
    # The reported costs of every asset of the same building together, this one included; None: judged alone.
    building_total_jpy: int | None = None


@dataclass(frozen=True)
class DesignationFacts:
    designated_on: date
    acquisition_from: date
    acquisition_until: date
    business_area: str | None
    zone_area: str | None = None  # the area the application stores (kept; docs/zone.md)


def finding(rule: str, message_ja: str, message: str) -> dict[str, str]:
    return {"rule": rule, "message_ja": message_ja, "message": message}


def building_key(name: str | None) -> str | None:
    """How building names are compared: width-folded (ＡＢ → AB), spaces collapsed."""
    if name is None:
        return None
    folded = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip()
    return folded or None


def future_date_errors(acquired_on: date, in_service_on: date | None, today: date) -> list[dict[str, str]]:
    """An acquisition report tells what has happened: neither of its dates may be after today (Japan's date).
    Unlike the rules below, this refuses the report (nothing to judge yet); one error per field."""
    errors = []
    for name, day, label_ja, label_en in (("acquired_on", acquired_on, "取得日", "the acquisition date"),
                                          ("in_service_on", in_service_on, "供用開始日", "the in-service date")):
        if day is not None and day > today:
            errors.append({"field": name, "rule": "not_in_future",
                           "message_ja": f"{label_ja} {day} が本日 {today} より後です。取得・供用開始の後に報告してください",
                           "message": f"{label_en} {day} is in the future (today is {today}): report once it has "
                                      "happened"})
    return errors


def check_acquisition(report: AcquisitionFacts, designation: DesignationFacts, *,
                      extension_until: date | None = None) -> list[dict[str, str]]:
    findings = []
    minimum = tax.minimum_cost_finding(report.asset_class, report.actual_cost_jpy,  # type: ignore[arg-type]
                                       building_total=report.building_total_jpy,
                                       designated_on=designation.designated_on, extension_until=extension_until)
    if minimum is not None:
        findings.append(_minimum_cost(report, minimum, designation.designated_on, extension_until))
    if not tax.acquisition_in_window(report.acquired_on, designation.designated_on, designation.acquisition_until,
                                     acquisition_from=designation.acquisition_from):
        if report.acquired_on < designation.designated_on:  # the designation day itself counts
            findings.append(finding(
                "after_designation",
                f"取得日 {report.acquired_on} が指定日 {designation.designated_on} より前です（指定日当日以降の取得が対象）",
                f"acquired on {report.acquired_on}, before the designation date {designation.designated_on} "
                "(acquisitions count from the day of designation)"))
        if not designation.acquisition_from <= report.acquired_on <= designation.acquisition_until:
            findings.append(finding(
                "inside_window",
                f"取得日 {report.acquired_on} が取得期間（{designation.acquisition_from}〜"
                f"{designation.acquisition_until}）の外です",
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
    location_finding = location_in_area(report.location, designation)
    if location_finding is not None:
        findings.append(location_finding)
    return findings


def location_in_area(location: str, designation: DesignationFacts) -> dict[str, str] | None:
    """The equipment must stand in the project's area: the same `match_address` key as the business area
    (the area the application stores, else what its business area matches)."""
    project = area_by_key(designation.zone_area)
    if project is None and designation.business_area:
        matched = match_address(designation.business_area)
        project = matched.area if matched.ok else None
    result = match_address(location)
    if not result.ok:
        return finding("location_in_area", f"設置場所が特区の区域内と確認できません。{result.message_ja}",
                       f"the location is not confirmed inside the zone: {result.message}")
    if project is not None and result.area.key != project.key:
        return finding(
            "location_in_area",
            f"設置場所「{location}」は{result.area.name}にあり、事業の区域（{project.name}）ではありません",
            f"location {location!r} is in {result.area.name_en}, not in the project's area ({project.name_en})")
    return None


def _minimum_cost(report: AcquisitionFacts, found: tax.Finding, designated_on: date,
                  extension_until: date | None) -> dict[str, str]:
    """The measure's words, except for machinery and R&D instruments, whose finding keeps the sentence people
    already know, with the per-unit basis added."""
    if report.asset_class in BUILDING_GROUP:
        return finding("minimum_cost", found.message_ja, found.message)
    rule = tax.rules_on(designated_on, extension_until=extension_until) or tax.default_measure().rules[-1]
    minimum = rule.minimum_cost_jpy[report.asset_class]
    label = ASSET_LABELS_JA.get(report.asset_class, report.asset_class)
    return finding(
        "minimum_cost",
        f"取得価額 {report.actual_cost_jpy:,}円 は{label}の下限 {minimum:,}円 に達していません"
        "（1台・1基ごと。通常1組・1式で取引されるものは1組・1式ごとに判定）",
        f"actual cost ¥{report.actual_cost_jpy:,} is below the minimum of ¥{minimum:,} for {report.asset_class} "
        "(per unit, or per set where it is sold as a set)")


def tax_benefit(asset_class: str, cost: int, designated_on: date, *,
                extension_until: date | None = None) -> dict[str, Any] | None:
    """Both options for one qualifying asset (選択適用: the company takes one or the other): the special
    depreciation and the tax credit before the cap, at the rates of the designation date (`basis_date`).
    None when no encoded rule covers that designation date."""
    if tax.rules_on(designated_on, extension_until=extension_until) is None:
        return None
    depreciation = tax.benefit(asset_class, cost, designated_on, choice="depreciation",  # type: ignore[arg-type]
                               extension_until=extension_until)
    credit = tax.benefit(asset_class, cost, designated_on, choice="credit",  # type: ignore[arg-type]
                         extension_until=extension_until)
    return {"basis_date": designated_on, "asset_class": asset_class,
            "special_depreciation_rate": depreciation.rate_pct / 100,
            "special_depreciation_jpy": depreciation.amount_jpy,
            "tax_credit_rate": credit.rate_pct / 100, "tax_credit_jpy": credit.amount_jpy,
            "provisional": depreciation.provisional}
