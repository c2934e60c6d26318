"""The document's table as CSV (UTF-8 with BOM, which Excel in Japan opens correctly) and as XLSX
(openpyxl): the same header and rows in both."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from services.core.documents.model import Document


def csv_rows(document: Document) -> list[list[str]]:
    return [list(document.table.columns)] + [["" if cell is None else str(cell) for cell in row]
                                             for row in document.table.rows]


def render_csv(document: Document) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(csv_rows(document))
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(document: Document) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = document.sheet_name
    workbook.properties.title = document.title
    workbook.properties.subject = document.audience
    sheet.append(list(document.table.columns))
    for row in document.table.rows:
        sheet.append([_cell(value) for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that starts with '=' stays text, never a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(document.table.columns, start=1):
        longest = max([len(str(column))] + [min(len(str(r[index - 1])), 60) for r in document.table.rows] or [10])
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(longest * 1.8, 80))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))
