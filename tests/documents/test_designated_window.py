"""別紙1-2 of a designated application: g) prints the designated window and the designation date (not the window
the company asked for), and the internal version adds each acquisition with both benefit options and the
credit cap (docs/tax-measure.md). Real API, Temporal and database."""

from __future__ import annotations

from datetime import timedelta

from tests.documents.helpers import all_text
from tests.factories import DESIGNATE, TODAY
from tests.follow_up.helpers import api_to_follow_up
from workflows.jpdates import to_japanese_era

PROJECT = "指定期間印字試験事業WINDOW-7f2"


def page_of(text: str) -> str:
    """The 別紙 page of the test's project (pages start with their 別紙 heading)."""
    start = text.index(PROJECT)
    end = text.find("別紙1-", start + len(PROJECT))
    return text[start:end if end > 0 else None]


async def test_besshi_prints_the_designated_window_and_internally_the_benefit(as_user):
    application = await api_to_follow_up(as_user, project_name=PROJECT)
    applicant, official = await as_user("applicant1"), await as_user("kawasaki1")
    path = f"/applications/{application['id']}/acquisitions"
    acquired_on = TODAY  # a report tells what has happened: not after today
    reported = await applicant.post(path, {
        "asset_class": "machinery", "description": "ペプチド合成装置 PS-3000", "actual_cost_jpy": 31_500_000,
        "acquired_on": acquired_on.isoformat(), "in_service_on": acquired_on.isoformat(),
        "location": "神奈川県川崎市川崎区殿町三丁目25番23号"})
    assert reported.status_code == 201, reported.text
    assert (await official.post(f"{path}/{reported.json()['id']}/review", {"outcome": "confirm"})).status_code == 200

    designated = to_japanese_era(TODAY)
    until = to_japanese_era(TODAY + timedelta(days=300))  # DESIGNATE's window
    assert DESIGNATE["acquisition_until"] == (TODAY + timedelta(days=300)).isoformat()
    schedule = f"令和4年9月1日から事業実施（{designated}指定。対象設備は{designated}から{until}までに取得）"
    public = page_of(all_text("md", (await official.get("/documents/besshi",
                                                        params={"format": "md", "audience": "public"})).content))
    assert schedule in public and "取得予定" not in public  # the company's requested window is gone
    assert "税制上の効果" not in public and "9,450,000" not in public

    internal = page_of(all_text("md", (await official.get("/documents/besshi",
                                                          params={"format": "md", "audience": "internal"})).content))
    assert schedule in internal
    assert "取得した設備と税制上の効果（内部資料・見込み）" in internal
    assert "30% 9,450,000円" in internal and "8% 2,520,000円" in internal and "確認済み" in internal
    assert "控除上限額 = その事業年度の法人税額 × 20%" in internal
    assert "どちらか一方を選択" in internal
