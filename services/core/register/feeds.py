"""The register as files: CSV (UTF-8 with BOM, the documents' own renderer) and an Atom feed (RFC 4287)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

from services.core.documents.model import Document, Table
from services.core.documents.redaction import PUBLIC, UNDISCLOSED
from services.core.documents.tabular import render_csv
from services.core.register.schemas import RegisterEntry
from workflows.jpdates import to_japanese_era

TITLE = "特定国際戦略事業の実施主体の指定・変更・指定取消（公表）"
PUBLISHER = "神奈川県・横浜市・川崎市（京浜臨海部ライフイノベーション国際戦略総合特区）"
ATOM = "http://www.w3.org/2005/Atom"
CSV_COLUMNS = ["区分", "日付", "企業名", "事業名", "区域", "指定自治体", "指定番号", "指定日", "設備取得期間（開始）",
               "設備取得期間（期限）", "根拠"]


def _window(entry: RegisterEntry, value) -> str:
    if entry.window_undisclosed:
        return UNDISCLOSED
    return value.isoformat() if value else ""


def register_document(entries: list[RegisterEntry]) -> Document:
    rows = [[e.kind_ja, e.occurred_on.isoformat(), e.company, e.project, e.area or "", e.government_ja,
             e.designation_number, e.designated_on.isoformat(), _window(e, e.acquisition_from),
             _window(e, e.acquisition_until), e.basis] for e in entries]
    return Document(kind="register", title=TITLE, audience=PUBLIC, pages=[], table=Table(CSV_COLUMNS, rows),
                    sheet_name="公表")


def register_csv(entries: list[RegisterEntry]) -> bytes:
    return render_csv(register_document(entries))


def entry_summary(entry: RegisterEntry) -> str:
    """One line a reader of the feed understands without the page."""
    parts = [f"{entry.kind_ja}（{to_japanese_era(entry.occurred_on)}）", f"企業名：{entry.company}",
             f"事業名：{entry.project}", f"区域：{entry.area or '—'}", f"指定自治体：{entry.government_ja}",
             f"指定番号：{entry.designation_number}", f"指定日：{to_japanese_era(entry.designated_on)}"]
    if entry.window_undisclosed:
        parts.append(f"設備取得期間：{UNDISCLOSED}")
    elif entry.acquisition_from and entry.acquisition_until:
        parts.append(f"設備取得期間：{to_japanese_era(entry.acquisition_from)}～{to_japanese_era(entry.acquisition_until)}")
    parts.append(f"根拠：{entry.basis}")
    return " / ".join(parts)


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def register_atom(entries: list[RegisterEntry], *, base_url: str, now: datetime | None = None) -> bytes:
    """An Atom 1.0 feed: the feed's id, title, updated, author and self link; per entry its id (stable urn:uuid),
    title, updated, published, summary and a link to the register page."""
    base = base_url.rstrip("/")
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ja"})

    def child(parent, tag: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    child(feed, "id", f"{base}/register")
    child(feed, "title", TITLE)
    updated = max((e.recorded_at for e in entries), default=now or datetime.now(UTC))
    child(feed, "updated", _timestamp(updated))
    author = child(feed, "author")
    child(author, "name", PUBLISHER)
    child(feed, "link", rel="self", type="application/atom+xml", href=f"{base}/api/v1/register.atom")
    child(feed, "link", rel="alternate", type="text/html", href=f"{base}/register")
    for entry in entries:
        item = child(feed, "entry")
        child(item, "id", entry.entry_id)
        child(item, "title", f"{entry.kind_ja}：{entry.company}（{entry.project}）")
        child(item, "updated", _timestamp(entry.recorded_at))
        child(item, "published", _timestamp(entry.recorded_at))
        child(item, "link", rel="alternate", type="text/html", href=f"{base}/register#{entry.entry_id[9:]}")
        child(item, "category", term=entry.kind, label=entry.kind_ja)
        child(item, "summary", entry_summary(entry), type="text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
