"""Records the documents are built from: the certified plan (data/seed-plan.json) and the applications in
the database, each already redacted for the audience.

Whole plan: the plan's own rows first, in its order, then the applications certified since (status
designation, follow_up or completed) that the plan does not already contain. A round: its applications.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.applications.models import Application, ApplicationStatus, Decision, EquipmentItem
from services.core.documents.redaction import UNDISCLOSED, Redactor, has_mark, normalise_marks
from services.core.follow_up.acquisition_rules import tax_benefit
from services.core.follow_up.benefits import benefit_summary
from services.core.follow_up.models import AcquisitionReport
from services.core.follow_up.schemas import AcquisitionReportPublic, TaxBenefit
from services.core.zone.addresses import area_by_key
from workflows.contracts import Status
from workflows.jpdates import to_japanese_era

IN_PLAN_STATUSES = (Status.designation.value, Status.follow_up.value, Status.completed.value)

MEASURES = {
    "tax_incentive": ("別紙1-2", "国際戦略総合特区設備等投資促進税制"),
    "interest_subsidy": ("別紙1-5", "国際戦略総合特区支援利子補給金"),
    "regional_innovation_program": ("別紙1-4", "地域イノベーション・エコシステム形成プログラム事業"),
}
ASSET_CLASSES_JA = {"machinery": "機械・装置", "rd_instrument": "開発研究用器具・備品", "building": "建物",
                    "building_attachment": "建物附属設備", "structure": "構築物"}
SAME_AS_RECIPIENT = "上記「2 当該特別の措置を受けようとする者」と同じ。"

RevealCheck = Callable[[ApplicationStatus], bool]


@dataclass
class EntityRecord:
    """One row of 別添3."""

    project_cell: str
    name: str
    postal_code: str | None
    address: str | None
    phone: str | None
    founded_label: str
    founded_text: str | None
    capital_text: str | None
    industry: str | None
    business_summary: str | None
    details: str | None
    history: list[tuple[str | None, str]]
    undisclosed: bool
    source: str
    application_id: int | None = None
    undisclosed_labels: list[str] = field(default_factory=list)

    @property
    def address_line(self) -> str:
        """住所 as the plan prints it: 〒104-8315 東京都中央区… TEL：03-5250-8111."""
        parts = [f"〒{self.postal_code}" if self.postal_code else None, self.address,
                 f"TEL：{self.phone}" if self.phone else None]
        return " ".join(part for part in parts if part)

    @property
    def overview_lines(self) -> list[str]:
        """概要 line by line: 設立, 資本金, 業種, 業務概要, 事業の詳細, then the history."""
        lines = []
        if self.founded_text:
            lines.append(f"{self.founded_label}：{self.founded_text}")
        if self.capital_text:
            lines.append(f"資本金：{self.capital_text}")
        if self.industry:
            lines.append(f"業種：{self.industry}")
        if self.business_summary:
            lines.append(f"業務概要：{self.business_summary}")
        if self.details:
            lines.append(f"事業の詳細：{self.details}")
        lines.extend(f"{when} {text}" if when else text for when, text in self.history)
        return lines


GENERAL_ANNEX = "別紙1-4"  # a general project (一般国際戦略事業): its own layout
LOAN_ANNEX = "別紙1-5"  # the interest subsidy: items 1, 2, 3 a) and b) only


@dataclass
class ProjectPage:
    """One page of 別紙1-2 (items 1–3 a–g), 別紙1-5 (items 1–3 a–b) or 別紙1-4 (a general project: 1 名称,
    2 内容 ①–⑤; `content` is ① 事業概要, `support_items` ②, `implementer` ③, `business_areas` ④, `schedule` ⑤)."""

    annex: str
    measure_label: str
    name: str
    recipients: list[str]
    content: str | None
    clauses: list[str]
    necessity: str | None = None
    equipment_overview: str | None = None
    planned_items: list[list[str]] | None = None  # internal audience only
    acquired_items: list[list[str]] | None = None  # internal: acquisitions and both benefit options
    benefit_years: list[list[str]] | None = None  # internal: confirmed acquisitions per fiscal year
    benefit_notes: list[str] = field(default_factory=list)  # internal: the rates' basis and the credit cap
    implementer: str | None = None
    business_areas: list[str] = field(default_factory=list)
    schedule: str | None = None
    undisclosed: bool = False
    source: str = "plan"
    application_id: int | None = None
    undisclosed_labels: list[str] = field(default_factory=list)
    support_items: list[str] = field(default_factory=list)

    @property
    def full_form(self) -> bool:
        """別紙1-5 pages print only items a) and b) (the plan's own layout)."""
        return self.annex != LOAN_ANNEX

    @property
    def general(self) -> bool:
        return self.annex == GENERAL_ANNEX


def squeeze(text: str | None) -> str:
    """For matching names across the plan and applications: no spaces, no marks, no measure suffix."""
    text = normalise_marks(text or "") or ""
    text = text.replace(UNDISCLOSED, "")
    text = re.sub(r"[（(]国際戦略総合特区[^）)]*[）)]$", "", text.strip())
    return re.sub(r"\s+", "", text)


# --- the plan ------------------------------------------------------------------------------------------


def plan_entities(plan: dict[str, Any]) -> list[EntityRecord]:
    records = []
    for entity in plan["designated_entities"]:
        founded = entity.get("founded") or {}
        capital = entity.get("capital")
        records.append(EntityRecord(
            project_cell=normalise_marks(entity["project_cell"]), name=entity["name"],
            postal_code=entity.get("postal_code"), address=entity.get("address"), phone=entity.get("phone"),
            founded_label=founded.get("label") or "設立", founded_text=founded.get("text"),
            capital_text=f"{capital:,}円" if isinstance(capital, int) else capital,
            industry=entity.get("industry"), business_summary=normalise_marks(entity.get("business_summary")),
            details=normalise_marks(entity.get("details")),
            history=[(item.get("date_text"), normalise_marks(item["text"])) for item in entity.get("history", [])],
            undisclosed=bool(entity.get("has_undisclosed")) or has_mark(entity.get("details"),
                                                                       entity.get("business_summary")),
            source="plan"))
    return records


def clause_texts(plan: dict[str, Any]) -> dict[str, str]:
    """第2項第1号 → its text, from the plan's pages (to print an application's clause in full)."""
    texts: dict[str, str] = {}
    for project in plan["specific_projects"]:
        for clause in project.get("rule_clauses", []):
            if project["measure"] == "tax_incentive":
                texts.setdefault(re.sub(r"\s+", "", clause["item"]), clause["text"])
    return texts


def plan_pages(plan: dict[str, Any]) -> list[ProjectPage]:
    pages = []
    for project in plan["specific_projects"]:
        annex, measure_label = MEASURES[project["measure"]]
        recipients = [f"{r['no']} {r['name']}" if r.get("no") else r["name"] for r in project["recipients"]]
        schedule = project.get("schedule") or {}
        texts = (project.get("content"), project.get("necessity"), project.get("equipment_overview"),
                 schedule.get("text"))
        pages.append(ProjectPage(
            annex=project.get("annex") or annex, measure_label=measure_label, name=project["name"],
            recipients=recipients, content=normalise_marks(project.get("content")),
            clauses=[f"{c['item']} {c['text']}" for c in project.get("rule_clauses", [])],
            necessity=normalise_marks(project.get("necessity")),
            equipment_overview=normalise_marks(project.get("equipment_overview")),
            implementer=project.get("implementer"), business_areas=list(project.get("business_areas") or []),
            schedule=normalise_marks(schedule.get("text")),
            undisclosed=bool(project.get("has_undisclosed")) or has_mark(*texts), source="plan"))
    for project in plan.get("general_projects", []):
        annex, measure_label = MEASURES[project["measure"]]
        pages.append(ProjectPage(
            annex=project.get("annex") or annex, measure_label=measure_label, name=project["name"], recipients=[],
            content=normalise_marks(project.get("content_summary")), clauses=[],
            support_items=[f"{item['label']} {item['text']}" for item in project.get("support_items", [])],
            implementer=project.get("implementers_text"), business_areas=[project["area"]] if project.get("area") else [],
            schedule=(project.get("period") or {}).get("text"),
            undisclosed=bool(project.get("has_undisclosed")), source="plan"))
    return pages


def plan_names(plan: dict[str, Any]) -> set[tuple[str, str]]:
    """(company, project) pairs the plan already holds, so the whole-plan documents do not repeat them
    (the demo data, for one, enters the plan's own projects as applications)."""
    pairs: set[tuple[str, str]] = set()
    for entity in plan["designated_entities"]:
        for project in entity.get("project", []):
            pairs.add((squeeze(entity["name"]), squeeze(project)))
    for project in plan["specific_projects"]:
        for recipient in project["recipients"]:
            pairs.add((squeeze(recipient["name"]), squeeze(project["name"])))
    for project in plan.get("general_projects", []):
        for implementer in project.get("implementers", []):
            pairs.add((squeeze(implementer), squeeze(project["name"])))
        for sub in project.get("sub_projects") or []:
            if sub.get("recipient"):
                pairs.add((squeeze(sub["recipient"]), squeeze(sub["name"])))
    return pairs


# --- applications --------------------------------------------------------------------------------------


@dataclass
class ApplicationRow:
    application: Application
    status: ApplicationStatus
    items: list[EquipmentItem]
    designation: dict[str, Any] | None = None  # the designate decision's fields (number, date, window)
    acquisitions: list[AcquisitionReport] = field(default_factory=list)


async def application_rows(session: AsyncSession, application_ids: list[int] | None) -> list[ApplicationRow]:
    query = (select(Application, ApplicationStatus)
             .join(ApplicationStatus, ApplicationStatus.application_id == Application.id)
             .order_by(Application.id))
    if application_ids is None:
        query = query.where(ApplicationStatus.status.in_(IN_PLAN_STATUSES))
    else:
        query = query.where(Application.id.in_(application_ids or [-1]))
    rows = (await session.execute(query)).all()
    items = (await session.execute(select(EquipmentItem).where(
        EquipmentItem.application_id.in_([a.id for a, _ in rows] or [-1])).order_by(EquipmentItem.position)))
    by_application: dict[int, list[EquipmentItem]] = {}
    for item in items.scalars():
        by_application.setdefault(item.application_id, []).append(item)
    ids = [a.id for a, _ in rows] or [-1]
    designations: dict[int, dict[str, Any]] = {}
    for decision in (await session.execute(select(Decision).where(
            Decision.application_id.in_(ids), Decision.step == Status.designation.value,
            Decision.outcome == "designate").order_by(Decision.event_seq))).scalars():
        designations[decision.application_id] = decision.payload  # the latest designation wins
    acquisitions: dict[int, list[AcquisitionReport]] = {}
    for report in (await session.execute(select(AcquisitionReport).where(
            AcquisitionReport.application_id.in_(ids)).order_by(AcquisitionReport.id))).scalars():
        acquisitions.setdefault(report.application_id, []).append(report)
    return [ApplicationRow(application, status, by_application.get(application.id, []),
                           designations.get(application.id), acquisitions.get(application.id, []))
            for application, status in rows]


def not_in_plan(rows: list[ApplicationRow], plan: dict[str, Any]) -> list[ApplicationRow]:
    known = plan_names(plan)
    return [row for row in rows
            if (squeeze((row.application.content.get("applicant") or {}).get("name")),
                squeeze(row.application.project_name)) not in known]


def _era(value: str | None) -> str | None:
    return to_japanese_era(date.fromisoformat(value)) if value else None


def _yen(amount: int) -> str:
    if amount % 100_000_000 == 0:
        return f"{amount // 100_000_000:,}億円"
    if amount % 10_000 == 0:
        return f"{amount // 10_000:,}万円"
    return f"{amount:,}円"


def application_entity(row: ApplicationRow, reveal: bool) -> EntityRecord:
    content = row.application.content
    annex, _ = MEASURES.get(content.get("measure") or "", ("別紙1-2", ""))
    redactor = Redactor(content, reveal=reveal)
    applicant = content.get("applicant") or {}
    capital = redactor.value("applicant.capital_jpy")
    if redactor.hidden("applicant.history"):
        history: list[tuple[str | None, str]] = [(None, UNDISCLOSED)]
    else:
        history = [(_era(entry.get("date")), entry.get("text", "")) for entry in applicant.get("history") or []]
    record = EntityRecord(
        project_cell=f"{UNDISCLOSED}{annex}関係" if redactor.hidden("project_name") else
        f"《{redactor.text('project_name') or ''}》{annex}関係", name=applicant.get("name") or "",
        postal_code=applicant.get("postal_code"), address=applicant.get("address"), phone=applicant.get("phone"),
        founded_label="設立", founded_text=_era(applicant.get("founded_on")),
        capital_text=UNDISCLOSED if redactor.hidden("applicant.capital_jpy") else (
            _yen(capital) if isinstance(capital, int) else None),
        industry=applicant.get("industry"), business_summary=redactor.text("applicant.business_summary"),
        details=redactor.text("applicant.details"), history=history, undisclosed=False,
        source="application", application_id=row.application.id)
    record.undisclosed = bool(redactor.redacted) or has_mark(record.business_summary, record.details)
    record.undisclosed_labels = [label for label in redactor.undisclosed_labels
                                 if label in ("資本金", "事業の詳細", "沿革", "業務概要", "事業名")]
    return record


def _schedule(redactor: Redactor, designation: dict[str, Any] | None) -> str | None:
    """g) 実施時期: once designated, the designated window and the designation date (what the measure counts),
    before that the window the company asks for."""
    if any(redactor.hidden(name) for name in ("business_start_on", "acquisition_from", "acquisition_until")):
        return UNDISCLOSED
    start = _era(redactor.value("business_start_on"))
    acquire_from = _era(redactor.value("acquisition_from"))
    acquire_until = _era(redactor.value("acquisition_until"))
    if not start:
        return None
    text = f"{start}から事業実施"
    if designation and designation.get("designated_on"):
        designated = _era(designation["designated_on"])
        window_from, window_until = _era(designation.get("acquisition_from")), _era(designation.get("acquisition_until"))
        text += f"（{designated}指定。対象設備は{window_from}から{window_until}までに取得）"
    elif acquire_from and acquire_until:
        text += f"（対象設備は{acquire_from}から{acquire_until}までに取得予定）"
    elif acquire_from:
        text += f"（対象設備は{acquire_from}以降取得予定）"
    return text


def _benefit_tables(row: ApplicationRow, extension_until: date | None,
                    ) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """Internal: each acquisition with both benefit options, the confirmed ones per fiscal year, and the notes
    (the rates' basis, the credit cap as a formula)."""
    designated_on = date.fromisoformat(row.designation["designated_on"]) if row.designation else None
    reports = []
    for report in row.acquisitions:
        public = AcquisitionReportPublic.model_validate(report, from_attributes=True)
        if designated_on and not report.rule_findings:
            benefit = tax_benefit(report.asset_class, report.actual_cost_jpy, designated_on,
                                  extension_until=extension_until)
            public.tax_benefit = TaxBenefit.model_validate(benefit) if benefit else None
        reports.append(public)
    review = {"pending": "確認待ち", "confirmed": "確認済み", "queried": "照会中"}
    acquired = []
    for report in reports:
        benefit = report.tax_benefit
        acquired.append([
            ASSET_CLASSES_JA.get(report.asset_class, report.asset_class), report.description,
            f"{report.actual_cost_jpy:,}円", to_japanese_era(report.acquired_on),
            to_japanese_era(report.in_service_on) if report.in_service_on else "—",
            review.get(report.review_status, report.review_status),
            f"{benefit.special_depreciation_rate:.0%} {benefit.special_depreciation_jpy:,}円" if benefit
            else "— 要件の確認中",
            f"{benefit.tax_credit_rate:.0%} {benefit.tax_credit_jpy:,}円" if benefit else "— 要件の確認中"])
    summary = benefit_summary(reports, designated_on, extension_until=extension_until)
    years = [[f"{year.fiscal_year}年度", f"{year.acquisition_cost_jpy:,}円", f"{year.special_depreciation_jpy:,}円",
              f"{year.tax_credit_jpy:,}円"] for year in summary.years]
    notes = [summary.basis_ja, "特別償却と税額控除は設備ごとにどちらか一方を選択します（両方の合計ではありません）。"]
    if summary.years:
        notes.append("税額控除の上限: " + summary.years[0].credit_cap.formula_ja)
    return acquired, years, notes


def application_page(row: ApplicationRow, reveal: bool, clauses: dict[str, str],
                     extension_until: date | None = None) -> ProjectPage | None:
    """The page an application adds; None for an interest subsidy (a loan, not a page: docs/interest-subsidy.md)."""
    content = row.application.content
    annex, measure_label = MEASURES.get(content.get("measure") or "", MEASURES["tax_incentive"])
    if annex == LOAN_ANNEX:
        return None
    redactor = Redactor(content, reveal=reveal)
    name = redactor.text("project_name") or ""
    if annex == GENERAL_ANNEX:
        page = ProjectPage(
            annex=annex, measure_label=measure_label, name=name, recipients=[], content=redactor.text("content"),
            clauses=[], implementer=redactor.text("implementer"),
            business_areas=[area] if (area := redactor.text("business_area")) else [], schedule=_schedule(redactor),
            source="application", application_id=row.application.id)
        page.undisclosed = bool(redactor.redacted) or has_mark(page.content)
        page.undisclosed_labels = redactor.undisclosed_labels
        return page
    if redactor.hidden("rule_clauses"):
        printed_clauses = [UNDISCLOSED]
    else:
        printed_clauses = []
        for clause in content.get("rule_clauses") or []:
            item = re.sub(r"^施行規則第\d+条", "", re.sub(r"\s+", "", clause))
            text = clauses.get(item)
            printed_clauses.append(f"{item} {text}" if text and item else clause)
    area = redactor.text("business_area")
    if area and area != UNDISCLOSED and not area.endswith("内"):
        area = f"{area}に所在する事業所内"
    business_areas = [area] if area else []
    zone_area = area_by_key(row.application.zone_area)
    if area and area != UNDISCLOSED and zone_area is not None:  # the area it was accepted in, by its name
        business_areas.append(f"（区域: {zone_area.name}）")
    implementer = redactor.text("implementer")
    applicant_name = (content.get("applicant") or {}).get("name") or ""
    if implementer == applicant_name:
        implementer = SAME_AS_RECIPIENT
    planned = None
    if reveal:
        planned = [[ASSET_CLASSES_JA.get(item.asset_class, item.asset_class), item.description,
                    f"{item.planned_cost_jpy:,}円",
                    to_japanese_era(item.planned_acquisition_on) if item.planned_acquisition_on else "—"]
                   for item in row.items]
    page = ProjectPage(
        annex=annex, measure_label=measure_label, name=f"{name}（{measure_label}）" if name else "",
        recipients=[applicant_name], content=redactor.text("content"), clauses=printed_clauses,
        necessity=redactor.text("necessity"), equipment_overview=redactor.text("equipment_overview"),
        planned_items=planned, implementer=implementer, business_areas=business_areas,
        schedule=_schedule(redactor, row.designation), source="application", application_id=row.application.id)
    if reveal and row.acquisitions:
        page.acquired_items, page.benefit_years, page.benefit_notes = _benefit_tables(row, extension_until)
    page.undisclosed = bool(redactor.redacted) or has_mark(page.content, page.necessity, page.equipment_overview)
    page.undisclosed_labels = redactor.undisclosed_labels
    return page


async def entities(session: AsyncSession, plan: dict[str, Any], *, reveal: RevealCheck,
                   application_ids: list[int] | None) -> list[EntityRecord]:
    rows = await application_rows(session, application_ids)
    if application_ids is None:
        return plan_entities(plan) + [application_entity(row, reveal(row.status))
                                      for row in not_in_plan(rows, plan)]
    return [application_entity(row, reveal(row.status)) for row in rows]


async def pages(session: AsyncSession, plan: dict[str, Any], *, reveal: RevealCheck,
                application_ids: list[int] | None, extension_until: date | None = None) -> list[ProjectPage]:
    rows = await application_rows(session, application_ids)
    clauses = clause_texts(plan)
    chosen = not_in_plan(rows, plan) if application_ids is None else rows
    added = [page for row in chosen if (page := application_page(row, reveal(row.status), clauses, extension_until)) is not None]
    return plan_pages(plan) + added if application_ids is None else added
