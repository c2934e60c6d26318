"""A format-neutral document: pages of blocks for HTML and Markdown, plus one table for CSV and XLSX.

Builders (betten3, besshi, betten6, targets_table) fill it from records that are already redacted for
their audience, so no renderer ever sees an undisclosed value of a public document.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Item:
    """A numbered or lettered item of a form: its label, then its text as paragraphs (別紙 a)–g))."""

    label: str
    paragraphs: list[str]


@dataclass
class Rows:
    """A two-column table of label and value (別添3 entity, 別添6 header); a value is a list of lines."""

    rows: list[tuple[str, list[str]]]


@dataclass
class Numbered:
    """A heading (【①第1回】) and its numbered lines (1. …)."""

    heading: str
    items: list[str]


@dataclass
class Heading:
    text: str


@dataclass
class Table:
    columns: list[str]
    rows: list[list[object]]


@dataclass
class Figure:
    svg: str
    caption: str


Block = Item | Rows | Numbered | Heading | Table | Figure


@dataclass
class Page:
    title: str
    blocks: list[Block] = field(default_factory=list)
    note: str | None = None  # the plan's 一部非公表 note, printed at the foot of the page
    internal_note: str | None = None  # internal audience: which fields are undisclosed


@dataclass
class Document:
    kind: str
    title: str
    audience: str
    pages: list[Page]
    table: Table  # the same rows go to CSV and to the XLSX sheet
    sheet_name: str
    subtitle: str | None = None
