"""Table test of services.core.zone.addresses.match_address (issue #12): tests/zone_address_cases.py."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from services.core.zone.addresses import (
    DATA_PATH,
    ZoneMatch,
    ZoneRefusal,
    kanji_to_int,
    match_address,
    normalise,
    zone_data,
)
from tests.zone_address_cases import CASES, Case
from workflows.contracts import Government


@pytest.mark.parametrize("case", CASES, ids=[c.address for c in CASES])
def test_address_table(case: Case):
    result = match_address(case.address)
    if case.accepted:
        assert isinstance(result, ZoneMatch), (case.address, getattr(result, "reason", None), case.source)
        assert result.area.key == case.area
    else:
        assert isinstance(result, ZoneRefusal), (case.address, getattr(result, "key", None), case.source)
        assert result.reason == case.reason
        if case.nearest is None:
            assert result.nearest == ()
        else:
            assert result.nearest_keys[0] == case.nearest
        assert result.message_ja and result.message
        assert "特区事務局" in result.message_ja and "secretariat" in result.message


def test_table_covers_the_brief():
    areas = Counter(c.area or c.nearest for c in CASES if c.area or c.reason in ("boundary_unconfirmed",
                                                                                "block_missing"))
    outside = [c for c in CASES if c.reason in ("outside_zone", "outside_kanagawa")]
    assert len(CASES) >= 80
    assert len(outside) >= 25
    keys = {area.key for area in zone_data().areas}
    kannai = [c for c in CASES if c.nearest == "kannai"]
    assert all(areas[key] >= 2 for key in keys - {"kannai"}), {k: areas[k] for k in keys}
    assert len(kannai) >= 2  # 関内区域 has no published extent: every address there is refused near it


def test_data_file_is_complete():
    raw = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    assert raw["version"] == 1 and raw["read_on"] == "2026-12-01"
    data = zone_data()
    assert len(data.areas) == 17 and len({a.key for a in data.areas}) == 17
    assert sum(a.designated_on == "2011-12-22" for a in data.areas) == 4
    assert Counter(a.government for a in data.areas) == {
        Government.yokohama: 12, Government.kawasaki: 4, Government.kanagawa: 1}
    for area in raw["areas"]:
        for extent in area["extent"]:
            assert set(extent["sources"]) <= set(raw["sources"]), (area["key"], extent["town"])
        assert set(area["sources"]) <= set(raw["sources"])
    for source in raw["sources"].values():
        assert source["url"].startswith("http") and source["read_on"] == "2026-12-01"


def test_match_carries_government_and_parsed_address():
    result = match_address("〒213-0012 神奈川県川崎市高津区坂戸3-2-1 R&D棟")
    assert isinstance(result, ZoneMatch)
    assert result.government == Government.kawasaki
    address = result.address
    assert (address.city, address.ward, address.town, address.chome, address.block, address.go) == (
        "川崎市", "高津区", "坂戸", 3, 2, 1)
    assert match_address("藤沢市遠藤5322").government == Government.kanagawa


def test_refusal_names_the_government_to_contact():
    result = match_address("横浜市西区南幸1-1-1")
    assert isinstance(result, ZoneRefusal)
    assert "横浜市" in result.message_ja and "Yokohama" in result.message
    assert "みなとみらい" in result.message_ja


@pytest.mark.parametrize("text, number", [
    ("三", 3), ("十", 10), ("二十五", 25), ("四十四", 44), ("百一", 101), ("四千二百五十九", 4259), ("五三二二", 5322),
])
def test_kanji_numerals(text, number):
    assert kanji_to_int(text) == number


def test_normalise():
    assert normalise("〒 2 1 0 - 0 8 2 1 川崎市川崎区殿町３－２５－２２") == "川崎市川崎区殿町3-25-22"
    assert normalise("殿町3ー25ー22センター") == "殿町3-25-22センター"
