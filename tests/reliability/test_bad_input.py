"""Bad input gets a clear 4xx in English and Japanese, and nothing of it is stored: bodies over the limit,
the wrong content type, bytes that are not UTF-8, broken JSON, characters no column can hold — and
malicious uploads on the pages (a wrong type behind a PDF name, path tricks in the name, an oversized file,
an archive)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from services.core.applications.attachments import Attachment
from services.core.applications.models import Application
from tests.factories import application_body
from tests.pages_http import csrf_of, signed_in_pages

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ZIP = b"PK\x03\x04" + b"\x00" * 200  # archives are not accepted at all, so no zip bomb can be opened


async def application_count(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Application))


def assert_bilingual(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    detail = body["detail"] if isinstance(body["detail"], dict) else body
    assert detail["message"] and detail["message_ja"] and detail["message"] != detail["message_ja"]


async def test_oversized_bodies_are_refused_before_reading(as_user, http, sessions):
    applicant = await as_user("applicant1")
    before = await application_count(sessions)
    huge = application_body(necessity="あ" * 600_000)  # ~1.8 MB of UTF-8
    assert_bilingual(await applicant.post("/applications", huge), 413)

    async def chunks():  # no Content-Length: counted as it arrives
        payload = json.dumps(huge, ensure_ascii=False).encode()
        for start in range(0, len(payload), 64 * 1024):
            yield payload[start:start + 64 * 1024]

    chunked = await http.post("/api/v1/applications", content=chunks(),
                              headers={**applicant.headers, "Content-Type": "application/json"})
    assert_bilingual(chunked, 413)
    assert await application_count(sessions) == before


@pytest.mark.parametrize("content_type, payload", [
    ("text/plain", json.dumps(application_body()).encode()),
    ("application/x-www-form-urlencoded", b"project_name=x"),
    ("application/xml", b"<application/>"),
])
async def test_wrong_content_types_are_415(as_user, http, sessions, content_type, payload):
    applicant = await as_user("applicant1")
    before = await application_count(sessions)
    response = await http.post("/api/v1/applications", content=payload,
                               headers={**applicant.headers, "Content-Type": content_type})
    assert_bilingual(response, 415)
    assert "JSON" in response.json()["detail"]["message"]
    assert await application_count(sessions) == before


async def test_sign_in_accepts_only_a_form(http):
    response = await http.post("/api/v1/auth/token", json={"username": "applicant1", "password": "tokku-demo"})
    assert_bilingual(response, 415)


async def test_broken_utf8_and_broken_json(as_user, http, sessions):
    applicant = await as_user("applicant1")
    before = await application_count(sessions)
    headers = {**applicant.headers, "Content-Type": "application/json"}
    broken = b'{"project_name": "' + b"\xff\xfe\x80" + b'"}'
    assert_bilingual(await http.post("/api/v1/applications", content=broken, headers=headers), 400)
    shift_jis = json.dumps({"project_name": "特区"}, ensure_ascii=False).encode("shift_jis")
    assert_bilingual(await http.post("/api/v1/applications", content=shift_jis, headers=headers), 400)
    truncated = await http.post("/api/v1/applications", content='{"project_name": "特'.encode(), headers=headers)
    assert_bilingual(truncated, 422)
    assert truncated.json()["detail"][0]["type"] == "json_invalid"
    login = await http.post("/api/v1/auth/token", content=b"username=\xff&password=x",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_bilingual(login, 400)
    assert await application_count(sessions) == before


async def test_characters_no_database_can_hold(as_user, http, sessions):
    applicant = await as_user("applicant1")
    before = await application_count(sessions)
    nul = await applicant.post("/applications", {"project_name": "ヌル\u0000文字", "measure": "tax_incentive"})
    assert_bilingual(nul, 422)
    surrogate = await http.post("/api/v1/applications", content=b'{"project_name": "\\ud800"}',
                                headers={**applicant.headers, "Content-Type": "application/json"})
    assert_bilingual(surrogate, 422)
    assert_bilingual(await applicant.get("/applications", params={"cursor": "\x00"}), 422)
    assert_bilingual(await http.post("/api/v1/auth/token", data={"username": "a\x00", "password": "x"}), 422)
    assert await application_count(sessions) == before


# --- uploads on the pages ------------------------------------------------------------------------------------


@pytest.fixture
async def browser(api_url):
    async with signed_in_pages(api_url, "applicant1") as client:
        yield client


async def attachments_of(sessions, application_id: int) -> list[Attachment]:
    async with sessions() as session:
        return list((await session.execute(select(Attachment).where(Attachment.application_id == application_id)))
                    .scalars())


async def test_malicious_uploads(browser, as_user, sessions, settings):
    draft = (await (await as_user("applicant1")).post("/applications", {"project_name": "添付の訓練"})).json()
    edit = await browser.get(f"/applications/{draft['id']}/edit")
    csrf = csrf_of(edit)
    url = f"/applications/{draft['id']}/attachments"

    async def upload(name: str, data: bytes, content_type: str = "application/pdf") -> httpx.Response:
        return await browser.post(url, data={"csrf_token": csrf}, files={"file": (name, data, content_type)})

    # A page of HTML (a stored-XSS attempt) and a shell script behind a .pdf name, an archive: refused by content.
    for name, data in [("invoice.pdf", b"<html><script>alert(1)</script></html>"),
                       ("run.pdf", b"#!/bin/sh\nrm -rf /\n"), ("bundle.zip", ZIP), ("empty.pdf", b"")]:
        response = await upload(name, data)
        assert response.status_code == 303
        page = await browser.get(response.headers["location"])
        assert "PDF" in page.text or "空" in page.text  # the reason is shown on the form
    assert await attachments_of(sessions, draft["id"]) == []

    # Path tricks in the name: stored under a plain name, never a path, extension from the content.
    for name in ("../../../etc/passwd.pdf", "..\\..\\windows\\system.ini", "/absolute/evil.exe", "a\x00b.pdf"):
        assert (await upload(name, PDF)).status_code == 303
    stored = [a.filename for a in await attachments_of(sessions, draft["id"])]
    assert len(stored) == 4
    assert all("/" not in n and "\\" not in n and ".." not in n and "\x00" not in n and n.endswith(".pdf")
               for n in stored), stored

    # Oversized: refused before the body is read, with 413; nothing stored.
    too_big = PDF + b"0" * (settings.attachment_max_bytes + 128 * 1024)
    response = await upload("big.pdf", too_big)
    assert response.status_code == 413 and "MB" in response.json()["detail"]["message"]
    assert len(await attachments_of(sessions, draft["id"])) == 4

    # Without the CSRF token the upload is refused outright.
    forged = await browser.post(url, files={"file": ("x.pdf", PDF, "application/pdf")})
    assert forged.status_code == 403
    assert len(await attachments_of(sessions, draft["id"])) == 4
