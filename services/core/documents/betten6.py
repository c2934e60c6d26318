"""別添6 「地域協議会の協議の概要」: the council, the numbered consultations with dates and methods, then the
opinions and the responses per consultation (総合特別区域法 Art. 12(8)); the member list as its 別紙."""

from __future__ import annotations

from services.core.council.service import CouncilRecord
from services.core.documents.model import Document, Heading, Numbered, Page, Rows, Table

TITLE = "別添6 地域協議会の協議の概要"
COLUMNS = ["番号", "区分", "協議を行った日", "開始日", "終了日", "協議の方法", "意見", "意見に対する対応"]


def _numbered(lines: list[str]) -> list[str]:
    return [f"{index}. {line}" for index, line in enumerate(lines, start=1)]


def build(council: CouncilRecord, *, audience: str) -> Document:
    established = council.established_text or (council.established_on.isoformat() if council.established_on else "")
    summary = Page(title=TITLE, blocks=[Rows([
        ("地域協議会の名称", [council.name]),
        ("地域協議会の設置日", [established]),
        ("地域協議会の構成員", [council.members_text or "別紙のとおり"]),
        ("協議を行った日", [c.date_item for c in council.consultations]),
        ("協議の方法", [c.method_item for c in council.consultations]),
    ])])
    opinions = Page(title=f"{TITLE}（意見の概要）", blocks=[Heading("意見の概要")] + [
        Numbered(c.heading, c.opinions) for c in council.consultations])
    responses = Page(title=f"{TITLE}（意見に対する対応）", blocks=[Heading("意見に対する対応")] + [
        Numbered(c.heading, c.responses) for c in council.consultations])
    members = Page(title=f"{council.name} 名簿", blocks=[
        Heading(council.members_note or ""),
        Table(["区分", "所属・役職"], [[m.category, m.affiliation_and_title or ""] for m in council.members])])
    rows = [[c.circled, c.label, c.date_text, c.held_from.isoformat(), c.held_to.isoformat(), c.method_text,
             "\n".join(_numbered(c.opinions)), "\n".join(_numbered(c.responses))] for c in council.consultations]
    return Document(kind="betten6", title=TITLE, audience=audience, pages=[summary, opinions, responses, members],
                    table=Table(COLUMNS, rows), sheet_name="別添6")
