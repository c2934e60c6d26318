"""別紙1-2 / 別紙1-4 / 別紙1-5: one page per project, as the plan prints them — a specific project with items
1–3 (a–g; 別紙1-5 only a and b), the general project of 別紙1-4 with its own items 1 and 2 ①–⑤."""

from __future__ import annotations

from services.core.documents.model import Document, Heading, Item, Page, Table
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
GENERAL_LABELS = {
    "name": "1 一般国際戦略事業の名称",
    "content": "2 一般国際戦略事業の内容",
    "summary": "① 事業概要",
    "support": "② 支援措置の内容",
    "implementers": "③ 事業実施主体",
    "area": "④ 事業が行われる区域",
    "period": "⑤ 事業の実施期間",
}
# 別紙1-4 fills: 名称, a) ← ① 事業概要, e) ← ③ 事業実施主体, f) ← ④ 区域, g) ← ⑤ 実施期間, and its own ② column.
COLUMNS = ["別紙", "頁", "1 名称", "2 特別の措置を受けようとする者", "a) 内容", "b) 該当する項及び号",
           "c) 位置付け及び必要性", "d) 設備等の概要", "e) 実施すると見込まれる者", "f) 事業区域", "g) 実施時期",
           "② 支援措置の内容（別紙1-4）"]
PLANNED_ITEMS_LABEL = "取得予定設備（内部資料）"
ACQUIRED_LABEL = "取得した設備と税制上の効果（内部資料・見込み）"


def _paragraphs(text: str | None) -> list[str]:
    return [line for line in (text or "").split("\n") if line.strip()] or ["—"]


def general_blocks(project: ProjectPage) -> list[Item]:
    """別紙1-4: a general project (一般国際戦略事業) — no recipient, no rule clauses; its content in five parts."""
    return [Item(GENERAL_LABELS["name"], [project.name]), Item(GENERAL_LABELS["content"], []),
            Item(GENERAL_LABELS["summary"], _paragraphs(project.content)),
            Item(GENERAL_LABELS["support"], project.support_items or ["—"]),
            Item(GENERAL_LABELS["implementers"], _paragraphs(project.implementer)),
            Item(GENERAL_LABELS["area"], project.business_areas or ["—"]),
            Item(GENERAL_LABELS["period"], _paragraphs(project.schedule))]


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
        if project.general:
            blocks = general_blocks(project)
        else:
            blocks = [Item(ITEM_1, [project.name]), Item(ITEM_2, project.recipients), Item(ITEM_3, []),
                      Item(labels["a"], _paragraphs(project.content)), Item(labels["b"], project.clauses or ["—"])]
        if project.full_form and not project.general:
            blocks += [Item(labels["c"], _paragraphs(project.necessity)),
                       Item(labels["d"], _paragraphs(project.equipment_overview))]
            if project.planned_items:
                blocks.append(Table(["資産区分", "設備", "取得予定価額", "取得予定日"], project.planned_items))
            blocks += [Item(labels["e"], _paragraphs(project.implementer)),
                       Item(labels["f"], project.business_areas or ["—"]),
                       Item(labels["g"], _paragraphs(project.schedule))]
            if project.acquired_items:
                blocks += [Heading(ACQUIRED_LABEL),
                           Table(["資産区分", "設備", "取得価額", "取得日", "供用開始日", "確認状況",
                                  "特別償却（率・償却限度額）", "税額控除（率・控除額）"], project.acquired_items)]
                if project.benefit_years:
                    blocks.append(Table(["年度（供用開始）", "取得価額（確認済み）", "特別償却を選んだ場合",
                                         "税額控除を選んだ場合（上限適用前）"], project.benefit_years))
                blocks.append(Item("税制上の効果の根拠", project.benefit_notes))
        internal_note = None
        if audience != PUBLIC and project.undisclosed_labels:
            internal_note = f"内部資料：公表版では次の項目を《非公表》とします — {'、'.join(project.undisclosed_labels)}"
        pages.append(Page(title=page_title(project, seen[project.annex], counts[project.annex]), blocks=blocks,
                          note=DISCLOSURE_NOTE if project.undisclosed else None, internal_note=internal_note))
        rows.append([project.annex, number, project.name, "\n".join(project.recipients), project.content or "",
                     "\n".join(project.clauses), project.necessity or "", project.equipment_overview or "",
                     project.implementer or "", "\n".join(project.business_areas), project.schedule or "",
                     "\n".join(project.support_items)])
    return Document(kind="besshi", title="国際戦略事業（別紙1-2・別紙1-4・別紙1-5）", subtitle=scope, audience=audience,
                    pages=pages, table=Table(COLUMNS, rows), sheet_name="別紙")
