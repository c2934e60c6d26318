"""Is this address inside the zone, and in which of its 17 areas?  One pure function: `match_address`.

    match_address(text) -> ZoneMatch | ZoneRefusal

The areas and their extent (towns, 丁目, block numbers) are data: data/zone-areas.json, see docs/zone.md.
An address is accepted only where the data marks the extent `confirmed`; near an unconfirmed boundary it is
refused with reason `boundary_unconfirmed` and the company is sent to the secretariat. The same call serves the
business area of an application, the equipment location of an acquisition report and addresses on documents.

Addresses are read as people write them: full-width or half-width, kanji numerals, 3-25-22 or 三丁目25番22号,
番地, の, with or without 〒postal code / prefecture / city / ward, and with a building name after the number.
Stdlib only, offline; nothing outside the repository is read (why no library: docs/zone.md).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from workflows.contracts import Government

DATA_PATH = Path(__file__).resolve().parents[3] / "data" / "zone-areas.json"

RefusalReason = Literal["boundary_unconfirmed", "block_missing", "outside_zone", "outside_kanagawa", "unreadable"]

_PREFECTURE = "神奈川県"
_GOVERNMENT_JA = {Government.kawasaki: "川崎市", Government.yokohama: "横浜市", Government.kanagawa: "神奈川県"}
_GOVERNMENT_EN = {Government.kawasaki: "Kawasaki City", Government.yokohama: "Yokohama City",
                  Government.kanagawa: "Kanagawa Prefecture"}


# ---------------------------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Extent:
    """One town (with 丁目 and blocks, when only some of it) that makes up part of an area."""

    area_key: str
    city: str
    ward: str | None
    town: str
    has_chome: bool
    chome: tuple[int, ...] | None  # None: every 丁目 (or the town has none)
    blocks: tuple[int, ...] | None  # None: every block
    confirmed: bool
    note: str

    @property
    def specificity(self) -> int:
        return (2 if self.blocks is not None else 0) + (1 if self.chome is not None else 0)


@dataclass(frozen=True)
class ZoneArea:
    key: str
    name: str
    name_en: str
    city: str
    wards: tuple[str, ...]
    government: Government
    designated_on: str
    extent: tuple[Extent, ...] = field(repr=False)
    undecided: str = field(default="", repr=False)


@dataclass(frozen=True)
class ZoneData:
    version: int
    read_on: str
    areas: tuple[ZoneArea, ...]
    municipalities: dict[str, tuple[str, ...]]
    kanagawa_cities: tuple[str, ...]

    def area(self, key: str) -> ZoneArea:
        return next(area for area in self.areas if area.key == key)

    @property
    def extents(self) -> tuple[Extent, ...]:
        return tuple(extent for area in self.areas for extent in area.extent)


def _ints(values: list[int] | None) -> tuple[int, ...] | None:
    return None if values is None else tuple(int(v) for v in values)


def _area_from_json(raw: dict[str, Any]) -> ZoneArea:
    extent = tuple(
        Extent(
            area_key=raw["key"], city=raw["city"], ward=item.get("ward"), town=_fold(item["town"]),
            has_chome=bool(item["has_chome"]), chome=_ints(item.get("chome")), blocks=_ints(item.get("blocks")),
            confirmed=bool(item["confirmed"]), note=item.get("note", ""),
        )
        for item in raw["extent"]
    )
    return ZoneArea(
        key=raw["key"], name=raw["name"], name_en=raw["name_en"], city=raw["city"], wards=tuple(raw["wards"]),
        government=Government(raw["government"]), designated_on=raw["designated_on"], extent=extent,
        undecided=raw.get("undecided", ""),
    )


def load_zone(path: Path = DATA_PATH) -> ZoneData:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return ZoneData(
        version=int(raw["version"]), read_on=raw["read_on"],
        areas=tuple(_area_from_json(area) for area in raw["areas"]),
        municipalities={_fold(city): tuple(_fold(w) for w in wards) for city, wards in raw["municipalities"].items()},
        kanagawa_cities=tuple(_fold(city) for city in raw["kanagawa_cities"]),
    )


@lru_cache(maxsize=1)
def zone_data() -> ZoneData:
    """The repository's data, read once per process (it changes only with a deployment)."""
    return load_zone(DATA_PATH)


# ---------------------------------------------------------------------------------------- normalisation

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = "[〇零一二三四五六七八九十百千]+"
# Dashes people put between numbers: hyphen, en/em dash, minus, the long-vowel mark, horizontal bar.
_DASHES = "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\u2500\u2501\u207b\u208b\ufe63\uff0d"


def kanji_to_int(text: str) -> int:
    """三 → 3, 二十五 → 25, 四千二百五十九 → 4259, 五三二二 → 5322 (digit by digit)."""
    if not any(ch in _KANJI_UNITS for ch in text):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _KANJI_UNITS:
            total += (1 if digit is None else digit) * _KANJI_UNITS[ch]
            digit = None
        else:
            digit = _KANJI_DIGITS[ch]
    return total + (digit or 0)


def _fold(text: str) -> str:
    """Character-level normal form shared by the data and the input (NFKC, no spaces, ヶ → ケ)."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return text.replace("ヶ", "ケ").replace("ヵ", "カ")


def normalise(text: str) -> str:
    """The address in one canonical spelling: half-width digits, '-' for every dash, no 〒/postal code."""
    text = _fold(text)
    text = re.sub(f"(?<=[0-9〇一二三四五六七八九十])[{_DASHES}](?=[0-9〇一二三四五六七八九十])", "-", text)
    text = re.sub(r"^(〒|郵便番号:?)?[0-9]{3}-?[0-9]{4}", "", text)
    return text.removeprefix("〒")


# -------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedAddress:
    text: str  # as given
    normalised: str
    prefecture: str | None
    city: str | None
    ward: str | None
    town: str | None
    chome: int | None
    block: int | None
    go: int | None
    rest: str  # building, floor, room… (ignored for matching)
    city_inferred: bool = False


_OTHER_PREFECTURE = re.compile(r"^(東京都|北海道|京都府|大阪府|.{2,3}県)")
_NUMBER_TOKEN = re.compile(r"([0-9]+|" + _KANJI_NUMBER + r")(丁目|番地の?|番の?|号|-|の)?")
_CONTINUES = ("丁目", "番地", "番地の", "番", "番の", "-", "の")


def _numbers(rest: str, has_chome: bool) -> tuple[int | None, int | None, int | None, str]:
    """Read 丁目 / block / 号 from the text after the town; return what follows them (building, room…) too."""
    values: list[tuple[int, str]] = []
    pos = 0
    while (m := _NUMBER_TOKEN.match(rest, pos)) is not None:
        digits, unit = m.group(1), m.group(2) or ""
        if not digits.isdigit() and not unit:
            break  # a kanji numeral with nothing after it belongs to a name
        values.append((int(digits) if digits.isdigit() else kanji_to_int(digits), unit))
        pos = m.end()
        if unit not in _CONTINUES:
            break
    tail = rest[pos:]
    chome_at = next((i for i, (_, unit) in enumerate(values) if unit == "丁目"), None)
    if chome_at is not None:
        chome, after = values[chome_at][0], [v for v, _ in values[chome_at + 1:]]
        if not has_chome:
            # 鈴木町1丁目 (as the plan writes it) for a town without 丁目: the number is the block.
            chome, after = None, [chome, *after]
    else:
        after = [v for v, _ in values]
        chome = after.pop(0) if has_chome and after else None
    block = after[0] if after else None
    go = after[1] if len(after) > 1 else None
    return chome, block, go, tail


def _known_towns(data: ZoneData) -> dict[tuple[str, str | None], list[str]]:
    towns: dict[tuple[str, str | None], list[str]] = {}
    for extent in data.extents:
        names = towns.setdefault((extent.city, extent.ward), [])
        if extent.town not in names:
            names.append(extent.town)
    for names in towns.values():
        names.sort(key=len, reverse=True)
    return towns


def _has_chome(data: ZoneData, city: str, ward: str | None, town: str) -> bool:
    return any(e.has_chome for e in data.extents if (e.city, e.ward, e.town) == (city, ward, town))


def _split_town(rest: str) -> tuple[str, str]:
    """For a town not in the data: its name runs up to the first number (kept for messages only)."""
    m = re.search(r"[0-9]|" + _KANJI_NUMBER + r"(?=丁目|番|号|-)", rest)
    return (rest[: m.start()], rest[m.start():]) if m else (rest, "")


def parse_address(text: str, data: ZoneData | None = None) -> ParsedAddress:
    data = data or zone_data()
    norm = normalise(text)
    rest = norm
    prefecture = city = ward = town = None
    inferred = False

    if rest.startswith(_PREFECTURE):
        prefecture, rest = _PREFECTURE, rest[len(_PREFECTURE):]
    elif m := _OTHER_PREFECTURE.match(rest):
        return ParsedAddress(text, norm, m.group(1), None, None, None, None, None, None, rest[m.end():])

    for name in sorted(data.kanagawa_cities, key=len, reverse=True):
        if rest.startswith(name):
            city, rest = name, rest[len(name):]
            break
    if city and city not in data.municipalities:  # another city of Kanagawa
        rest = re.sub(r"^[^0-9]{1,4}?区", "", rest)  # its ward, if it has wards
        other_town, tail = _split_town(rest)
        return ParsedAddress(text, norm, prefecture, city, None, other_town or None, None, None, None, tail)

    wards_by_city = data.municipalities
    if city:
        for name in sorted(wards_by_city[city], key=len, reverse=True):
            if rest.startswith(name):
                ward, rest = name, rest[len(name):]
                break
    else:
        candidates = [(c, w) for c, wards in wards_by_city.items() for w in wards if rest.startswith(w)]
        if candidates:
            ward = max((w for _, w in candidates), key=len)
            cities = [c for c, w in candidates if w == ward]
            rest = rest[len(ward):]
            if len(cities) == 1:
                city, inferred = cities[0], True

    towns = _known_towns(data)
    if city is not None and (ward is not None or not wards_by_city[city]):
        for name in towns.get((city, ward), []):
            if rest.startswith(name):
                town, rest = name, rest[len(name):]
                break
    else:
        # Town without city (or ward): infer them when the town is one of the zone's, in one place only.
        hits = [(c, w, name) for (c, w), names in towns.items() for name in names
                if rest.startswith(name) and (city is None or c == city) and (ward is None or w == ward)]
        longest = max((len(name) for _, _, name in hits), default=0)
        places = {(c, w) for c, w, name in hits if len(name) == longest}
        if len(places) == 1:
            (city, ward), town = places.pop(), rest[:longest]
            rest, inferred = rest[longest:], True

    if town is None:
        other_town, tail = _split_town(rest)
        return ParsedAddress(text, norm, prefecture, city, ward, other_town or None, None, None, None, tail, inferred)

    chome, block, go, tail = _numbers(rest, _has_chome(data, city, ward, town))
    return ParsedAddress(text, norm, prefecture, city, ward, town, chome, block, go, tail, inferred)


# ------------------------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class ZoneMatch:
    area: ZoneArea
    address: ParsedAddress
    ok: Literal[True] = True

    @property
    def key(self) -> str:
        return self.area.key

    @property
    def government(self) -> Government:
        return self.area.government


@dataclass(frozen=True)
class ZoneRefusal:
    reason: RefusalReason
    address: ParsedAddress
    nearest: tuple[ZoneArea, ...]
    message_ja: str
    message: str
    ok: Literal[False] = False

    @property
    def nearest_keys(self) -> tuple[str, ...]:
        return tuple(area.key for area in self.nearest)


def _fits(extent: Extent, address: ParsedAddress) -> Literal["yes", "no", "block_missing"]:
    if extent.chome is not None:
        if address.chome is None:
            return "block_missing"
        if address.chome not in extent.chome:
            return "no"
    if extent.blocks is not None:
        if address.block is None:
            return "block_missing"
        if address.block not in extent.blocks:
            return "no"
    return "yes"


def _nearest(data: ZoneData, address: ParsedAddress, first: list[str] | None = None) -> tuple[ZoneArea, ...]:
    keys: list[str] = list(first or [])
    for extent in data.extents:  # same town
        if (extent.city, extent.ward, extent.town) == (address.city, address.ward, address.town):
            keys.append(extent.area_key)
    same_ward = [a for a in data.areas if address.ward and a.city == address.city and address.ward in a.wards]
    same_ward.sort(key=lambda a: a.wards.index(address.ward))  # areas mainly in that ward first
    keys.extend(area.key for area in same_ward)
    for area in data.areas:  # same city
        if address.city and area.city == address.city:
            keys.append(area.key)
    unique = list(dict.fromkeys(keys))
    return tuple(data.area(key) for key in unique[:3])


def _contact(nearest: tuple[ZoneArea, ...]) -> tuple[str, str]:
    if not nearest:
        return ("特区事務局（神奈川県・横浜市・川崎市）", "the zone secretariat (Kanagawa Prefecture, Yokohama and Kawasaki)")
    government = nearest[0].government
    return (f"特区事務局（{_GOVERNMENT_JA[government]}の担当窓口）",
            f"the zone secretariat ({_GOVERNMENT_EN[government]} office)")


def _describe(extent: Extent) -> str:
    chome = "・".join(str(c) for c in extent.chome) + "丁目" if extent.chome else ""
    blocks = "・".join(str(b) for b in extent.blocks) + "番" if extent.blocks else ""
    return f"{chome}{blocks}"


def _refusal(reason: RefusalReason, address: ParsedAddress, nearest: tuple[ZoneArea, ...],
             extent: Extent | None = None) -> ZoneRefusal:
    given = address.text.strip()
    names_ja = "、".join(area.name for area in nearest)
    names_en = "; ".join(area.name_en for area in nearest)
    near_ja = f"近い区域: {names_ja}。" if nearest else ""
    near_en = f" Nearest area(s): {names_en}." if nearest else ""
    contact_ja, contact_en = _contact(nearest)
    if reason == "boundary_unconfirmed":
        ja = (f"「{given}」は{nearest[0].name}の付近ですが、この区域の境界は公表資料で確認できていないため、"
              f"自動では区域内と判定できません。{contact_ja}に区域内かどうかをご確認ください。")
        en = (f"“{given}” is near {nearest[0].name_en}, but that area's boundary is not published, so it cannot "
              f"be accepted automatically. Please ask {contact_en} whether the address is inside the zone.")
    elif reason == "block_missing":
        parts = _describe(extent) if extent else address.town or ""
        ja = (f"「{given}」: {nearest[0].name}は{address.town}のうち{parts}のみが区域です。丁目・番地（街区番号）まで"
              f"ご記入ください。不明な場合は{contact_ja}にお問い合わせください。")
        en = (f"“{given}”: only part of {address.town} ({parts}) belongs to {nearest[0].name_en}. Please give the "
              f"丁目 and block number (番地). If in doubt, please contact {contact_en}.")
    elif reason == "outside_kanagawa":
        ja = (f"「{given}」は神奈川県外の住所です。京浜臨海部ライフイノベーション国際戦略総合特区の区域は"
              f"神奈川県内（川崎市・横浜市・藤沢市）のみです。ご不明な点は{contact_ja}にお問い合わせください。")
        en = (f"“{given}” is outside Kanagawa Prefecture; the zone's areas are all in Kawasaki, Yokohama and "
              f"Fujisawa. For questions, please contact {contact_en}.")
    elif reason == "unreadable":
        ja = (f"「{given}」から市区町村・町名を読み取れませんでした。「川崎市川崎区殿町三丁目25番22号」のように"
              f"市・区・町名から番地までご記入ください。{near_ja}不明な場合は{contact_ja}にお問い合わせください。")
        en = (f"We could not read a city, ward and town in “{given}”. Please write the address from the city down "
              f"to the block number (e.g. 川崎市川崎区殿町三丁目25番22号).{near_en} If in doubt, please contact "
              f"{contact_en}.")
    else:
        ja = (f"「{given}」は京浜臨海部ライフイノベーション国際戦略総合特区の区域外と判定しました。{near_ja}"
              f"区域内であるとお考えの場合は、{contact_ja}にお問い合わせください。")
        en = (f"“{given}” is not inside any area of the Keihin Coastal Area Life Innovation International "
              f"Strategic Comprehensive Special Zone.{near_en} If you believe it is inside the zone, please "
              f"contact {contact_en}.")
    return ZoneRefusal(reason, address, nearest, ja, en)


def match_address(text: str, data: ZoneData | None = None) -> ZoneMatch | ZoneRefusal:
    """The area that contains `text`, or a refusal naming the nearest area(s) and the secretariat to ask."""
    if data is None:
        return _match_with_repository_data(text)
    return _match(text, data)


@lru_cache(maxsize=4096)
def _match_with_repository_data(text: str) -> ZoneMatch | ZoneRefusal:
    # One save validates the address, derives the area and the government: the same few texts, again and
    # again (the live check too). Results are frozen, so sharing them is safe.
    return _match(text, zone_data())


def _match(text: str, data: ZoneData) -> ZoneMatch | ZoneRefusal:
    address = parse_address(text, data)
    if address.prefecture not in (None, _PREFECTURE):
        return _refusal("outside_kanagawa", address, ())
    if address.city is not None and address.city not in data.municipalities:
        return _refusal("outside_zone", address, ())
    if address.town is None or address.city is None:
        return _refusal("unreadable", address, _nearest(data, address))

    candidates = [e for e in data.extents if (e.city, e.ward, e.town) == (address.city, address.ward, address.town)]
    fitting = [e for e in candidates if _fits(e, address) == "yes"]
    if fitting:
        best = max(fitting, key=lambda e: (e.specificity, e.confirmed))
        if best.confirmed:
            return ZoneMatch(data.area(best.area_key), address)
        return _refusal("boundary_unconfirmed", address, _nearest(data, address, [best.area_key]), best)
    missing = [e for e in candidates if _fits(e, address) == "block_missing"]
    if missing:
        best = max(missing, key=lambda e: (e.confirmed, e.specificity))
        return _refusal("block_missing", address, _nearest(data, address, [best.area_key]), best)
    return _refusal("outside_zone", address, _nearest(data, address))


# ------------------------------------------------------------------------------------------- lookups


def area_by_key(key: str | None, data: ZoneData | None = None) -> ZoneArea | None:
    """The area an application stored, or None (no area, or a key the current data no longer has)."""
    if not key:
        return None
    data = data or zone_data()
    return next((area for area in data.areas if area.key == key), None)


def areas_of_city(city: str | None, data: ZoneData | None = None) -> tuple[ZoneArea, ...]:
    """Every area of one city (川崎市, 横浜市, 藤沢市), in the data's order; () for any other place."""
    data = data or zone_data()
    return tuple(area for area in data.areas if city and area.city == city)
