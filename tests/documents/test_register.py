"""Acceptance (issue 15, point 4): the public register lists a designation and a revocation, never a field
marked 非公表 (tested with marker values, as test_exports.py does), without anyone signed in; its Atom feed
validates (feedparser, bozo == 0, plus RFC 4287's required elements read with ElementTree) and its CSV holds
the same entries. Real API, Temporal and database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from xml.etree import ElementTree

import feedparser

from tests.documents.helpers import csv_rows, html_text
from tests.factories import DESIGNATE
from tests.follow_up.helpers import api_to_follow_up

ATOM = "{http://www.w3.org/2005/Atom}"
SECRETS = {"project_name": "秘匿事業名SENTINEL-REG-PRJ-4d2", "content": "秘匿内容SENTINEL-REG-CON-4d2",
           "necessity": "秘匿必要性SENTINEL-REG-NEC-4d2", "business_area": "神奈川県川崎市川崎区殿町三丁目25番22号"}
APPLICANT_SECRETS = {"details": "秘匿詳細SENTINEL-REG-DET-4d2", "capital_jpy": 876_543_219}
MARKERS = ["SENTINEL-REG", "876,543,219", "876543219", "殿町三丁目25番22号"]
TONOMACHI = "殿町区域（キングスカイフロント）"  # the zone area of application_body's business area
WINDOW_FROM = date.today()  # acquisitions count from the designation day (docs/tax-measure.md)
WINDOW_UNTIL = date.today() + timedelta(days=321)


def designation(number: str, *, window: bool = False) -> dict:
    extra = {"acquisition_from": WINDOW_FROM.isoformat(), "acquisition_until": WINDOW_UNTIL.isoformat()} if window else {}
    return {**DESIGNATE, "designation_number": number, **extra}


async def test_register_lists_designation_and_revocation_without_undisclosed_fields(as_user, http):
    tag = uuid.uuid4().hex[:6]
    secret_number, revoked_number = f"指定第R7-公表{tag}-1号", f"指定第R7-公表{tag}-2号"
    # One designated with its project name, business area and the rest undisclosed...
    await api_to_follow_up(as_user, designate=designation(secret_number), **SECRETS, applicant=APPLICANT_SECRETS,
                           undisclosed_fields=["project_name", "content", "necessity", "business_area",
                                               "applicant.details", "applicant.capital_jpy"])
    # ...and one designated with an undisclosed acquisition date, then revoked (a reason is required).
    revoked = await api_to_follow_up(as_user, designate=designation(revoked_number, window=True),
                                     project_name=f"公表試験事業{tag}", necessity="秘匿必要性SENTINEL-REG-NEC2-4d2",
                                     undisclosed_fields=["necessity", "acquisition_until"])
    official = await as_user("kawasaki1")
    no_reason = await official.decide(revoked["id"], {"step": "follow_up", "outcome": "revoke"})
    assert no_reason.status_code == 422, no_reason.text
    reason = "事業の廃止により要件を欠くに至ったため SENTINEL-REG-RSN-4d2"
    done = await official.decide(revoked["id"], {"step": "follow_up", "outcome": "revoke", "reason": reason})
    assert done.status_code == 200 and done.json()["status"] == "revoked", done.text

    # The page: no sign-in, Japanese by default, English with ?lang=en.
    page = await http.get("/register")
    assert page.status_code == 200, page.text
    text = html_text(page.content)
    assert secret_number in text and revoked_number in text
    assert text.count(revoked_number) == 2  # its designation and its revocation
    assert "指定取消" in text and "《非公表》" in text and f"公表試験事業{tag}" in text
    leaked = [marker for marker in MARKERS if marker in page.text]
    assert not leaked, leaked
    assert "/applications/" not in page.text and f'"{revoked["id"]}"' not in page.text  # no internal keys
    english = await http.get("/register", params={"lang": "en"})
    assert english.status_code == 200 and "Revocation" in english.text and "Undisclosed" in english.text
    assert "Tonomachi area (King Skyfront)" in english.text
    assert not [marker for marker in MARKERS if marker in english.text]

    # JSON: the two entries of the revoked one, newest first; the secret one's project and area hidden.
    entries = (await http.get("/api/v1/register")).json()
    mine = [e for e in entries if e["designation_number"] in (secret_number, revoked_number)]
    assert [(e["designation_number"], e["kind"]) for e in mine if e["designation_number"] == revoked_number] == [
        (revoked_number, "revocation"), (revoked_number, "designation")]
    secret = next(e for e in mine if e["designation_number"] == secret_number)
    assert secret["project"] == "《非公表》" and secret["area"] == "《非公表》" and secret["kind_ja"] == "指定"
    revocation = mine[0]
    assert revocation["area"] == TONOMACHI and revocation["government_ja"] == "川崎市"
    assert revocation["window_undisclosed"] and revocation["acquisition_until"] is None
    assert revocation["designated_on"] == DESIGNATE["designated_on"]
    assert not any(key in revocation for key in ("application_id", "organization_id", "reason"))
    everything = (await http.get("/api/v1/register")).text + page.text
    assert not [marker for marker in MARKERS if marker in everything]
    assert WINDOW_UNTIL.isoformat() not in everything  # the designation's window follows the undisclosed date

    # CSV: the same entries, header first, no marker.
    csv_response = await http.get("/api/v1/register.csv")
    assert csv_response.status_code == 200 and csv_response.headers["content-type"].startswith("text/csv")
    rows = csv_rows(csv_response.content)
    assert rows[0][:4] == ["区分", "日付", "企業名", "事業名"]
    assert [row[0] for row in rows[1:] if row[6] == revoked_number] == ["指定取消", "指定"]
    assert "SENTINEL" not in csv_response.content.decode("utf-8-sig")

    # Atom: a valid feed (feedparser finds nothing wrong), RFC 4287's required elements, no marker.
    atom = await http.get("/api/v1/register.atom")
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(atom.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    titles = [entry.title for entry in parsed.entries]
    assert any(title.startswith("指定取消：") for title in titles)
    assert any(revoked_number in entry.summary for entry in parsed.entries)
    _check_rfc4287(atom.content)
    assert b"SENTINEL" not in atom.content


def _check_rfc4287(content: bytes) -> None:
    """RFC 4287 4.1.1 and 4.1.2: a feed has one id, title and updated and an author (or every entry has
    one); each entry one id, title, updated, and a summary or content or an alternate link; ids are unique
    IRIs; dates are RFC 3339."""
    root = ElementTree.fromstring(content)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{tag}")) == 1, tag
    assert root.find(f"{ATOM}author/{ATOM}name").text
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1, tag
        assert entry.find(f"{ATOM}summary") is not None or entry.find(f"{ATOM}link[@rel='alternate']") is not None
        ids.append(entry.find(f"{ATOM}id").text)
        updated = entry.find(f"{ATOM}updated").text
        assert len(updated) == 20 and updated.endswith("Z") and updated[10] == "T", updated
    assert all(i.startswith("urn:uuid:") for i in ids) and len(ids) == len(set(ids))
