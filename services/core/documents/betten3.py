"""別添3 「特別の措置の適用を受ける主体の特定の状況」: one entry per designated entity."""

from __future__ import annotations

from services.core.documents.model import Document, Page, Rows, Table
from services.core.documents.redaction import DISCLOSURE_NOTE, PUBLIC
from services.core.documents.sources import EntityRecord

TITLE = "別添3 特別の措置の適用を受ける主体の特定の状況"
COLUMNS = ["番号", "対象事業名", "名称", "郵便番号", "住所", "電話番号", "住所（表記）", "設立区分", "設立", "資本金",
           "業種", "業務概要", "事業の詳細", "沿革", "概要"]


def build(records: list[EntityRecord], *, audience: str, scope: str) -> Document:
    pages: list[Page] = []
    page = Page(title=TITLE)
    rows = []
    for number, record in enumerate(records, start=1):
        page.blocks.append(Rows([("対象事業名", [record.project_cell]), ("名称", [record.name]),
                                 ("住所", [record.address_line]), ("概要", record.overview_lines or ["—"])]))
        history = "\n".join(f"{when} {text}" if when else text for when, text in record.history)
        rows.append([number, record.project_cell, record.name, record.postal_code or "", record.address or "",
                     record.phone or "", record.address_line, record.founded_label, record.founded_text or "",
                     record.capital_text or "", record.industry or "", record.business_summary or "",
                     record.details or "", history, "\n".join(record.overview_lines)])
        if audience != PUBLIC and record.undisclosed_labels:
            page.internal_note = (f"内部資料：公表版では{record.name}の次の項目を《非公表》とします — "
                                  f"{'、'.join(record.undisclosed_labels)}")
        # The plan closes a page after an entry with undisclosed parts and prints its note there.
        if record.undisclosed or page.internal_note:
            page.note = DISCLOSURE_NOTE if record.undisclosed else None
            pages.append(page)
            page = Page(title=f"{TITLE}（続き）")
    if page.blocks or not pages:
        pages.append(page)
    return Document(kind="betten3", title=TITLE, subtitle=scope, audience=audience, pages=pages,
                    table=Table(COLUMNS, rows), sheet_name="別添3")
