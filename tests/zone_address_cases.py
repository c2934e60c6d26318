"""Real addresses, written as people write them, with the area they are in or the refusal they get.

Data only, so the API and form tests can reuse it (phase 2 of issue #12): each Case is an address and either
the expected area key, or the refusal reason and the area expected first among `nearest` (None: no area).
`source` says where the facility's address comes from; "constructed" marks an address made up in a real town
to probe a boundary (no facility claimed). Sources read on 2026-12-01; URLs are in data/zone-areas.json
under the same names, or given here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    address: str
    area: str | None = None  # expected area key when accepted
    reason: str | None = None  # expected refusal reason when refused
    nearest: str | None = None  # area expected first in the refusal's `nearest`
    source: str = ""

    @property
    def accepted(self) -> bool:
        return self.area is not None


def ok(address: str, area: str, source: str) -> Case:
    return Case(address, area=area, source=source)


def refused(address: str, reason: str, nearest: str | None, source: str) -> Case:
    return Case(address, reason=reason, nearest=nearest, source=source)


PLAN = "plan (data/zone-plan.txt, 別紙1-2 f) / 別添3 住所)"

CASES: tuple[Case, ...] = (
    # --- 殿町区域 (tonomachi) -------------------------------------------------------------------------
    ok("〒210-0821 神奈川県川崎市川崎区殿町三丁目25番22号 ライフイノベーションセンター", "tonomachi", PLAN),
    ok("川崎市川崎区殿町3-25-22", "tonomachi", PLAN + "; refused by the old regex (issue #12)"),
    ok("〒 2 1 0 - 0 8 2 1 神奈川県川崎市川崎区殿町三丁目 25 番 23 号", "tonomachi", PLAN + " (spaced-out PDF text)"),
    ok("殿町３－２５－２２", "tonomachi", PLAN + "; full-width, no city/ward"),
    ok("神奈川県川崎市川崎区殿町三丁目二十五番二十二号", "tonomachi", PLAN + "; kanji numerals throughout"),
    ok("川崎市川崎区殿町3丁目25番地の22 ﾗｲﾌｲﾉﾍﾞｰｼｮﾝｾﾝﾀｰ 3F", "tonomachi", PLAN + "; 番地の, half-width kana"),
    ok("神奈川県川崎市川崎区殿町三丁目25ー22", "tonomachi", PLAN + "; long-vowel mark as dash"),
    ok("川崎区殿町3‐25‐23", "tonomachi", PLAN + "; U+2010 hyphens, no city"),
    ok("川崎市川崎区殿町3丁目", "tonomachi", PLAN + " 「殿町3丁目に所在する事業所内」"),
    ok("川崎市川崎区鈴木町1丁目", "tonomachi", PLAN + " 「鈴木町1丁目に所在する事業所内」 (味の素)"),
    ok("神奈川県川崎市川崎区鈴木町1-1", "tonomachi", PLAN + "; 鈴木町 block 1 (suzukicho)"),
    # --- 末広区域 (suehiro) ----------------------------------------------------------------------------
    ok("神奈川県横浜市鶴見区末広町1丁目", "suehiro", PLAN),
    ok("横浜市鶴見区末広町一丁目", "suehiro", PLAN + "; kanji 丁目"),
    ok("横浜市鶴見区小野町36", "suehiro", PLAN + " 「小野町36、44、52」"),
    ok("鶴見区小野町四十四番地", "suehiro", PLAN + "; kanji block, no city"),
    ok("〒230-0045 横浜市鶴見区弁天町2番地", "suehiro", PLAN + " 「弁天町2」"),
    # --- みなとみらい区域 (minatomirai) ----------------------------------------------------------------
    ok("横浜市西区みなとみらい4-5-3 神奈川大学みなとみらいキャンパス", "minatomirai", "kanagawa_univ_mm (fk-online.jp)"),
    ok("〒220-8739 神奈川県横浜市西区みなとみらい四丁目5番1号", "minatomirai", "kanagawa_univ_mm (aonavi.net: 4-5-1)"),
    ok("横浜市西区みなとみらい４丁目", "minatomirai", "tests/unit/test_zone_and_settings.py (old table)"),
    # --- 福浦区域 (fukuura) ----------------------------------------------------------------------------
    ok("〒236-0004 神奈川県横浜市金沢区福浦3-9", "fukuura", "ycu_fukuura (YCU hospital pages)"),
    ok("横浜市金沢区福浦三丁目9番 横浜市立大学附属病院", "fukuura", "ycu_fukuura"),
    # --- 新川崎区域 (shinkawasaki) ---------------------------------------------------------------------
    ok("神奈川県川崎市幸区新川崎7番7号 かわさき新産業創造センター KBIC", "shinkawasaki", PLAN + " 別紙1-2 6/6 (2)"),
    ok("川崎市幸区新川崎７－７ KBIC本館", "shinkawasaki", "kbic_address (tenants' pages)"),
    # --- THINK (think) --------------------------------------------------------------------------------
    ok("川崎市川崎区南渡田町1-1", "think", "think (issue #12)"),
    ok("神奈川県川崎市川崎区南渡田町１番１号 THINK", "think", "think (issue #12)"),
    # --- かながわサイエンスパーク (ksp) -----------------------------------------------------------------
    ok("神奈川県川崎市高津区坂戸3-2-1", "ksp", "ksp (issue #12)"),
    ok("〒213-0012 川崎市高津区坂戸三丁目2番1号 かながわサイエンスパークR&D C棟", "ksp", "ksp (tenants' pages)"),
    ok("高津区坂戸3-2-1 KSP西棟", "ksp", "ksp; no city"),
    # --- 神奈川県立がんセンター (kanagawa_cancer_center) ------------------------------------------------
    ok("神奈川県横浜市旭区中尾二丁目3番2号", "kanagawa_cancer_center", "kanagawa_cancer_center (gan-nichijo.com)"),
    ok("横浜市旭区中尾2-3-2", "kanagawa_cancer_center", "kanagawa_cancer_center"),
    # --- 慶應義塾大学矢上キャンパス (keio_yagami) -------------------------------------------------------
    ok("〒223-8522 横浜市港北区日吉3-14-1", "keio_yagami", "keio_yagami (理工学研究科 履修案内 2016)"),
    ok("港北区日吉三丁目14番1号 慶應義塾大学矢上キャンパス 創想館", "keio_yagami", "keio_yagami; no city"),
    # --- 横浜市立大学附属市民総合医療センター (ycu_medical_center) --------------------------------------
    ok("横浜市南区浦舟町4-57", "ycu_medical_center", "ycu_medical_center (locanfy / Wikipedia)"),
    ok("〒232-0024 神奈川県横浜市南区浦舟町四丁目57番地", "ycu_medical_center", "ycu_medical_center"),
    # --- 慶應義塾大学湘南藤沢キャンパス (keio_sfc) -----------------------------------------------------
    ok("神奈川県藤沢市遠藤5322番地", "keio_sfc", "keio_sfc (Wikipedia mirror)"),
    ok("藤沢市遠藤５３２２ 慶應義塾大学湘南藤沢キャンパス", "keio_sfc", "keio_sfc"),
    # --- すずかけ台 (suzukakedai) ----------------------------------------------------------------------
    ok("〒226-8501 神奈川県横浜市緑区長津田町4259 G1-914", "suzukakedai", "suzukakedai (laboratory pages)"),
    ok("横浜市緑区長津田町４２５９番地 すずかけ台キャンパス B2棟330室", "suzukakedai", "suzukakedai"),
    # --- areas whose boundary is not published: refused, the area named, sent to the secretariat ------
    refused("横浜市神奈川区恵比須町2-1", "boundary_unconfirmed", "shinkoyasu", "shinkoyasu_2016 (建通新聞)"),
    refused("神奈川区恵比須町２番地", "boundary_unconfirmed", "shinkoyasu", "shinkoyasu_2016"),
    refused("横浜市港北区新横浜2丁目 KAKiYAビル", "boundary_unconfirmed", "shinyokohama", "shinyokohama_2021"),
    refused("港北区新横浜三丁目", "boundary_unconfirmed", "shinyokohama", "constructed"),
    refused("横浜市金沢区福浦1-1", "boundary_unconfirmed", "kanazawa_industrial", "constructed"),
    refused("横浜市金沢区幸浦2丁目", "boundary_unconfirmed", "kanazawa_industrial", "constructed"),
    refused("横浜市金沢区福浦3丁目10番", "boundary_unconfirmed", "kanazawa_industrial", "constructed (next to YCU)"),
    refused("〒231-8588 横浜市中区日本大通1", "boundary_unconfirmed", "yobou_igaku_clinic",
            "神奈川県庁 (pref.kanagawa.jp p934155)"),
    refused("神奈川県横浜市中区日本大通", "boundary_unconfirmed", "yobou_igaku_clinic", "constructed"),
    refused("横浜市西区高島1丁目1番", "boundary_unconfirmed", "minatomirai", "constructed (MM21 side of 高島)"),
    refused("横浜市中区新港2丁目", "boundary_unconfirmed", "minatomirai", "constructed (MM21 新港地区)"),
    refused("川崎市川崎区新川通 川崎市立川崎病院", "boundary_unconfirmed", "tonomachi", "kawasaki_hospital_listing"),
    refused("川崎市幸区新川崎1-1", "boundary_unconfirmed", "shinkawasaki", "constructed (新川崎地区)"),
    refused("横浜市中区山下町32 神奈川県横浜合同庁舎", "outside_zone", "kannai",
            "https://www.fha-kanagawa.jp/ (協会の概要)"),
    refused("横浜市中区港町1丁目1番地", "outside_zone", "kannai", "constructed (関内駅前)"),
    # --- the town is only partly in an area and no block was given ------------------------------------
    refused("横浜市鶴見区小野町", "block_missing", "suehiro", PLAN),
    refused("川崎市高津区坂戸3丁目", "block_missing", "ksp", "ksp"),
    refused("横浜市旭区中尾二丁目", "block_missing", "kanagawa_cancer_center", "kanagawa_cancer_center"),
    # --- outside, but close: same town, same ward, neighbouring towns, stations -----------------------
    refused("川崎市川崎区殿町2丁目", "outside_zone", "tonomachi", "old table"),
    refused("神奈川県川崎市川崎区殿町1-1", "outside_zone", "tonomachi", "constructed"),
    refused("川崎市川崎区大師河原1丁目", "outside_zone", "tonomachi", "constructed (next to 殿町)"),
    refused("川崎市川崎区鈴木町2-1", "outside_zone", "tonomachi", "constructed (鈴木町, not block 1)"),
    refused("川崎市川崎区駅前本町26-1", "outside_zone", "tonomachi", "constructed (JR川崎駅前)"),
    refused("川崎市川崎区南渡田町2", "outside_zone", "think", "constructed"),
    refused("川崎市川崎区渡田向町", "outside_zone", "tonomachi", "constructed (渡田地区)"),
    refused("川崎市高津区坂戸3-1-1", "outside_zone", "ksp", "constructed (next block)"),
    refused("川崎市高津区溝口1丁目", "outside_zone", "ksp", "constructed (溝の口)"),
    refused("川崎市幸区鹿島田1丁目", "outside_zone", "shinkawasaki", "constructed (next to 新川崎)"),
    refused("川崎市中原区小杉町3丁目", "outside_zone", "tonomachi", "constructed (武蔵小杉駅)"),
    refused("神奈川県川崎市中原区新丸子東3丁目", "outside_zone", "tonomachi", "constructed (武蔵小杉)"),
    refused("川崎市麻生区南黒川", "outside_zone", "tonomachi", "innoba川崎 (estie.jp)"),
    refused("〒230-0051 神奈川県横浜市鶴見区鶴見中央2-6-29 アスク・サンシンビル3階", "outside_zone", "suehiro",
            PLAN + " 別添3"),
    refused("横浜市鶴見区末広町2丁目", "outside_zone", "suehiro", "constructed (next 丁目)"),
    refused("横浜市鶴見区小野町1", "outside_zone", "suehiro", "constructed (other block)"),
    refused("横浜市鶴見区弁天町3", "outside_zone", "suehiro", "constructed (other block)"),
    refused("横浜市西区南幸1-1-1", "outside_zone", "minatomirai", "constructed (横浜駅西口); the old regex accepted it"),
    refused("横浜市西区北幸1丁目", "outside_zone", "minatomirai", "constructed (横浜駅西口); the old regex accepted it"),
    refused("横浜市西区高島2-16-1", "outside_zone", "minatomirai", "constructed (横浜駅東口)"),
    refused("横浜市神奈川区三ツ沢西町1番1号", "outside_zone", "shinkoyasu", "横浜市立市民病院 (kampuspedia.com)"),
    refused("横浜市神奈川区守屋町3丁目", "outside_zone", "shinkoyasu", "constructed (新子安)"),
    refused("横浜市港北区日吉4-1-1 慶應義塾大学日吉協生館", "outside_zone", "keio_yagami", "Keio KMD pages"),
    refused("横浜市港北区日吉3-13-1", "outside_zone", "keio_yagami", "constructed (next block)"),
    refused("横浜市港北区新羽町", "outside_zone", "shinyokohama", "DJK (shin-yoko.net), near 北新横浜"),
    refused("横浜市南区浦舟町3丁目", "outside_zone", "ycu_medical_center", "constructed"),
    refused("横浜市旭区中尾1丁目", "outside_zone", "kanagawa_cancer_center", "constructed"),
    refused("横浜市緑区長津田1丁目", "outside_zone", "suzukakedai", "constructed (town 長津田, not 長津田町)"),
    refused("横浜市緑区長津田町4260", "outside_zone", "suzukakedai", "constructed (next block)"),
    refused("横浜市金沢区並木2丁目", "outside_zone", "fukuura", "constructed"),
    refused("横浜市戸塚区戸塚町", "outside_zone", "suehiro", "中外ライフサイエンスパーク横浜 (townnews 2017)"),
    refused("藤沢市南藤沢2丁目", "outside_zone", "keio_sfc", "constructed (藤沢駅南口)"),
    refused("神奈川県藤沢市藤沢", "outside_zone", "keio_sfc", "constructed (藤沢駅北口)"),
    refused("藤沢市遠藤2000", "outside_zone", "keio_sfc", "constructed (same town, not the campus)"),
    refused("相模原市緑区橋本", "outside_zone", None, "constructed (another city)"),
    refused("鎌倉市深沢", "outside_zone", None, "村岡・深沢地区 (nikkeibp)"),
    refused("東京都千代田区永田町1-11-39", "outside_kanagawa", None, "内閣府地方創生推進事務局 (kantei.go.jp)"),
    refused("東京都大田区羽田空港3丁目", "outside_kanagawa", None, "constructed (across the river from 殿町)"),
    refused("〒104-8315 東京都中央区京橋一丁目15番1号", "outside_kanagawa", None, PLAN + " 別添3"),
    # --- cannot be read ---------------------------------------------------------------------------------
    refused("横浜市西区", "unreadable", "minatomirai", "no town"),
    refused("KING SKYFRONT", "unreadable", None, "a name, not an address"),
)
