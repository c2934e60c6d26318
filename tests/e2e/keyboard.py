"""Moving through a page with the keyboard alone, as a person without a mouse does: Tab to the control (by
its label or name), type, Space to tick or choose, Enter to follow a link or press a button. A select's option
is chosen with the arrow keys, the keyboard's way for a closed list."""

from __future__ import annotations

from playwright.async_api import Page

# The focused element's name as a person hears it: its label, else aria-label, else its own text.
FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "";
  const label = (e.labels && e.labels.length) ? e.labels[0].textContent : (e.getAttribute("aria-label") || e.textContent);
  return (label || "").replace(/\\s+/g, " ").trim();
}"""


async def tab_to(page: Page, name: str, *, exact: bool = False, max_presses: int = 400) -> int:
    """Press Tab until the control named `name` (a prefix, or exactly) has the focus; the presses it took."""
    for presses in range(1, max_presses + 1):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED_NAME)
        if focused == name or (not exact and focused.startswith(name)):
            return presses
    raise AssertionError(f"{name!r} cannot be reached with Tab")


async def type_into(page: Page, name: str, text: str) -> None:
    await tab_to(page, name)
    await page.keyboard.press("Control+A")
    await page.keyboard.type(text)


async def choose(page: Page, name: str, option: str) -> None:
    """Tab to a select and move through its options with the arrow keys until `option` is chosen."""
    await tab_to(page, name)
    for _ in range(30):
        chosen = await page.evaluate("() => { const s = document.activeElement; "
                                     "return s.options[s.selectedIndex].textContent.trim(); }")
        if chosen.startswith(option):
            return
        await page.keyboard.press("ArrowDown")
    raise AssertionError(f"{option!r} is not an option of {name!r}")
