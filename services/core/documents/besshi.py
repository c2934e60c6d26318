"""別紙1-2 / 別紙1-5: one page per specific project with items 1–3 (a–g), as the plan prints them."""

from __future__ import annotations

from services.core.documents.model import Document, Item, Page, Table
from services.core.documents.redaction import DISCLOSURE_NOTE, PUBLIC
from services.core.documents.sources import ProjectPage

ITEM_1 = "1 特定国際戦略事業の名称"
ITEM_2 = "2 当該特別の措置を受けようとする者"
ITEM_3 = "3 特定国際戦略事業の内容及び特別の措置の内容"
FULL_LABELS = {
    "a": "a) 当該特定国際戦略事業において指定法人が開発、製造、提供等する製品、役務等の具体的な内容",
    "b": "b) 施行規則第1条のうち、当該特定国際戦略事業が該当する項及び号",
    "c": "c) 当該特定国際戦略事業について、当該国際戦略総合特区に係る産業の国際競争力の強化に関する目標を達成するための"
         "位置付け及び必要性",
    "d": "d) 当該特定国際戦略事業により設置しようとする設備等の概要",
    "e": "e) 当該特定国際戦略事業を実施すると見込まれる者",
    "f": "f) 当該特定国際戦略事業のおおむねの事業区域",
    "g": "g) 当該特定国際戦略事業の実施時期",
}
LOAN_LABELS = {
    "a": "a) 特定国際戦略事業（国際戦略総合特区支援貸付事業）の内容",
    "b": "b) 施行規則第3条に規定する該当事業種別（総合特区支援利子補給金交付要綱別表第1に掲げる対象事業項目）",
}
COLUMNS = ["別紙", "頁", "1 名称", "2 特別の措置を受けようとする者", "a) 内容", "b) 該当する項及び号",
           "c) 位置付け及び必要性", "d) 設備等の概要", "e) 実施すると見込まれる者", "f) 事業区域", "g) 実施時期"]
PLANNED_ITEMS_LABEL = "取得予定設備（内部資料）"


def _paragraphs(text: str | None) -> list[str]:
    return [line for line in (text or "").split("\n") if line.strip()] or ["—"]


def page_title(page: ProjectPage, number: int, count: int) -> str:
    return f"{page.annex} <{page.measure_label}>【{number}/{count}】"


def build(project_pages: list[ProjectPage], *, audience: str, scope: str) -> Document:
    counts: dict[str, int] = {}
    for page in project_pages:
        counts[page.annex] = counts.get(page.annex, 0) + 1
    seen: dict[str, int] = {}
    pages, rows = [], []
    for project in sorted(project_pages, key=lambda p: p.annex):  # stable: plan order inside an annex
        seen[project.annex] = seen.get(project.annex, 0) + 1
        number = f"{seen[project.annex]}/{counts[project.annex]}"
        labels = FULL_LABELS if project.full_form else {**FULL_LABELS, **LOAN_LABELS}
        blocks = [Item(ITEM_1, [project.name]), Item(ITEM_2, project.recipients), Item(ITEM_3, []),
                  Item(labels["a"], _paragraphs(project.content)), Item(labels["b"], project.clauses or ["—"])]
        if project.full_form:
            blocks += [Item(labels["c"], _paragraphs(project.necessity)),
                       Item(labels["d"], _paragraphs(project.equipment_overview))]
            if project.planned_items:
                blocks.append(Table(["資産区分", "設備", "取得予定価額", "取得予定日"], project.planned_items))
            blocks += [Item(labels["e"], _paragraphs(project.implementer)),
                       Item(labels["f"], project.business_areas or ["—"]),
                       Item(labels["g"], _paragraphs(project.schedule))]
        internal_note = None
        if audience != PUBLIC and project.undisclosed_labels:
            internal_note = f"内部資料：公表版では次の項目を《非公表》とします — {'、'.join(project.undisclosed_labels)}"
        pages.append(Page(title=page_title(project, seen[project.annex], counts[project.annex]), blocks=blocks,
                          note=DISCLOSURE_NOTE if project.undisclosed else None, internal_note=internal_note))
        rows.append([project.annex, number, project.name, "\n".join(project.recipients), project.content or "",
                     "\n".join(project.clauses), project.necessity or "", project.equipment_overview or "",
                     project.implementer or "", "\n".join(project.business_areas), project.schedule or ""])
    return Document(kind="besshi", title="特定国際戦略事業（別紙1-2・別紙1-5）", subtitle=scope, audience=audience,
                    pages=pages, table=Table(COLUMNS, rows), sheet_name="別紙")
