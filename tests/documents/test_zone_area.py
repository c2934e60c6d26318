"""The documents name the zone's area an application is stored in (issue #12): 別紙1-2 f) prints the
business area and the area's name below it — not when the business area is undisclosed."""

from __future__ import annotations

from tests.documents.test_exports import fetch
from tests.documents.test_rounds import passed_council

KSP_ADDRESS = "〒213-0012 川崎市高津区坂戸三丁目2番1号 かながわサイエンスパーク"
KSP_LINE = "（区域: かながわサイエンスパーク（KSP））"


async def test_besshi_prints_the_area_name(as_user):
    [shown] = await passed_council(as_user, 1, project_name="区域名の印字", business_area=KSP_ADDRESS)
    [hidden] = await passed_council(as_user, 1, project_name="区域名の非公表", business_area=KSP_ADDRESS,
                                    undisclosed_fields=["business_area"])
    kawasaki = await as_user("kawasaki1")
    round_id = (await kawasaki.post("/rounds", {"title": "区域名", "application_ids": [shown, hidden]})).json()["id"]

    public = (await fetch(kawasaki, "besshi", "md", "public", round_id)).content.decode()
    pages = public.split("別紙1-2 <")
    shown_page = next(p for p in pages if "区域名の印字" in p)
    hidden_page = next(p for p in pages if "区域名の非公表" in p)
    assert f"{KSP_ADDRESS}に所在する事業所内" in shown_page and KSP_LINE in shown_page
    assert KSP_LINE not in hidden_page and KSP_ADDRESS not in hidden_page  # the area would tell the place

    internal = (await fetch(kawasaki, "besshi", "md", "internal", round_id)).content.decode()
    assert internal.count(KSP_LINE) == 2  # officials see every field
