"""Markdown (GitHub flavour): one section per plan page, tables as pipe tables."""

from __future__ import annotations

from services.core.documents.model import Document, Figure, Heading, Item, Numbered, Rows, Table
from services.core.documents.redaction import PUBLIC


def _text(text: object) -> str:
    """Escape what Markdown would read as emphasis or code; Japanese text is left as it is."""
    value = str(text)
    for char in ("\\", "`", "*", "_"):
        value = value.replace(char, "\\" + char)
    return value


def _cell(text: object) -> str:
    return _text(text).replace("|", "\\|").replace("\n", "<br>")


def _table(columns: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _block(block) -> list[str]:
    if isinstance(block, Item):
        return [f"**{_text(block.label)}**", ""] + [line for p in block.paragraphs for line in (_text(p), "")]
    if isinstance(block, Rows):
        return _table(["項目", "内容"], [[label, "\n".join(lines)] for label, lines in block.rows])
    if isinstance(block, Numbered):
        return [f"### {_text(block.heading)}", ""] + [f"{i}. {_text(line)}" for i, line in
                                                      enumerate(block.items, start=1)] + [""]
    if isinstance(block, Heading):
        return [f"## {_text(block.text)}", ""] if block.text else []
    if isinstance(block, Table):
        return _table(block.columns, block.rows)
    if isinstance(block, Figure):
        return [f"*{_text(block.caption)}*（図はHTML版・SVGを参照）", ""]
    raise TypeError(type(block))


def render_markdown(document: Document) -> bytes:
    lines: list[str] = []
    for index, page in enumerate(document.pages):
        if index:
            lines += ["---", ""]
        lines += [f"# {_text(page.title)}", ""]
        if document.audience != PUBLIC:
            lines += ["> **内部資料（非公表情報を含む・取扱注意）**", ""]
        for block in page.blocks:
            lines += _block(block)
        if page.internal_note and document.audience != PUBLIC:
            lines += [f"> {_text(page.internal_note)}", ""]
        if page.note:
            lines += [_text(page.note), ""]
    return "\n".join(lines).encode("utf-8")
