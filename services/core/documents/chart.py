"""The targets chart as SVG, drawn by hand (no plotting library): one bar per target, stacked by fiscal
year, against the target (100 %) and the pace a steady progress would have reached by now."""

from __future__ import annotations

from xml.sax.saxutils import escape

from services.core.zone.targets import TargetProgress

YEAR_COLOURS = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf")
WIDTH = 960
LABEL_WIDTH = 330
BAR_WIDTH = 420
ROW_HEIGHT = 64
TOP = 92


def format_amount(value: int, unit: str) -> str:
    """Figures as officials write them: yen in 億円 (one decimal), the rest with thousands separators."""
    if unit == "JPY":
        oku = value / 100_000_000
        return f"{oku:,.1f}億円" if oku % 1 else f"{oku:,.0f}億円"
    suffix = {"companies_and_institutions": "者", "persons": "人"}.get(unit, "件")
    return f"{value:,}{suffix}"


def targets_svg(progress: list[TargetProgress], *, title: str = "数値目標の達成状況") -> str:
    years = [figure.fiscal_year for figure in progress[0].years] if progress else []
    height = TOP + ROW_HEIGHT * len(progress) + 40
    bar_x = LABEL_WIDTH + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title" '
        f'font-family="Noto Sans CJK JP, Hiragino Sans, Yu Gothic, Meiryo, sans-serif" font-size="13">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="16" y="28" font-size="17" font-weight="bold">{escape(title)}</text>',
    ]
    for index in range(len(years)):  # legend: one colour per fiscal year
        x = 16 + index * 120
        parts.append(f'<rect x="{x}" y="44" width="14" height="14" fill="{YEAR_COLOURS[index % len(YEAR_COLOURS)]}"/>')
        parts.append(f'<text x="{x + 20}" y="56">{escape(progress[0].years[index].label)}</text>')
    parts.append(f'<line x1="{16 + len(years) * 120}" y1="51" x2="{16 + len(years) * 120 + 22}" y2="51" '
                 f'stroke="#d62728" stroke-width="2" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{16 + len(years) * 120 + 28}" y="56">期間経過に応じた目安</text>')
    for row, target in enumerate(progress):
        y = TOP + row * ROW_HEIGHT
        parts.append(f'<text x="16" y="{y + 14}" font-weight="bold">{escape(target.no)}</text>')
        parts.append(f'<text x="70" y="{y + 14}">{escape(_short(target.name, 18))}</text>')
        parts.append(f'<rect x="{bar_x}" y="{y}" width="{BAR_WIDTH}" height="22" fill="#eeeeee" stroke="#999999"/>')
        x = float(bar_x)
        for index, figure in enumerate(target.years):
            if not figure.value or not target.target:
                continue
            width = min(figure.value / target.target * BAR_WIDTH, bar_x + BAR_WIDTH - x)
            if width <= 0:
                break
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="22" '
                         f'fill="{YEAR_COLOURS[index % len(YEAR_COLOURS)]}">'
                         f'<title>{escape(figure.label)}: {escape(format_amount(figure.value, target.unit))}</title></rect>')
            x += width
        pace_x = bar_x + target.pace_share * BAR_WIDTH
        parts.append(f'<line x1="{pace_x:.1f}" y1="{y - 4}" x2="{pace_x:.1f}" y2="{y + 26}" stroke="#d62728" '
                     f'stroke-width="2" stroke-dasharray="4 3"/>')
        summary = (f"{format_amount(target.total, target.unit)} / {format_amount(target.target, target.unit)}"
                   f"（{target.share * 100:.1f}%）")
        parts.append(f'<text x="{bar_x + BAR_WIDTH + 12}" y="{y + 16}">{escape(summary)}</text>')
        parts.append(f'<text x="{bar_x}" y="{y + 40}" font-size="11" fill="#555555">'
                     f'{escape(_short(target.indicator, 60))}</text>')
    parts.append(f'<text x="16" y="{height - 14}" font-size="11" fill="#555555">'
                 f'累計（{escape(progress[0].years[0].label if progress else "")}～'
                 f'{escape(progress[0].years[-1].label if progress else "")}）。取得報告・事業実施状況報告（照会中を除く）'
                 f'及び指定から集計</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
