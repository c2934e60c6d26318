"""axe-core (npm, pinned in tests/axe/package.json) injected into a page: the WCAG 2 A/AA rules that JIS X
8341-3:2016 asks of Japanese public bodies. `npm ci` installs it into tests/axe/node_modules (ignored by git)
the first time; without Node and npm the tests fail (scripts/ensure-system-packages installs them), they are
never skipped."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from playwright.async_api import Page

AXE_DIR = Path(__file__).resolve().parents[1] / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa"]


def ensure_installed() -> Path:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed for the accessibility tests: run scripts/ensure-system-packages"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=AXE_DIR, check=True,
                       timeout=600)
    assert AXE_JS.exists(), f"axe-core was not installed in {AXE_DIR}"
    return AXE_JS


async def violations(page: Page) -> list[dict]:
    """The page's WCAG 2 A/AA violations as axe reports them (rule id, impact, the nodes that fail)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(ensure_installed()))
    result = await page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(0, 2).join(' '))}))",
        WCAG_TAGS)
    return result


def describe(found: dict[str, list[dict]]) -> str:
    lines = []
    for where, items in found.items():
        for v in items:
            lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']}")
            lines += [f"    {node}" for node in v["nodes"][:5]]
    return "\n".join(lines)
