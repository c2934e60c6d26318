"""The zone's numeric targets and their progress as a document (table and chart), for the yearly
evaluation."""

from __future__ import annotations

from services.core.documents.chart import format_amount, targets_svg
from services.core.documents.model import Document, Figure, Page, Table
from services.core.zone.targets import TargetProgress

TITLE = "評価指標・数値目標の達成状況"


def build(progress: list[TargetProgress], *, audience: str, zone_name: str) -> Document:
    year_labels = [figure.label for figure in progress[0].years] if progress else []
    columns = ["番号", "評価指標", "数値目標", "単位", "目標値", *year_labels, "累計", "達成率(%)"]
    rows = [[target.no, target.indicator, target.name, target.unit_ja, target.target,
             *[figure.value for figure in target.years], target.total, f"{target.share * 100:.1f}"]
            for target in progress]
    readable = [[target.no, target.name, format_amount(target.target, target.unit),
                 *[format_amount(figure.value, target.unit) for figure in target.years],
                 format_amount(target.total, target.unit), f"{target.share * 100:.1f}%"] for target in progress]
    page = Page(title=f"{TITLE}（{zone_name}）", blocks=[
        Figure(targets_svg(progress, title=TITLE), "累計の達成率（年度別内訳）と期間経過に応じた目安"),
        Table(["番号", "数値目標", "目標（累計）", *year_labels, "累計", "達成率"], readable)])
    return Document(kind="targets", title=TITLE, subtitle=zone_name, audience=audience, pages=[page],
                    table=Table(columns, rows), sheet_name="数値目標")
