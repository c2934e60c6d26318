"""Acceptance 2 (applications with undisclosed fields) and the ways documents leave the system: the API
(who may ask for what), the targets endpoints, the council record and the `tokku export` command."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from services.core.council.models import Consultation, ConsultationDecision
from services.core.documents.models import DocumentExport
from tests.conftest import ROOT
from tests.documents.helpers import all_text, csv_rows, xlsx_rows
from tests.documents.test_rounds import CERTIFY, FILE, passed_council

SECRETS = {
    "project_name": "秘匿事業名SENTINEL-PRJ-91c",
    "content": "秘匿内容SENTINEL-CON-91c",
    "necessity": "秘匿必要性SENTINEL-NEC-91c",
    "equipment_overview": "秘匿設備概要SENTINEL-EQP-91c",
}
APPLICANT_SECRETS = {"details": "秘匿詳細SENTINEL-DET-91c", "business_summary": "秘匿業務SENTINEL-BUS-91c",
                     "history": [{"date": "2020-04-01", "text": "秘匿沿革SENTINEL-HIS-91c"}],
                     "capital_jpy": 987_654_321}
ITEM_SECRET = "秘匿設備品目SENTINEL-ITM-91c"
SENTINELS = [*SECRETS.values(), "SENTINEL-DET-91c", "SENTINEL-BUS-91c", "SENTINEL-HIS-91c", "987,654,321",
             "987654321", ITEM_SECRET]
UNDISCLOSED = ["project_name", "content", "necessity", "equipment_overview", "equipment_items",
               "applicant.capital_jpy", "applicant.details", "applicant.history", "applicant.business_summary"]
FORMATS = ("html", "md", "csv", "xlsx")


async def designated_with_secrets(as_user) -> tuple[int, int]:
    """An application with undisclosed fields, certified through a round; returns (application, round)."""
    [application_id] = await passed_council(
        as_user, 1, **SECRETS, applicant=APPLICANT_SECRETS, undisclosed_fields=UNDISCLOSED,
        equipment_items=[{"asset_class": "machinery", "description": ITEM_SECRET, "planned_cost_jpy": 40_000_000,
                          "planned_acquisition_on": "2023-04-01"}])
    kawasaki, cao = await as_user("kawasaki1"), await as_user("cao1")
    round_id = (await kawasaki.post("/rounds", {"title": "非公表試験", "application_ids": [application_id]})).json()["id"]
    assert (await kawasaki.post(f"/rounds/{round_id}/file", FILE)).status_code == 200
    certified = await cao.post(f"/rounds/{round_id}/certify", CERTIFY)
    assert certified.json()["applications"][0]["status"] == "designation", certified.text
    return application_id, round_id


async def fetch(api, kind: str, fmt: str, audience: str, round_id: int | None = None):
    params = {"format": fmt, "audience": audience}
    if round_id is not None:
        params["round"] = round_id
    return await api.get(f"/documents/{kind}", params=params)


async def test_no_undisclosed_value_in_any_public_output(as_user, sessions):
    application_id, round_id = await designated_with_secrets(as_user)
    kawasaki, yokohama, applicant = await as_user("kawasaki1"), await as_user("yokohama1"), await as_user("applicant1")

    # public: every document, every format, for anyone signed in (rounds are officials' business)
    for api, scopes in ((applicant, (None,)), (kawasaki, (None, round_id))):
        for kind in ("betten3", "besshi", "betten6", "targets"):
            for fmt in FORMATS:
                for scope in scopes:
                    response = await fetch(api, kind, fmt, "public", scope)
                    assert response.status_code == 200, (kind, fmt, response.text)
                    text = all_text(fmt, response.content)
                    leaked = [secret for secret in SENTINELS if secret in text]
                    assert not leaked, (api.username, kind, fmt, scope, leaked)
    # the round's public 別紙 page: 《非公表》 where the fields were, and the plan's note
    assert (await fetch(applicant, "besshi", "md", "public", round_id)).status_code == 403
    page = (await fetch(kawasaki, "besshi", "md", "public", round_id)).content.decode()
    assert "【1/1】" in page and page.count("《非公表》") >= 4
    assert "一部非公表といたします。" in page
    entity = csv_rows((await fetch(kawasaki, "betten3", "csv", "public", round_id)).content)
    assert entity[1][entity[0].index("資本金")] == "《非公表》"
    assert entity[1][entity[0].index("対象事業名")] == "《非公表》別紙1-2関係"

    # internal, by an official of the application's government: every undisclosed value is there
    for kind in ("betten3", "besshi"):
        for fmt in FORMATS:
            response = await fetch(kawasaki, kind, fmt, "internal", round_id)
            assert response.status_code == 200
            text = all_text(fmt, response.content)
            expected = ([SECRETS["project_name"], "SENTINEL-DET-91c", "SENTINEL-BUS-91c", "SENTINEL-HIS-91c",
                         "987,654,321"] if kind == "betten3" else
                        [SECRETS["content"], SECRETS["necessity"], SECRETS["equipment_overview"]])
            assert all(secret in text for secret in expected), (kind, fmt)
            if kind == "besshi" and fmt in ("html", "md"):
                assert ITEM_SECRET in text and "内部資料" in text
    # internal, by an official of another government: that application stays redacted
    for fmt in FORMATS:
        response = await fetch(yokohama, "besshi", fmt, "internal")
        assert response.status_code == 200
        assert not [secret for secret in SENTINELS if secret in all_text(fmt, response.content)], fmt
    # and the applicant cannot ask for the internal version at all
    refused = await fetch(applicant, "besshi", "html", "internal")
    assert refused.status_code == 403 and refused.json()["detail"]["message_ja"]

    # every internal export is audited: who, what, which format; public ones are not recorded
    async with sessions() as session:
        audits = (await session.execute(select(DocumentExport).where(DocumentExport.round_id == round_id)
                                        .order_by(DocumentExport.id))).scalars().all()
    assert [(a.actor, a.kind, a.format, a.audience, a.channel) for a in audits] == [
        ("kawasaki1", kind, fmt, "internal", "api") for kind in ("betten3", "besshi") for fmt in FORMATS]
    assert all(len(a.sha256) == 64 and a.size_bytes > 0 for a in audits)


async def test_document_requests_are_checked(as_user):
    kawasaki, secretariat, cao = await as_user("kawasaki1"), await as_user("secretariat1"), await as_user("cao1")
    unknown = await fetch(kawasaki, "betten9", "html", "public")
    assert unknown.status_code == 422 and unknown.json()["detail"]["message_ja"]
    assert (await fetch(kawasaki, "betten6", "pdf", "public")).status_code == 422
    assert (await fetch(kawasaki, "betten6", "html", "everyone")).status_code == 422
    assert (await fetch(kawasaki, "betten3", "html", "public", 999_999)).status_code == 404
    assert (await fetch(secretariat, "betten3", "html", "public", 1)).status_code == 403
    assert (await kawasaki.http.get("/api/v1/documents/betten6")).status_code == 401
    listed = await cao.get("/documents")
    assert set(listed.json()["kinds"]) == {"betten3", "besshi", "betten6", "targets"}
    page = await fetch(cao, "betten6", "html", "public")
    assert page.headers["content-type"].startswith("text/html")
    assert "filename*=UTF-8''betten6-public.html" in page.headers["content-disposition"]
    sheet = await fetch(cao, "targets", "xlsx", "public")
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert xlsx_rows(sheet.content) == csv_rows((await fetch(cao, "targets", "csv", "public")).content)


async def test_targets_api_and_chart(as_user):
    applicant = await as_user("applicant1")
    targets = await applicant.get("/zone/targets")
    assert targets.status_code == 200, targets.text
    body = targets.json()
    assert [t["no"] for t in body] == ["(1)-①", "(1)-②", "(1)-③", "(2)", "(3)", "(4)"]
    assert body[0]["target"] == 58_000_000_000 and [y["fiscal_year"] for y in body[0]["years"]] == list(
        range(2022, 2027))
    assert all(t["total"] == t["years"][-1]["cumulative"] for t in body)
    chart = await applicant.get("/zone/targets/chart.svg")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.startswith("<svg") and "(1)-①" in chart.text
    assert (await applicant.http.get("/api/v1/zone/targets")).status_code == 401


async def test_council_record_includes_the_workflows_consultations(as_user):
    [application_id] = await passed_council(as_user, 1)
    record = (await (await as_user("kanagawa1")).get("/zone/council")).json()
    assert record["name"] == "ライフイノベーション地域協議会" and record["established_on"] == "2011-03-09"
    consultations = record["consultations"]
    assert [c["no"] for c in consultations[:16]] == list(range(1, 17))
    assert all(c["source"] == "plan" for c in consultations[:16])
    # tests.factories.COUNCIL_AGREE: a meeting on 令和4年8月10日 with one opinion and one response
    ours = next(c for c in consultations if application_id in c["application_ids"])
    assert ours["no"] > 16 and ours["source"] == "workflow" and ours["method"] == "meeting"
    assert ours["date_text"] == "令和4年8月10日" and ours["label"].startswith("第")
    assert "国際共同治験の体制を明確にすること" in ours["opinions"] and "体制図を追加した" in ours["responses"]
    betten6 = (await fetch(await as_user("kanagawa1"), "betten6", "md", "public")).content.decode()
    assert f"【{ours['circled']}{ours['label']}】" in betten6


async def council_tables(sessions) -> tuple[list, list]:
    async with sessions() as session:
        consultations = (await session.execute(
            select(Consultation.id, Consultation.key, Consultation.opinions, Consultation.updated_at)
            .order_by(Consultation.id))).all()
        links = (await session.execute(select(ConsultationDecision.consultation_id, ConsultationDecision.decision_id)
                                       .order_by(ConsultationDecision.id))).all()
    return [tuple(row) for row in consultations], [tuple(row) for row in links]


async def test_reads_of_the_council_write_nothing(as_user, sessions):
    """The recording activity keeps the council's record current; GET /zone/council and 別添6 only read."""
    [application_id] = await passed_council(as_user, 1)
    before = await council_tables(sessions)
    async with sessions() as session:
        linked = (await session.execute(select(ConsultationDecision).where(
            ConsultationDecision.application_id == application_id))).scalars().all()
    assert len(linked) == 1, "the council decision joined its consultation when the worker recorded it"
    kanagawa = await as_user("kanagawa1")
    assert (await kanagawa.get("/zone/council")).status_code == 200
    for fmt in FORMATS:
        assert (await fetch(kanagawa, "betten6", fmt, "public")).status_code == 200
    assert await council_tables(sessions) == before


async def test_tokku_export_command(as_user, settings, sessions, tmp_path):
    application_id, round_id = await designated_with_secrets(as_user)
    env = {**os.environ, "TOKKU_DATABASE_URL": settings.resolved_database_url, "TOKKU_MODE": "dev",
           "TOKKU_VAR_DIR": str(tmp_path)}
    tokku = [sys.executable, "-m", "services.cli", "export"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*tokku, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    for fmt in FORMATS:
        out = tmp_path / f"besshi.{fmt}"
        done = run("besshi", "--format", fmt, "--audience", "public", "--round", str(round_id), "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert not [secret for secret in SENTINELS if secret in all_text(fmt, out.read_bytes())]
    internal = run("betten3", "--format", "xlsx", "--audience", "internal", "--round", str(round_id),
                   "--out", str(tmp_path))
    assert internal.returncode == 0, internal.stderr
    written = tmp_path / f"betten3-round{round_id}-internal.xlsx"
    assert "SENTINEL-DET-91c" in all_text("xlsx", written.read_bytes())
    assert run("betten6", "--format", "csv", "--out", str(tmp_path / "b6.csv")).returncode == 0
    assert len(csv_rows((tmp_path / "b6.csv").read_bytes())) >= 17
    missing = run("betten3", "--round", "999999")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    async with sessions() as session:
        audit = (await session.execute(select(DocumentExport).where(DocumentExport.channel == "cli",
                                                                    DocumentExport.round_id == round_id))).scalars().all()
    assert [(a.kind, a.format, a.audience) for a in audit] == [("betten3", "xlsx", "internal")]
    assert audit[0].actor.startswith("cli:")
