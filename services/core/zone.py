"""The zone's areas (区域) and which designated local government each belongs to.

An application's business area must lie inside one of them; the area decides the responsible government.
Addresses are matched after normalisation (full-width digits, kanji numerals in 丁目, spaces, 神奈川県 prefix).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from workflows.contracts import Government


@dataclass(frozen=True)
class ZoneArea:
    key: str
    name: str
    government: Government
    pattern: re.Pattern[str]


def _area(key: str, name: str, government: Government, pattern: str) -> ZoneArea:
    return ZoneArea(key, name, government, re.compile(pattern))


# From the plan (seed/): Kawasaki — 殿町3丁目 (King Skyfront), 鈴木町, 新川崎; Yokohama — 末広町・小野町・弁天町
# in 鶴見区, 福浦, みなとみらい21.
ZONE_AREAS: tuple[ZoneArea, ...] = (
    _area("tonomachi", "殿町区域（キングスカイフロント）", Government.kawasaki, r"^川崎市川崎区殿町3丁目"),
    _area("suzukicho", "鈴木町区域", Government.kawasaki, r"^川崎市川崎区鈴木町"),
    _area("shinkawasaki", "新川崎区域（新川崎・創造のもり）", Government.kawasaki, r"^川崎市幸区新川崎"),
    _area("suehiro", "末広区域", Government.yokohama, r"^横浜市鶴見区(末広町|小野町|弁天町)"),
    _area("fukuura", "福浦区域", Government.yokohama, r"^横浜市金沢区福浦"),
    _area("minatomirai", "みなとみらい21区域", Government.yokohama, r"^横浜市西区(みなとみらい|高島|北幸|南幸)"),
)

_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _kanji_number(text: str) -> str:
    if text == "十":
        return "10"
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str((_KANJI_DIGITS.get(tens, 1)) * 10 + _KANJI_DIGITS.get(ones, 0))
    return str(_KANJI_DIGITS[text])


def normalise_address(address: str) -> str:
    text = unicodedata.normalize("NFKC", address)
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"([一二三四五六七八九十]+)丁目", lambda m: _kanji_number(m.group(1)) + "丁目", text)
    text = re.sub(r"^〒?\d{3}-?\d{4}", "", text)
    return text.removeprefix("神奈川県")


def find_area(address: str) -> ZoneArea | None:
    normalised = normalise_address(address)
    return next((area for area in ZONE_AREAS if area.pattern.search(normalised)), None)


def area_names() -> str:
    return "、".join(area.name for area in ZONE_AREAS)
