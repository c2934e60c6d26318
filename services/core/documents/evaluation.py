"""The yearly evaluation (評価書（案）) as a document: the same HTML, Markdown, CSV and XLSX renderers as the
plan's annexes. Built from an EvaluationDraft, whose register entries are already redacted for the public."""

from __future__ import annotations

from services.core.documents.chart import format_amount
from services.core.documents.model import Document, Heading, Item, Page, Rows, Table
from services.core.documents.redaction import PUBLIC
from services.core.evaluation.schemas import EvaluationDraft
from workflows.jpdates import to_japanese_era

TITLE = "国際戦略総合特別区域 評価書（案）"
NO_ROWS = "該当なし"


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def _plain(value: float) -> int | float:
    """A whole figure as an integer in CSV and XLSX (745000000, not 745000000.0)."""
    return int(value) if float(value).is_integer() else value


def _amount(value: float, unit: str) -> str:
    return format_amount(int(value), unit) if float(value).is_integer() else _number(value)


def build(draft: EvaluationDraft, *, zone_name: str) -> Document:
    label = f"{draft.label}（{draft.fiscal_year}年4月1日～{draft.fiscal_year + 1}年3月31日）"
    targets = Table(
        ["番号", "数値目標", "目標（累計）", "当年度（tokku）", "当年度（事務局入力）", "当年度計", "累計（当年度まで）",
         "達成率"],
        [[t.no, t.name, format_amount(t.target, t.unit), _amount(t.year_from_tokku, t.unit),
          _amount(t.year_entered, t.unit), _amount(t.year_total, t.unit), _amount(t.cumulative, t.unit),
          f"{t.share * 100:.1f}%"] for t in draft.targets])
    register = Table(["区分", "日付", "企業名", "事業名", "区域", "指定自治体", "指定番号"],
                     [[e.kind_ja, to_japanese_era(e.occurred_on), e.company, e.project, e.area or "—", e.government_ja,
                       e.designation_number] for e in draft.designations])
    acquisitions = draft.acquisitions
    by_class = Table(["資産の種類", "件数", "取得価額"], [[c.asset_class_ja, c.count, f"{c.cost_jpy:,}円"]
                                                  for c in acquisitions.by_asset_class])
    figures = Table(["項目", "値", "単位", "対象の数値目標", "出典", "備考"],
                    [[f.label, _number(f.value), f.unit, f.target_no or "—", f.source, f.note or ""]
                     for f in draft.figures])
    loans_text = draft.loans.note if draft.loans.available else f"【データなし】{draft.loans.note}"
    blocks = [
        Item("対象年度", [label]),
        Heading("1 数値目標の達成状況"),
        targets,
        Item("集計の方法", ["tokkuの取得報告・事業実施状況報告（照会中を除く）及び指定から集計した値に、"
                       "事務局が出典とともに入力した値（5を参照）を加えた。累計は計画期間の初年度からの合計。"]),
        Heading("2 特定国際戦略事業の実施主体の指定・変更・指定取消"),
        register if draft.designations else Item("状況", [NO_ROWS]),
        Heading("3 設備の取得（取得報告）"),
        Rows([("件数", [f"{acquisitions.count}件"]), ("企業数", [f"{acquisitions.companies}社"]),
              ("取得価額の合計", [f"{acquisitions.total_cost_jpy:,}円"])]),
        by_class if acquisitions.by_asset_class else Item("状況", [NO_ROWS]),
        Heading("4 国際戦略総合特区支援利子補給金（融資）"),
        Item("状況", [loans_text]),
        Heading("5 tokku以外の数値（事務局入力）"),
        figures if draft.figures else Item("状況", [NO_ROWS]),
    ]
    rows: list[list[object]] = []
    for t in draft.targets:
        rows += [["1 数値目標", f"{t.no} {t.name} 当年度（tokku）", t.year_from_tokku, t.unit_ja, "tokku"],
                 ["1 数値目標", f"{t.no} {t.name} 当年度（事務局入力）", _plain(t.year_entered), t.unit_ja,
                  "事務局入力（5）"],
                 ["1 数値目標", f"{t.no} {t.name} 累計", _plain(t.cumulative), t.unit_ja, f"目標 {t.target}"],
                 ["1 数値目標", f"{t.no} {t.name} 達成率", f"{t.share * 100:.1f}", "%", ""]]
    rows += [["2 指定等", f"{e.kind_ja} {e.company}（{e.project}）", e.designation_number, "",
              e.occurred_on.isoformat()] for e in draft.designations]
    rows += [["3 設備の取得", "件数", acquisitions.count, "件", "取得報告"],
             ["3 設備の取得", "企業数", acquisitions.companies, "社", "取得報告"],
             ["3 設備の取得", "取得価額の合計", acquisitions.total_cost_jpy, "円", "取得報告"]]
    rows += [["3 設備の取得", f"{c.asset_class_ja}", c.cost_jpy, "円", f"{c.count}件"]
             for c in acquisitions.by_asset_class]
    rows += [["4 利子補給金", "件数" if draft.loans.available else "データなし",
              draft.loans.count if draft.loans.available else "", "件", draft.loans.note]]
    rows += [["5 事務局入力", f.label, _plain(f.value), f.unit, f.source] for f in draft.figures]
    page = Page(title=f"{TITLE} {draft.label}（{zone_name}）", blocks=blocks)
    return Document(kind="evaluation", title=TITLE, subtitle=f"{draft.label} {zone_name}", audience=PUBLIC,
                    pages=[page], table=Table(["区分", "項目", "値", "単位", "出典・根拠"], rows),
                    sheet_name=f"評価書{draft.fiscal_year}")
