"""Acceptance 3 and 4: Japanese renders (lang, UTF-8, a CJK font installed and actually used for the
glyphs), English on request, every form control on every page has a label; the README shows the
screenshots the journey test writes."""

from __future__ import annotations

import re
import subprocess

from playwright.async_api import Page, expect

from tests.e2e.conftest import README_SCREENSHOTS, ROOT
from tests.factories import application_body

CONTROLS = "input:not([type=hidden]), select, textarea, button"
FORM_ROLES = {"textbox", "combobox", "checkbox", "radio", "button", "searchbox", "spinbutton", "listbox"}


async def fonts_used_for(page: Page, selector: str) -> list[str]:
    """The fonts Chromium really drew the element's text with (DevTools protocol, not CSS wishes)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    document = await cdp.send("DOM.getDocument")
    node = await cdp.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector})
    fonts = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    await cdp.detach()
    return [font["familyName"] for font in fonts["fonts"]]


async def test_japanese_renders_with_a_cjk_font(sign_in):
    installed = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Noto (Sans|Serif) CJK JP", installed), "fonts-noto-cjk is missing (scripts/ensure-system-packages)"

    applicant = await sign_in("applicant1")
    page = applicant.page
    await applicant.goto("/applications/new")
    assert await page.get_attribute("html", "lang") == "ja"
    assert await page.evaluate("document.characterSet") == "UTF-8"
    assert (await page.evaluate("document.querySelector('meta[charset]').getAttribute('charset')")).lower() == "utf-8"
    await expect(page.get_by_role("heading", level=1)).to_have_text("新規申請を作成")
    used = await fonts_used_for(page, "h1")
    assert any("CJK JP" in name for name in used), used  # glyphs drawn from the Japanese font, not tofu


async def test_english_switch_is_remembered(sign_in):
    official = await sign_in("kawasaki1")
    page = official.page
    await official.goto("/inbox")
    await page.get_by_role("link", name="English").click()
    assert await page.get_attribute("html", "lang") == "en"
    await expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    await page.get_by_role("link", name="Zone dashboard").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Zone dashboard")  # kept in the session
    await page.get_by_role("link", name="日本語").click()
    assert await page.get_attribute("html", "lang") == "ja"
    await expect(page.get_by_role("heading", level=1)).to_have_text("特区ダッシュボード")


async def unlabelled_controls(page: Page) -> list[str]:
    """Controls without a <label> (or aria-label) in the DOM, and form controls without an accessible name in
    Chromium's accessibility tree."""
    missing = await page.eval_on_selector_all(CONTROLS, """els => els.filter(e =>
        e.tagName !== 'BUTTON' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
        || e.tagName === 'BUTTON' && !e.textContent.trim() && !e.getAttribute('aria-label')
    ).map(e => e.outerHTML.slice(0, 120))""")
    cdp = await page.context.new_cdp_session(page)
    tree = await cdp.send("Accessibility.getFullAXTree")
    await cdp.detach()
    for node in tree["nodes"]:
        role = (node.get("role") or {}).get("value")
        name = (node.get("name") or {}).get("value", "")
        if role in FORM_ROLES and not node.get("ignored") and not str(name).strip():
            missing.append(f"{role} without an accessible name")
    return missing


async def test_every_form_control_has_a_label(sign_in, as_user, api_url, browser):
    api = await as_user("applicant1")
    created = (await api.post("/applications", application_body(project_name="ラベル確認"))).json()
    await api.post(f"/applications/{created['id']}/submit")
    draft = (await api.post("/applications", application_body(project_name="ラベル確認（下書き）"))).json()
    applicant1_id = (await api.get("/auth/me")).json()["id"]

    pages_by_user = {
        None: ["/login", "/signup", "/password-reset"],
        "applicant1": ["/applications", "/applications/new", f"/applications/{draft['id']}/edit",
                       f"/applications/{created['id']}", "/inbox", "/dashboard", "/account", "/company/users",
                       f"/company/users/{applicant1_id}/disable"],
        "kawasaki1": ["/inbox", "/inbox?sort=-due", "/applications", f"/applications/{created['id']}", "/dashboard"],
        "admin1": ["/operator/users", f"/operator/users/{applicant1_id}/disable"],
    }
    checked = 0
    for username, paths in pages_by_user.items():
        if username is None:
            context = await browser.new_context(locale="ja-JP")
            page = await context.new_page()
            for path in paths:
                await page.goto(api_url + path)
                assert await unlabelled_controls(page) == [], path
                checked += await page.locator(CONTROLS).count()
            await context.close()
            continue
        actor = await sign_in(username)
        for path in paths:
            await actor.goto(path)
            assert await unlabelled_controls(actor.page) == [], (username, path)
            checked += await actor.page.locator(CONTROLS).count()
        if username == "kawasaki1":  # the decision form is on the application page
            await actor.goto(f"/applications/{created['id']}")
            await expect(actor.page.get_by_role("radio", name="受理（協議へ進める）")).to_be_visible()
    assert checked > 100  # the walk really saw the forms


def test_readme_shows_the_screenshots():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("form", "timeline", "inbox", "dashboard"):
        assert f"docs/screenshots/{name}.png" in readme, name
        png = README_SCREENSHOTS / f"{name}.png"
        assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
