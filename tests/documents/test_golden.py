"""Acceptance 1, 2 (the plan's own pages) and 4 (CSV = XLSX): documents generated from seed-plan.json
compared field by field with the seed data and with the plan as printed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from services.core.accounts.models import Organization, User
from services.core.applications.models import Application, Decision
from services.core.council.service import (
    circled,
    council_record,
    load_council,
    prepare_council,
    sync_council_decisions,
)
from services.core.documents import KIND_NAMES
from services.core.documents.export import KINDS, Viewer, export_document
from services.core.documents.redaction import DISCLOSURE_NOTE
from tests.documents.helpers import csv_rows, html_text, squeezed, xlsx_rows

OPERATOR = Viewer(actor="test", channel="cli", may_see=lambda _status: True)


async def export(sessions, plan, kind: str, fmt: str, audience: str = "public") -> bytes:
    async with sessions() as session:
        await prepare_council(session, plan)  # what the API's start-up does
        return (await export_document(session, plan, kind=kind, fmt=fmt, audience=audience,
                                      viewer=OPERATOR)).content


def numbered(lines: list[str]) -> str:
    return "\n".join(f"{index}. {line}" for index, line in enumerate(lines, start=1))


def plan_row(plan_text: str, label: str) -> str:
    """The text of a row of 別添6's table as printed (one line: label, tab, items)."""
    line = next(line for line in plan_text.splitlines() if line.startswith(label + "\t"))
    return re.sub(r"<[^>]+>", " ", line.split("\t", 1)[1]).strip()


async def test_betten6_holds_the_16_consultations_in_order(isolated_sessions, plan, plan_text):
    seed = plan["council"]["consultations"]
    assert len(seed) == 16
    rows = csv_rows(await export(isolated_sessions, plan, "betten6", "csv"))
    assert rows[0] == ["番号", "区分", "協議を行った日", "開始日", "終了日", "協議の方法", "意見", "意見に対する対応"]
    assert len(rows) == 17
    for row, consultation in zip(rows[1:], seed, strict=True):
        assert row[0] == consultation["circled"] == circled(consultation["no"])
        assert row[1] == consultation["label"]
        assert row[2] == consultation["date_text"]
        assert row[3].startswith(consultation["date_from"]) and row[4][:7] == consultation["date_to"][:7]
        assert row[5] == consultation["method_text"]
        assert row[6] == numbered(consultation["opinions"])
        assert row[7] == numbered(consultation["responses"])
    assert xlsx_rows(await export(isolated_sessions, plan, "betten6", "xlsx")) == rows

    text = html_text(await export(isolated_sessions, plan, "betten6", "html"))
    for expected in ("ライフイノベーション地域協議会", "平成23年3月9日", "別紙のとおり", "意見に対する対応"):
        assert expected in text
    # 協議を行った日 and 協議の方法 read exactly as the plan prints them, item by item
    dates = [c["circled"] + (f"{c['label']} {c['date_text']}" if c["method"] == "meeting" else c["date_text"])
             for c in seed]
    assert squeezed(plan_row(plan_text, "協議を行った日")) == squeezed("".join(dates))
    methods = [c["circled"] + c["method_text"] for c in seed]
    assert squeezed(plan_row(plan_text, "協議の方法")) == squeezed("".join(methods))
    position = 0
    for item in dates + methods:
        position = text.index(item, position)
    # then every opinion, consultation by consultation, and every response, in the plan's order
    position = text.index("意見の概要")
    for consultation in seed:
        position = text.index(f"【{consultation['circled']}{consultation['label']}】", position)
        for opinion in consultation["opinions"]:
            position = text.index(opinion, position)
    position = text.index("意見に対する対応", position)
    for consultation in seed:
        position = text.index(f"【{consultation['circled']}{consultation['label']}】", position)
        for response in consultation["responses"]:
            position = text.index(response, position)
    assert "【⑯5月】" in text and "【⑩5月】" not in text  # the plan's misprinted label is not repeated
    markdown = (await export(isolated_sessions, plan, "betten6", "md")).decode()
    assert "### 【⑯5月】" in markdown and markdown.count("### 【") == 32
    # the member list, by category, as its 別紙
    assert "ライフイノベーション地域協議会 名簿" in text and "(敬称略、順不同、令和4年5月現在)" in text
    assert text.count("東京大学 名誉教授") >= 1 and text.count("神奈川県知事") == 1


async def test_betten3_holds_the_13_entities(isolated_sessions, plan, plan_text):
    entities = plan["designated_entities"]
    rows = csv_rows(await export(isolated_sessions, plan, "betten3", "csv"))
    header, body = rows[0], rows[1:]
    column = {name: header.index(name) for name in header}
    assert len(body) == 13
    for row, entity in zip(body, entities, strict=True):
        assert row[column["名称"]] == entity["name"]
        assert row[column["郵便番号"]] == entity["postal_code"]
        assert row[column["住所"]] == entity["address"]
        assert row[column["電話番号"]] == entity["phone"]
        assert row[column["対象事業名"]] == entity["project_cell"]
        assert row[column["設立区分"]] == entity["founded"]["label"]
        assert row[column["設立"]] == entity["founded"]["text"]
        assert row[column["資本金"]] == (entity["capital"] or "")
        assert row[column["業種"]] == entity["industry"]
        assert row[column["業務概要"]] == entity["business_summary"]
        assert row[column["事業の詳細"]] == (entity["details"] or "")
        history = row[column["沿革"]].split("\n") if row[column["沿革"]] else []
        assert [line.split(" ", 1)[-1] if item.get("date_text") else line
                for line, item in zip(history, entity["history"], strict=True)] == \
            [item["text"] for item in entity["history"]]
        assert row[column["住所（表記）"]] == f"〒{entity['postal_code']} {entity['address']} TEL：{entity['phone']}"
    assert xlsx_rows(await export(isolated_sessions, plan, "betten3", "xlsx")) == rows

    # names and addresses as the plan prints them (its letter-spaced rows closed up)
    printed_names = [line.split("\t", 1)[1] for line in plan_text.splitlines() if line.startswith("名称\t")]
    printed_addresses = [line.split("\t", 1)[1] for line in plan_text.splitlines() if line.startswith("住所\t")]
    assert [squeezed(name) for name in printed_names] == [squeezed(row[column["名称"]]) for row in body]
    assert [squeezed(address) for address in printed_addresses] == \
        [squeezed(row[column["住所（表記）"]]) for row in body]

    text = html_text(await export(isolated_sessions, plan, "betten3", "html"))
    position = 0
    for entity in entities:
        position = text.index(entity["name"], position)
        position = text.index(entity["business_summary"].split("\n")[0], position)
    # the note follows the one entity whose overview is partly undisclosed (富士フイルムRIファーマ)
    assert text.count(DISCLOSURE_NOTE) == 1
    assert text.index("富士フイルムRIファーマ株式会社") < text.index(DISCLOSURE_NOTE) < \
        text.index("株式会社 遺伝子治療研究所")


def plan_page(plan_text: str, annex_page: str) -> str:
    """One 別紙1-2 page as printed, from its heading to the next heading."""
    start = plan_text.index(f"別紙 1 - 2 <国際戦略総合特区設備等投資促進税制>【{annex_page}】")
    end = plan_text.index("別紙 1", start + 10)
    return re.sub(r"^\s*- ", "", plan_text[start:end], flags=re.MULTILINE)  # list marks of the text extraction


def generated_page(text: str, number: int) -> str:
    start = text.index(f"別紙1-2 <国際戦略総合特区設備等投資促進税制>【{number}/6】")
    following = text.find("別紙1-", start + 10)
    return text[start:following if following > 0 else None]


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5, 6])
async def test_besshi_pages_show_undisclosed_marks_where_the_plan_does(isolated_sessions, plan, plan_text, number):
    """Acceptance 2 for 別紙1-2 4/6 (and the other pages): every 《非公表》 of the printed page, with the
    words around it, and the note on exactly the pages that have one."""
    printed = squeezed(plan_page(plan_text, f"{number} / 6"))
    for fmt in ("html", "md"):
        content = await export(isolated_sessions, plan, "besshi", fmt)
        text = html_text(content) if fmt == "html" else content.decode().replace("**", "").replace("\\", "")
        page = squeezed(generated_page(text, number))
        marks = [m.start() for m in re.finditer("《非公表》", printed)]
        assert page.count("《非公表》") == len(marks), (fmt, number)
        for start in marks:
            before = printed[max(0, start - 12):start].split("】")[-1]
            after = printed[start + 5:start + 17].split("※")[0]
            assert before + "《非公表》" + after in page, (fmt, number, before, after)
        assert (squeezed(DISCLOSURE_NOTE) in page) == (squeezed(DISCLOSURE_NOTE) in printed), (fmt, number)
    if number == 4:
        assert len(marks) == 14  # three in a), seven in c), two in d), one in g)


async def test_besshi_page_4_items_match_the_seed(isolated_sessions, plan):
    rows = csv_rows(await export(isolated_sessions, plan, "besshi", "csv"))
    assert len(rows) == 12  # 6 pages of 別紙1-2, 1 of 別紙1-4 and 4 of 別紙1-5
    page = next(row for row in rows if row[0] == "別紙1-2" and row[1] == "4/6")
    seed = next(p for p in plan["specific_projects"] if p["page"] == "4/6")
    assert page[2] == seed["name"]
    assert page[3].split("\n") == [f"{r['no']} {r['name']}" for r in seed["recipients"]]
    assert page[4] == seed["content"].replace("<<非公表>>", "《非公表》")
    assert page[6] == seed["necessity"] and page[7] == seed["equipment_overview"]
    assert page[9].split("\n") == seed["business_areas"] and page[10] == seed["schedule"]["text"]
    assert [row[1] for row in rows[1:] if row[0] == "別紙1-5"] == ["1/4", "2/4", "3/4", "4/4"]
    assert xlsx_rows(await export(isolated_sessions, plan, "besshi", "xlsx")) == rows


@pytest.mark.parametrize("kind", KIND_NAMES)
async def test_xlsx_holds_the_same_rows_as_the_csv(isolated_sessions, plan, kind):
    assert set(KINDS) == set(KIND_NAMES)
    for audience in ("public", "internal"):
        rows = csv_rows(await export(isolated_sessions, plan, kind, "csv", audience))
        assert len(rows) > 1
        assert xlsx_rows(await export(isolated_sessions, plan, kind, "xlsx", audience)) == rows


async def test_council_decisions_become_consultations(isolated_sessions, plan):
    """Decisions held the same way on the same dates are one consultation; syncing twice adds nothing."""
    async with isolated_sessions() as session:
        await load_council(session, plan)
        organization = Organization(name="X社", kind="company")
        session.add(organization)
        await session.flush()
        user = User(username="x", password_hash="!", display_name="x", role="secretariat",
                    organization_id=organization.id)
        session.add(user)
        await session.flush()
        apps = [Application(organization_id=organization.id, created_by=user.id, content={}) for _ in range(3)]
        session.add_all(apps)
        await session.flush()

        def decision(app: Application, seq: int, outcome: str, **payload) -> Decision:
            return Decision(application_id=app.id, event_seq=seq, step="council_consultation", outcome=outcome,
                            payload=payload, decided_by=user.id,
                            decided_at=datetime(2022, 8, 25, tzinfo=UTC))

        ict = {"method": "ict", "held_from": "2022-08-10", "held_to": "2022-08-24"}
        session.add_all([
            decision(apps[0], 2, "agree", **ict, opinions=["意見A"], responses=["対応A"]),
            decision(apps[1], 2, "agree", **ict, opinions=["意見A", "意見B"], responses=["対応A", "対応B"]),
            decision(apps[2], 2, "agree", method="meeting", held_from="2022-09-01", opinions=["意見C"],
                     responses=["対応C"]),
            decision(apps[2], 5, "return", reason="補正"),  # returned without a consultation: nothing to add
        ])
        await session.commit()
        assert await sync_council_decisions(session) == 3
        assert await sync_council_decisions(session) == 0
        await load_council(session, plan)  # loading again adds nothing either
        record = await council_record(session)
    assert len(record.consultations) == 18 and len(record.members) == len(plan["council"]["members"])
    seventeen, eighteen = record.consultations[16:]
    assert (seventeen.no, seventeen.circled, seventeen.label) == (17, "⑰", "8月10日～24日")
    assert seventeen.date_text == "令和4年8月10日～24日" and seventeen.method_text == "ICTを活用した協議を実施"
    assert seventeen.opinions == ["意見A", "意見B"] and seventeen.responses == ["対応A", "対応B"]
    assert seventeen.application_ids == sorted([apps[0].id, apps[1].id])
    assert (eighteen.label, eighteen.date_item, eighteen.method_item) == \
        ("第10回", "⑱第10回 令和4年9月1日", "⑱第10回 協議会を開催")
    assert eighteen.held_from == eighteen.held_to == date(2022, 9, 1)


async def test_dev_seed_loads_the_council(isolated_sessions, plan, temporal_client, settings):
    """`tokku dev` loads the council with the demo data, even when the demo applications exist already."""
    from services.core.applications.service import ApplicationService
    from services.dev.demo_seed import seed_demo_applications

    async with isolated_sessions() as session:
        organization = Organization(name="既存社", kind="company")
        session.add(organization)
        await session.flush()
        user = User(username="existing", password_hash="!", display_name="x", role="applicant",
                    organization_id=organization.id)
        session.add(user)
        await session.flush()
        session.add(Application(organization_id=organization.id, created_by=user.id, content={}))
        await session.commit()
    service = ApplicationService(isolated_sessions, temporal_client, settings)
    assert await seed_demo_applications(service, isolated_sessions, plan) == 0
    async with isolated_sessions() as session:
        record = await council_record(session)
    assert record is not None and [c.no for c in record.consultations] == list(range(1, 17))


async def test_council_loads_once_when_first_readers_race(isolated_sessions, plan):
    import asyncio

    async def load() -> int:
        async with isolated_sessions() as session:
            return (await load_council(session, plan)).id

    ids = await asyncio.gather(*(load() for _ in range(4)))
    assert len(set(ids)) == 1
    async with isolated_sessions() as session:
        record = await council_record(session)
    assert len(record.consultations) == 16 and len(record.members) == 73


# --- 別紙1-5 (the interest subsidy) and 別紙1-4 (the general project): text and layout as printed -------------


def printed_annex_page(plan_text: str, heading: str) -> str:
    """A page of the printed plan from its heading to the next annex heading, list marks removed."""
    start = plan_text.index(heading)
    end = plan_text.index("別紙 1", start + len(heading))
    return re.sub(r"^\s*- ", "", plan_text[start:end], flags=re.MULTILINE)


def generated_annex_page(text: str, title: str) -> str:
    start = text.index(title)
    following = text.find("別紙1-", start + len(title))
    page = text[start:following if following > 0 else None]
    return page.replace("---", "")  # Markdown's page separator


LOAN_PAGES = [(f"別紙 1 - 5 <国際戦略総合特区支援利子補給金>【{n} / 4】", f"別紙1-5 <国際戦略総合特区支援利子補給金>【{n}/4】")
              for n in range(1, 5)]
GENERAL_PAGE = ("別紙 1-4 <地域イノベーション・エコシステム形成プログラム事業>【1/1】",
                "別紙1-4 <地域イノベーション・エコシステム形成プログラム事業>【1/1】")
LOAN_LAYOUT = ["1 特定国際戦略事業の名称", "2 当該特別の措置を受けようとする者", "3 特定国際戦略事業の内容及び特別の措置の内容",
               "a) 特定国際戦略事業（国際戦略総合特区支援貸付事業）の内容",
               "b) 施行規則第3条に規定する該当事業種別（総合特区支援利子補給金交付要綱別表第1に掲げる対象事業項目）"]
GENERAL_LAYOUT = ["1 一般国際戦略事業の名称", "2 一般国際戦略事業の内容", "① 事業概要", "② 支援措置の内容",
                  "③ 事業実施主体", "④ 事業が行われる区域", "⑤ 事業の実施期間"]


@pytest.mark.parametrize(("printed_heading", "title", "layout"),
                         [(*page, LOAN_LAYOUT) for page in LOAN_PAGES] + [(*GENERAL_PAGE, GENERAL_LAYOUT)],
                         ids=["1-5 1/4", "1-5 2/4", "1-5 3/4", "1-5 4/4", "1-4 1/1"])
async def test_loan_and_general_pages_read_as_printed(isolated_sessions, plan, plan_text, printed_heading, title,
                                                      layout):
    """Acceptance 3: every character of the printed page, in its order (spaces and line breaks of the text
    extraction aside), and the page's own item labels in the plan's order — 別紙1-5 prints the designated
    institutions and only items a) and b); 別紙1-4 is a general project, not a specific one."""
    printed = printed_annex_page(plan_text, printed_heading)
    for fmt in ("html", "md"):
        content = await export(isolated_sessions, plan, "besshi", fmt)
        text = html_text(content) if fmt == "html" else content.decode().replace("**", "").replace("\\", "")
        page = generated_annex_page(text, title)
        assert squeezed(page.replace("#", "")) == squeezed(printed), (fmt, title)
        labels = [line.strip() for line in page.splitlines() if line.strip() in layout]
        assert labels == layout, (fmt, labels)
        assert "特定国際戦略事業" not in page if layout is GENERAL_LAYOUT else "一般国際戦略事業" not in page
    if layout is LOAN_LAYOUT:
        assert all(name in printed for name in plan["financial_institutions"])


async def test_besshi_rows_hold_the_general_project(isolated_sessions, plan):
    rows = csv_rows(await export(isolated_sessions, plan, "besshi", "csv"))
    general = next(row for row in rows if row[0] == "別紙1-4")
    seed = plan["general_projects"][0]
    assert general[1] == "1/1" and general[2] == seed["name"] and general[3] == ""
    assert general[4] == seed["content_summary"] and general[8] == seed["implementers_text"]
    assert general[9] == seed["area"] and general[10] == seed["period"]["text"]
    assert general[11].split("\n") == [f"{item['label']} {item['text']}" for item in seed["support_items"]]


async def test_an_interest_subsidy_application_adds_no_company_page(isolated_sessions, plan):
    """A 1-5 application left from before loans were their own process is not printed as a page naming the
    company where the plan names the designated institutions."""
    from services.core.applications.models import ApplicationStatus

    async with isolated_sessions() as session:
        organization = Organization(name="旧申請株式会社", kind="company")
        session.add(organization)
        await session.flush()
        user = User(username="legacy", password_hash="!", display_name="x", role="applicant",
                    organization_id=organization.id)
        session.add(user)
        await session.flush()
        application = Application(organization_id=organization.id, created_by=user.id, measure="interest_subsidy",
                                  project_name="旧来の利子補給申請", content={
                                      "measure": "interest_subsidy", "project_name": "旧来の利子補給申請",
                                      "applicant": {"name": "旧申請株式会社"}, "content": "設備資金"})
        session.add(application)
        await session.flush()
        session.add(ApplicationStatus(application_id=application.id, status="follow_up",
                                      organization_id=organization.id, government="kawasaki"))
        await session.commit()
    rows = csv_rows(await export(isolated_sessions, plan, "besshi", "csv"))
    assert [row[1] for row in rows if row[0] == "別紙1-5"] == ["1/4", "2/4", "3/4", "4/4"]
    assert not any("旧申請株式会社" in cell for row in rows for cell in row)
