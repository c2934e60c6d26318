"""Reading generated files back: CSV and XLSX as rows of text, HTML as its visible text."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from html.parser import HTMLParser

from openpyxl import load_workbook


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_rows(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def xlsx_all_text(content: bytes) -> str:
    """Every string in the workbook's parts, however openpyxl stores it."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(content: bytes) -> str:
    parser = _Text()
    parser.feed(content.decode("utf-8"))
    return "\n".join(parser.parts)


def squeezed(text: str) -> str:
    """For comparing with the printed plan, whose extraction adds and drops spaces and line breaks."""
    text = re.sub(r"<<\s*非公表\s*>>", "《非公表》", text)
    return re.sub(r"\s+", "", text).replace("TEL:", "TEL：")


def all_text(fmt: str, content: bytes) -> str:
    if fmt == "xlsx":
        return xlsx_all_text(content) + "\n".join("\t".join(row) for row in xlsx_rows(content))
    return content.decode("utf-8-sig")
