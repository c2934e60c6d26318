"""Acceptance (issue 15, point 5): the evaluation draft for a fiscal year matches a hand-computed fixture (the
targets fixture of test_targets.py plus figures entered by the secretariat, a revocation and an undisclosed
project name), and it comes out as HTML, Markdown, CSV and XLSX like the other documents. Then the API: who
reads it, who enters figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from services.core.accounts.models import Organization, User
from services.core.applications.models import Application, Event
from services.core.documents import evaluation as evaluation_document
from services.core.documents.html import render_html
from services.core.documents.markdown import render_markdown
from services.core.documents.tabular import render_csv, render_xlsx
from services.core.evaluation.schemas import FigureCreate
from services.core.evaluation.service import EvaluationService
from services.core.follow_up.models import AcquisitionReport
from services.core.platform.exceptions import Forbidden, Invalid
from tests.documents.helpers import csv_rows, html_text, xlsx_rows
from tests.documents.test_targets import insert_fixture
from tests.pages_http import csrf_of, signed_in_pages

SECRET_PROJECT = "秘匿事業名SENTINEL-EVAL-A2"


async def add_year_2023(sessions) -> tuple[User, User]:
    """On top of the targets fixture: A2's project name undisclosed and its designation revoked in FY2023, one
    more FY2023 acquisition (a building), and a secretariat and a local official to act."""
    async with sessions() as session:
        a2 = (await session.execute(select(Application).where(Application.project_name == "A2"))).scalars().one()
        a2.content = {"project_name": SECRET_PROJECT, "undisclosed_fields": ["project_name"],
                      "applicant": {"name": "A社"}}
        session.add(a2)
        session.add(Event(application_id=a2.id, seq=11, kind="decision", step="follow_up", outcome="revoke",
                          reason="要件を欠くに至ったため", payload={}, status_after="revoked",
                          occurred_at=datetime(2023, 12, 1, 3, 0, tzinfo=UTC)))
        secretariat, official = await staff(session)
        session.add(AcquisitionReport(application_id=a2.id, asset_class="building", description="研究棟",
                                      actual_cost_jpy=80_000_000, acquired_on=date(2023, 6, 15), location="殿町",
                                      review_status="confirmed", reported_by=secretariat.id))
        await session.commit()
        return secretariat, official


async def test_evaluation_matches_hand_computed_fixture(isolated_sessions, plan):
    await insert_fixture(isolated_sessions)
    secretariat, official = await add_year_2023(isolated_sessions)
    service = EvaluationService(isolated_sessions, plan)
    figures = [
        (2023, FigureCreate(label="研修等の参加者数（市主催セミナー）", value=4200, unit="人", target_no="(1)-③",
                            source="川崎市 産業振興課 集計（2024年4月15日）")),
        (2022, FigureCreate(label="研修等の参加者数（市主催セミナー）", value=100, unit="人", target_no="(1)-③",
                            source="川崎市 産業振興課 集計（2023年4月14日）")),
        (2023, FigureCreate(label="特区外の関連投資額（県調査）", value=400_000_000, unit="円", target_no="(1)-①",
                            source="神奈川県 企業誘致調査（2024年5月）")),
        (2023, FigureCreate(label="視察の受入件数", value=12, unit="件", source="事務局 受付簿")),
    ]
    for year, body in figures:
        await service.enter_figure(secretariat, year, body)
    # entered again under the same label: replaced, not added
    await service.enter_figure(secretariat, 2023, FigureCreate(
        label="特区外の関連投資額（県調査）", value=500_000_000, unit="円", target_no="(1)-①",
        source="神奈川県 企業誘致調査（2024年5月）", note="速報値を確定値で更新"))

    draft = await service.draft(official, 2023)
    assert draft.label == "令和5年度"
    targets = {t.no: t for t in draft.targets}
    # (1)-① investment: tokku FY2023 = B1 120M + A2 80M (B1's queried 50M left out); entered 500M;
    # cumulative = tokku 45M (FY2022) + 200M + entered 500M = 745M; 745M / 58,000M = 1.28 %
    assert (targets["(1)-①"].year_from_tokku, targets["(1)-①"].year_entered, targets["(1)-①"].year_total) == (
        200_000_000, 500_000_000, 700_000_000)
    assert (targets["(1)-①"].cumulative_from_tokku, targets["(1)-①"].cumulative) == (245_000_000, 745_000_000)
    assert targets["(1)-①"].share == 0.0128
    # (1)-② companies: B enters in FY2023; A entered in FY2022 → cumulative 2 of 50
    assert (targets["(1)-②"].year_total, targets["(1)-②"].cumulative, targets["(1)-②"].share) == (1, 2, 0.04)
    # (1)-③ training: tokku 800 (B1's 5000 queried) + entered 4200 = 5000; cumulative 1200 + 800 + 100 + 4200
    assert (targets["(1)-③"].year_from_tokku, targets["(1)-③"].year_entered) == (800, 4200)
    assert (targets["(1)-③"].cumulative, targets["(1)-③"].share) == (6300, 0.0257)
    assert [(t.year_total, t.cumulative, t.share) for t in (targets["(2)"], targets["(3)"], targets["(4)"])] == [
        (1, 1, 0.0333), (1, 3, 0.01), (1, 1, 0.02)]
    # the year's register: B1 designated 2024-03-31 (still FY2023), A2 revoked 2023-12-01, A2 designated 2023-05-01
    assert [(e.kind, e.occurred_on, e.project) for e in draft.designations] == [
        ("designation", date(2024, 3, 31), "B1"), ("revocation", date(2023, 12, 1), "《非公表》"),
        ("designation", date(2023, 5, 1), "《非公表》")]
    # acquisitions: two (A2's building, B1's machine), two companies, 200M
    acquisitions = draft.acquisitions
    assert (acquisitions.count, acquisitions.companies, acquisitions.total_cost_jpy) == (2, 2, 200_000_000)
    assert [(c.asset_class_ja, c.count, c.cost_jpy) for c in acquisitions.by_asset_class] == [
        ("建物", 1, 80_000_000), ("機械・装置", 1, 120_000_000)]
    # no loan in this fixture: the ledger's year is empty (tests/api/test_loans.py covers the ledger itself)
    assert (draft.loans.available, draft.loans.count, draft.loans.approved_jpy, draft.loans.paid_jpy) == (True, 0, 0, 0)
    assert [(f.label, f.value, f.target_no, f.entered_by) for f in draft.figures] == [
        ("特区外の関連投資額（県調査）", 500_000_000, "(1)-①", "eval-secretariat"),
        ("研修等の参加者数（市主催セミナー）", 4200, "(1)-③", "eval-secretariat"),
        ("視察の受入件数", 12, None, "eval-secretariat")]
    assert draft.figures[0].note == "速報値を確定値で更新"

    # As documents: the same renderers as the annexes; CSV and XLSX hold the same rows; nothing undisclosed.
    document = evaluation_document.build(draft, zone_name="京浜臨海部ライフイノベーション国際戦略総合特区")
    rows = csv_rows(render_csv(document))
    assert rows == xlsx_rows(render_xlsx(document))
    assert rows[0] == ["区分", "項目", "値", "単位", "出典・根拠"]
    assert ["1 数値目標", "(1)-① 特区関連事業による投資額 累計", "745000000", "円", "目標 58000000000"] in rows
    assert ["3 設備の取得", "取得価額の合計", "200000000", "円", "取得報告"] in rows
    assert ["4 利子補給金", "件数", "0", "件", draft.loans.note] in rows
    assert ["5 事務局入力", "視察の受入件数", "12", "件", "事務局 受付簿"] in rows
    html = html_text(render_html(document))
    markdown = render_markdown(document).decode()
    for text in (html, markdown):
        assert "評価書（案）" in text and "令和5年度" in text and "対象融資 0件" in text
        assert "神奈川県 企業誘致調査（2024年5月）" in text and "《非公表》" in text
        assert "SENTINEL" not in text
    assert "SENTINEL" not in "".join(",".join(row) for row in rows)


async def test_only_the_secretariat_enters_figures_and_only_for_the_plan(isolated_sessions, plan):
    secretariat, official = await add_year_2023_users(isolated_sessions)
    service = EvaluationService(isolated_sessions, plan)
    body = FigureCreate(label="x", value=1, unit="件", source="y")
    with pytest.raises(Forbidden):
        await service.enter_figure(official, 2023, body)
    with pytest.raises(Invalid):
        await service.enter_figure(secretariat, 2031, body)
    with pytest.raises(Invalid):
        await service.enter_figure(secretariat, 2023, body.model_copy(update={"target_no": "(9)"}))
    with pytest.raises(Invalid):
        await service.draft(official, 2019)


async def staff(session) -> tuple[User, User]:
    """A secretariat member and a Kawasaki official, in their organisations."""
    council = Organization(name="地域協議会事務局", kind="council")
    city = Organization(name="川崎市", kind="government", government="kawasaki")
    session.add_all([council, city])
    await session.flush()
    secretariat = User(username="eval-secretariat", password_hash="!", display_name="事務局", role="secretariat",
                       organization_id=council.id)
    official = User(username="eval-kawasaki", password_hash="!", display_name="川崎市", role="local_official",
                    government="kawasaki", organization_id=city.id)
    session.add_all([secretariat, official])
    await session.flush()
    return secretariat, official


async def add_year_2023_users(sessions) -> tuple[User, User]:
    async with sessions() as session:
        secretariat, official = await staff(session)
        await session.commit()
        return secretariat, official


async def test_evaluation_api(as_user):
    secretariat, kawasaki, applicant = await as_user("secretariat1"), await as_user("kawasaki1"), await as_user("applicant1")
    figure = {"label": "研修等の参加者数（APIの試験）", "value": 321, "unit": "人", "target_no": "(1)-③",
              "source": "事務局 集計表"}
    entered = await secretariat.post("/evaluation/2024/figures", figure)
    assert entered.status_code == 200, entered.text
    assert entered.json()["entered_by"] == "secretariat1" and entered.json()["source"] == "事務局 集計表"
    assert (await kawasaki.post("/evaluation/2024/figures", figure)).status_code == 403
    assert (await applicant.get("/evaluation/2024")).status_code == 403
    missing_source = await secretariat.post("/evaluation/2024/figures", {**figure, "source": ""})
    assert missing_source.status_code == 422
    assert (await kawasaki.get("/evaluation/2040")).status_code == 422
    draft = await kawasaki.get("/evaluation/2024")
    assert draft.status_code == 200, draft.text
    training = next(t for t in draft.json()["targets"] if t["no"] == "(1)-③")
    assert training["year_entered"] >= 321
    for fmt, media in (("html", "text/html"), ("md", "text/markdown"), ("csv", "text/csv"),
                       ("xlsx", "application/vnd.openxmlformats")):
        exported = await kawasaki.get("/evaluation/2024/document", params={"format": fmt})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith(media), fmt
    assert (await kawasaki.get("/evaluation/2024/document", params={"format": "pdf"})).status_code == 422


async def test_evaluation_page_and_form(api_url):
    """The page shows the draft; the secretariat's form keeps what was typed when refused and saves a figure."""
    async with signed_in_pages(api_url, "secretariat1") as browser:
        page = await browser.get("/evaluation/2025")
        assert page.status_code == 200 and "評価書（案）" in page.text and "利子補給金の台帳" in page.text
        csrf = csrf_of(page)
        refused = await browser.post("/evaluation/2025/figures", data={
            "csrf_token": csrf, "label": "視察の受入件数（画面の試験）", "value": "十二", "unit": "件", "source": ""})
        assert refused.status_code == 422
        assert 'value="視察の受入件数（画面の試験）"' in refused.text and 'aria-invalid="true"' in refused.text
        saved = await browser.post("/evaluation/2025/figures", data={
            "csrf_token": csrf, "label": "視察の受入件数（画面の試験）", "value": "1,200", "unit": "件",
            "source": "事務局 受付簿", "target_no": ""})
        assert saved.status_code == 303
        shown = await browser.get("/evaluation/2025?lang=en")
        assert "視察の受入件数（画面の試験）" in shown.text and "1,200" in shown.text and "Evaluation draft" in shown.text
