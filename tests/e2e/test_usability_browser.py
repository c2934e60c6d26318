"""The timed walk-through (issue 20, acceptance 4): a company fills a blank application with two equipment
items and submits it, and each official decides their step from the inbox. Every click, page load and field
typed is counted per task, with the time it took; a decision stays at 3 clicks or fewer from the inbox.

The table is written to tests/artifacts/usability.md (ignored by git); docs/usability.md carries a run's
figures and says how to read them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from playwright.async_api import Page, expect

from tests.e2e.pages import TEXT_FIELDS, application_id_from
from tests.e2e.pages import field as labelled

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TODAY = date.today().isoformat()
MAX_DECISION_CLICKS = 3


@dataclass
class Task:
    """One person's task on the pages, counted as they do it."""

    name: str
    who: str
    clicks: int = 0
    loads: int = 0
    fields: int = 0
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def watch(self, page: Page) -> None:
        page.on("load", lambda _page: setattr(self, "loads", self.loads + 1))

    async def click(self, locator) -> None:
        self.clicks += 1
        await locator.click()

    async def fill(self, locator, value: str) -> None:
        self.fields += 1
        await locator.fill(value)

    async def select(self, locator, label: str) -> None:
        self.fields += 1
        await locator.select_option(label=label)

    def done(self) -> None:
        self.seconds = time.monotonic() - self.started


# Each official's step: who, the outcome's radio, the fields typed, the lists chosen.
STEPS = [
    ("kawasaki1", "受付審査", "受理（協議へ進める）", {}, {}),
    ("secretariat1", "地域協議会協議", "了承",
     {"協議日（開始）": TODAY, "協議日（終了）": TODAY, "=意見": "体制を明確にすること",
      "=意見に対する対応": "体制図を追加した"},
     {"協議の方法": "ICTを活用した協議（書面・オンライン）"}),
    ("kawasaki1", "計画変更申請", "計画変更を申請", {"申請日": TODAY, "文書番号": "川崎市 R8-1"}, {}),
    ("cao1", "内閣府審査", "認定", {"認定日": TODAY, "文書番号": "府地事第1号"}, {}),
    ("kawasaki1", "指定", "指定", {"指定番号": "指定第R8-1号", "指定日": TODAY, "取得期間（開始日）": TODAY,
                                  "取得期間（期限）": f"{int(TODAY[:4]) + 1}{TODAY[4:]}"}, {}),
]


def table(tasks: list[Task]) -> str:
    lines = ["| task | who | clicks | page loads | fields typed or chosen | seconds |",
             "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {t.name} | {t.who} | {t.clicks} | {t.loads} | {t.fields} | {t.seconds:.1f} |" for t in tasks]
    return "\n".join(lines) + "\n"


async def test_timed_walk_through(sign_in, api_url):
    tasks: list[Task] = []
    company = await sign_in("applicant1")
    page = company.page
    await company.goto("/")
    task = Task("fill a blank application with two equipment items and submit it", "company (applicant1)")
    task.watch(page)
    await task.click(page.get_by_role("link", name="新規申請を作成").first)
    await expect(labelled(page, "事業名")).to_have_value("")
    for label, value in TEXT_FIELDS.items():
        await task.fill(labelled(page, label), value)
    await task.select(labelled(page, "特別の措置"), "国際戦略総合特区設備等投資促進税制（別紙1-2）")
    await task.select(labelled(page, "解決策"), "解決策2")
    for n, (asset, description, cost, day) in enumerate(
            [("機械・装置", "ペプチド合成装置一式", "30,000,000", "2027-04-01"),
             ("開発研究用器具・備品", "質量分析計", "15,000,000", "令和9年6月1日")], start=1):
        if n > 1:
            await task.click(page.get_by_role("button", name="設備を追加"))
        await task.select(page.get_by_label(f"設備 {n} 資産の種類"), asset)
        await task.fill(page.get_by_label(f"設備 {n} 設備の内容"), description)
        await task.fill(page.get_by_label(f"設備 {n} 取得予定価額（円）"), cost)
        await task.fill(page.get_by_label(f"設備 {n} 取得予定日"), day)
    await task.click(page.get_by_role("button", name="提出する"))
    await page.wait_for_url("**/applications/*")
    await expect(page.get_by_role("status").filter(has_text="申請を提出しました")).to_be_visible()
    task.done()
    tasks.append(task)
    application_id = application_id_from(page.url)
    project = TEXT_FIELDS["事業名"]

    for username, step, outcome, fields, selects in STEPS:
        official = await sign_in(username)
        page = official.page
        await official.goto("/inbox")  # where an official starts
        task = Task(f"decide 「{step}」 from the inbox", username)
        task.watch(page)
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=str(application_id), exact=True))
        await task.click(row.get_by_role("link", name=project))
        await page.wait_for_url(f"**/applications/{application_id}")
        await task.click(page.get_by_role("radio", name=outcome))
        for label, value in fields.items():
            await task.fill(labelled(page, label), value)
        for label, option in selects.items():
            await task.select(labelled(page, label), option)
        await task.click(page.get_by_role("button", name="判断を記録"))
        await page.wait_for_url("**/inbox")
        await expect(page.get_by_role("status").filter(has_text="判断を記録しました")).to_be_visible()
        task.done()
        tasks.append(task)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "usability.md").write_text(table(tasks), encoding="utf-8")
    for task in tasks[1:]:
        assert task.clicks <= MAX_DECISION_CLICKS, table(tasks)
        assert task.loads <= 2, table(tasks)  # the application's page, then the inbox again
