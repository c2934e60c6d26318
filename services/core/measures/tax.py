"""国際戦略総合特区設備等投資促進税制 (租税特別措置法 第42条の11) as dated rules. Pure: stdlib and pydantic only.

The numbers live in data/tax-measure.json, one entry per period of designation dates; docs/tax-measure.md names
the source of each and what the sources leave open. What the law attaches to which date:
- the rates follow the day the corporation was designated (法人指定の日), not the day an asset was acquired;
- acquisitions count from the day of designation, that day included, to the measure's last date (the sunset);
- the sunset is also the last day a corporation can be designated. The last date confirmed in force is in the
  data; an enacted extension is a deployment setting, passed here as `extension_until`.

Money is whole yen (int); amounts computed from a rate are rounded down to the yen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DATA_PATH = Path(__file__).resolve().parents[3] / "data" / "tax-measure.json"

AssetClass = Literal["machinery", "rd_instrument", "building", "building_attachment", "structure"]
RateGroup = Literal["machinery", "building"]
Choice = Literal["depreciation", "credit"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class AssetClassInfo(_Frozen):
    group: RateGroup  # which rate applies: machinery (機械及び装置, 開発研究用器具及び備品) or building (建物等)
    label_ja: str
    minimum_basis: Literal["per_unit", "building_total"]


class RuleSet(_Frozen):
    """The values for corporations designated from `in_force_from` to `in_force_until` (both days included)."""

    id: str
    in_force_from: date
    in_force_until: date
    applies_by: Literal["designated_on"]
    minimum_cost_jpy: dict[str, int]  # machinery, rd_instrument (per unit or set), building_total
    depreciation_pct: dict[RateGroup, int]  # special depreciation, % of the acquisition cost
    credit_pct: dict[RateGroup, int]  # tax credit, % of the acquisition cost
    credit_cap_pct_of_corporate_tax: int  # the year's credits are capped at this % of that year's corporate tax
    credit_carryover_years: int  # 0: what the cap cuts off lapses
    confirmed: bool
    source: list[str]
    notes: str | None = None
    # True when this entry is used past its end because an extension setting allows the date: the extension's
    # own rates are not in the data yet, so the amounts are provisional.
    provisional: bool = False

    def covers(self, day: date) -> bool:
        return self.in_force_from <= day <= self.in_force_until


class Sunset(_Frozen):
    last_confirmed: date
    meaning: str
    source: list[str]
    extension_confirmed: bool
    extension_note: str


class Source(_Frozen):
    title: str
    url: str
    read_on: date
    says: str


class TaxMeasure(_Frozen):
    schema_version: int = Field(alias="schema")
    version: str
    measure: str
    name_ja: str
    law: str
    read_on: date
    notes: list[str]
    measure_start: date
    measure_start_source: str
    sunset: Sunset
    asset_classes: dict[AssetClass, AssetClassInfo]
    rules: list[RuleSet]
    sources: dict[str, Source]

    @model_validator(mode="after")
    def _consistent(self) -> TaxMeasure:
        if not self.rules:
            raise ValueError("tax measure: no rules")
        if set(self.asset_classes) != set(AssetClass.__args__):  # type: ignore[attr-defined]
            raise ValueError(f"tax measure: asset classes {sorted(self.asset_classes)} are not {AssetClass}")
        for earlier, later in pairwise(self.rules):
            if later.in_force_from <= earlier.in_force_until:
                raise ValueError(f"tax measure: rule {later.id} starts before {earlier.id} ends (keep them in order)")
        for rule in self.rules:
            if rule.in_force_until < rule.in_force_from:
                raise ValueError(f"tax measure: rule {rule.id} ends before it starts")
            missing = {"machinery", "rd_instrument", "building_total"} - set(rule.minimum_cost_jpy)
            if missing or set(rule.depreciation_pct) != {"machinery", "building"} \
                    or set(rule.credit_pct) != {"machinery", "building"}:
                raise ValueError(f"tax measure: rule {rule.id} lacks a value ({sorted(missing)})")
        if self.rules[-1].in_force_until > self.sunset.last_confirmed:
            raise ValueError("tax measure: the last rule runs past the confirmed sunset")
        cited = {key for rule in self.rules for key in rule.source} | set(self.sunset.source) \
            | {self.measure_start_source}
        if unknown := cited - set(self.sources):
            raise ValueError(f"tax measure: unknown source keys {sorted(unknown)}")
        return self


class Finding(_Frozen):
    rule: str
    field: str
    message: str
    message_ja: str
    severity: Literal["error", "warning"] = "error"


class Benefit(_Frozen):
    """What one asset earns: the special depreciation limit, or the tax credit with the year's cap applied."""

    asset_class: AssetClass
    cost_jpy: int
    designated_on: date
    choice: Choice
    rule_id: str
    rate_pct: int
    amount_jpy: int  # cost × rate, rounded down
    cap_jpy: int | None  # credit only, when the year's corporate tax is known
    allowed_jpy: int | None  # what can be used this year; None for a credit whose cap is not known yet
    lapsed_jpy: int  # credit cut off by the cap (no carry-over)
    carryover_years: int
    provisional: bool
    source: list[str]


class CreditForYear(_Frozen):
    """The credits of one business year together: the cap applies to their sum, not to each asset."""

    items: list[Benefit]
    total_jpy: int
    cap_jpy: int
    allowed_jpy: int
    lapsed_jpy: int


class MeasureNotInForce(ValueError):
    """No encoded rule applies to that designation date."""


def load_measure(path: Path = DATA_PATH) -> TaxMeasure:
    return TaxMeasure.model_validate(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_measure() -> TaxMeasure:
    return load_measure(DATA_PATH)


def _measure(measure: TaxMeasure | None) -> TaxMeasure:
    return measure if measure is not None else default_measure()


def last_date(*, extension_until: date | None = None, measure: TaxMeasure | None = None) -> date:
    """The measure's last day: last day of designation and of acquisition. An extension setting moves it later."""
    m = _measure(measure)
    if extension_until is None:
        return m.sunset.last_confirmed
    if extension_until <= m.sunset.last_confirmed:
        raise ValueError(f"an extension must end after the confirmed sunset {m.sunset.last_confirmed}, "
                         f"not on {extension_until}")
    return extension_until


def rules_on(designated_on: date, *, extension_until: date | None = None,
             measure: TaxMeasure | None = None) -> RuleSet | None:
    """The rule set for a corporation designated on that day, or None when no encoded rule applies.

    Past the last entry and up to an extension setting, the last entry is returned marked provisional.
    """
    m = _measure(measure)
    for rule in m.rules:
        if rule.covers(designated_on):
            return rule
    last = m.rules[-1]
    if last.in_force_until < designated_on <= last_date(extension_until=extension_until, measure=m):
        return last.model_copy(update={"provisional": True})
    return None


def _latest_or(designated_on: date | None, extension_until: date | None, m: TaxMeasure) -> RuleSet:
    if designated_on is not None and (rule := rules_on(designated_on, extension_until=extension_until, measure=m)):
        return rule
    return m.rules[-1]


def minimum_cost_finding(asset_class: AssetClass, cost: int, *, building_total: int | None = None,
                         designated_on: date | None = None, extension_until: date | None = None,
                         measure: TaxMeasure | None = None) -> Finding | None:
    """None when the asset reaches the minimum acquisition cost (取得価額要件), else the finding.

    Machinery and R&D instruments are judged per unit (or per set where they are sold as a set). A building,
    a building attachment or a structure is judged on `building_total`: the one building together with its
    attachments (and the structures acquired with it), this asset included. Without it the asset is judged on
    its own cost, which can only err towards a finding.
    """
    m = _measure(measure)
    if cost < 0 or (building_total is not None and building_total < 0):
        raise ValueError("costs are not negative")
    info = m.asset_classes[asset_class]
    rule = _latest_or(designated_on, extension_until, m)
    if info.minimum_basis == "per_unit":
        minimum = rule.minimum_cost_jpy[asset_class]
        if cost >= minimum:
            return None
        unit_ja = "1台・1基（通常1組・1式で取引されるものは1組・1式）"
        return Finding(
            rule="minimum_cost", field="cost_jpy",
            message=f"cost ¥{cost:,} is below the minimum of ¥{minimum:,} per unit (per set where sold as a set) "
                    f"for {asset_class}",
            message_ja=f"取得価額 {cost:,}円 は{info.label_ja}の下限 {minimum:,}円（{unit_ja}）に達していません")
    minimum = rule.minimum_cost_jpy["building_total"]
    if building_total is not None and building_total < cost:
        raise ValueError(f"the building total ¥{building_total:,} includes this asset, so it is at least ¥{cost:,}")
    judged = cost if building_total is None else building_total
    if judged >= minimum:
        return None
    if building_total is None:
        return Finding(
            rule="minimum_cost", field="cost_jpy",
            message=f"cost ¥{cost:,} of this {asset_class} alone is below ¥{minimum:,}; the minimum applies to one "
                    "building with its attachments (and structures) together: give that total to judge it",
            message_ja=f"{info.label_ja}単独の取得価額 {cost:,}円 は下限 {minimum:,}円 に達していません。下限は一の建物と"
                       "その附属設備（及び構築物）の合計額で判定します。合計額を示してください")
    return Finding(
        rule="minimum_cost", field="building_total_jpy",
        message=f"the building with its attachments (and structures) costs ¥{building_total:,} in total, "
                f"below the minimum of ¥{minimum:,}",
        message_ja=f"一の建物及びその附属設備（並びに構築物）の取得価額の合計額 {building_total:,}円 は下限 "
                   f"{minimum:,}円 に達していません")


def benefit(asset_class: AssetClass, cost: int, designated_on: date, *, choice: Choice = "depreciation",
            corporate_tax: int | None = None, extension_until: date | None = None,
            measure: TaxMeasure | None = None) -> Benefit:
    """The benefit of one qualifying asset (check `minimum_cost_finding` first) of a corporation designated then.

    Depreciation: the special depreciation limit (特別償却限度額) = cost × rate, taken in the year the asset is put
    to use, on top of ordinary depreciation. Credit: cost × rate, capped at the rule's % of that year's
    corporate tax (調整前法人税額) when `corporate_tax` is given; for several assets use `credits_for_year`.
    """
    m = _measure(measure)
    if cost < 0 or (corporate_tax is not None and corporate_tax < 0):
        raise ValueError("amounts are not negative")
    rule = rules_on(designated_on, extension_until=extension_until, measure=m)
    if rule is None:
        raise MeasureNotInForce(
            f"no encoded rule for a corporation designated on {designated_on} (rules cover "
            f"{m.rules[0].in_force_from} to {m.rules[-1].in_force_until}; extension: {extension_until})")
    group = m.asset_classes[asset_class].group
    rate = (rule.depreciation_pct if choice == "depreciation" else rule.credit_pct)[group]
    amount = cost * rate // 100
    cap = allowed = None
    lapsed = 0
    if choice == "depreciation":
        allowed = amount
    elif corporate_tax is not None:
        cap = corporate_tax * rule.credit_cap_pct_of_corporate_tax // 100
        allowed = min(amount, cap)
        lapsed = amount - allowed if rule.credit_carryover_years == 0 else 0
    return Benefit(asset_class=asset_class, cost_jpy=cost, designated_on=designated_on, choice=choice,
                   rule_id=rule.id, rate_pct=rate, amount_jpy=amount, cap_jpy=cap, allowed_jpy=allowed,
                   lapsed_jpy=lapsed, carryover_years=rule.credit_carryover_years, provisional=rule.provisional,
                   source=rule.source)


def credits_for_year(assets: Iterable[tuple[AssetClass, int]], designated_on: date, corporate_tax: int, *,
                     extension_until: date | None = None, measure: TaxMeasure | None = None) -> CreditForYear:
    """The credits of the assets put to use in one business year, capped together at the year's limit."""
    if corporate_tax < 0:
        raise ValueError("amounts are not negative")
    rule = rules_on(designated_on, extension_until=extension_until, measure=measure)
    if rule is None:
        raise MeasureNotInForce(f"no encoded rule for a corporation designated on {designated_on}")
    items = [benefit(asset_class, cost, designated_on, choice="credit", extension_until=extension_until,
                     measure=measure) for asset_class, cost in assets]
    total = sum(item.amount_jpy for item in items)
    cap = corporate_tax * rule.credit_cap_pct_of_corporate_tax // 100
    allowed = min(total, cap)
    return CreditForYear(items=items, total_jpy=total, cap_jpy=cap, allowed_jpy=allowed, lapsed_jpy=total - allowed)


def acquisition_in_window(acquired_on: date, designated_on: date, acquisition_until: date, *,
                          acquisition_from: date | None = None) -> bool:
    """Whether an acquisition counts: from the day of designation (that day included; or from the window's start
    when later) to the window's last day, included."""
    start = max(designated_on, acquisition_from) if acquisition_from else designated_on
    return start <= acquired_on <= acquisition_until


def lawful_window(designated_on: date, acquisition_from: date, acquisition_until: date, *,
                  extension_until: date | None = None, measure: TaxMeasure | None = None) -> tuple[date, date]:
    """The part of a designated window the measure counts: not before designation, not past the last date."""
    return (max(designated_on, acquisition_from),
            min(acquisition_until, last_date(extension_until=extension_until, measure=measure)))


def check_designation(designated_on: date, acquisition_from: date, acquisition_until: date, *,
                      extension_until: date | None = None, measure: TaxMeasure | None = None) -> list[Finding]:
    """What is wrong with a designation's dates, as findings (empty when none). Errors refuse the designation;
    a warning says the rates of an extension are not in the data yet."""
    m = _measure(measure)
    sunset = last_date(extension_until=extension_until, measure=m)
    confirmed = m.sunset.last_confirmed
    by_setting = "" if extension_until is None else " (extended by the deployment setting)"
    by_setting_ja = "" if extension_until is None else "（設定による延長）"
    unconfirmed = "" if extension_until is not None else \
        f"; {confirmed} is the last date confirmed in force, an enacted extension is a setting"
    unconfirmed_ja = "" if extension_until is not None else \
        f"。{confirmed} が確認できた最後の適用期限です（延長が成立した場合は設定で変更します）"
    findings: list[Finding] = []
    if designated_on < m.measure_start:
        findings.append(Finding(
            rule="designated_after_start", field="designated_on",
            message=f"designated on {designated_on}, before the measure began on {m.measure_start}",
            message_ja=f"指定日 {designated_on} が措置の開始日 {m.measure_start} より前です"))
    if designated_on > sunset:
        findings.append(Finding(
            rule="designated_by_sunset", field="designated_on",
            message=f"designated on {designated_on}, after the measure's last date {sunset}{by_setting}{unconfirmed}",
            message_ja=f"指定日 {designated_on} が措置の適用期限 {sunset}{by_setting_ja} を過ぎています{unconfirmed_ja}"))
    elif designated_on > confirmed:
        findings.append(Finding(
            rule="rates_unconfirmed", field="designated_on", severity="warning",
            message=f"designated on {designated_on}, under the extension to {sunset}: the extension's rates are not "
                    f"in data/tax-measure.json; the rates of the last entry are used provisionally",
            message_ja=f"指定日 {designated_on} は延長後の期間（{sunset}まで）です。延長後の割合は未登録のため、"
                       "直近の割合を暫定的に用います"))
    if acquisition_from < designated_on:
        findings.append(Finding(
            rule="window_from_designation", field="acquisition_from",
            message=f"the acquisition window starts on {acquisition_from}, before the designation on {designated_on}: "
                    "acquisitions count from the day of designation",
            message_ja=f"取得期間の開始日 {acquisition_from} が指定日 {designated_on} より前です"
                       "（取得は法人指定の日からのものが対象です）"))
    if acquisition_until < acquisition_from:
        findings.append(Finding(
            rule="window_order", field="acquisition_until",
            message=f"the acquisition window ends on {acquisition_until}, before it starts on {acquisition_from}",
            message_ja=f"取得期限 {acquisition_until} が取得開始日 {acquisition_from} より前です"))
    if acquisition_until > sunset:
        findings.append(Finding(
            rule="window_by_sunset", field="acquisition_until",
            message=f"the acquisition window ends on {acquisition_until}, after the measure's last acquisition date "
                    f"{sunset}{by_setting}{unconfirmed}",
            message_ja=f"取得期限 {acquisition_until} が措置の適用期限 {sunset}{by_setting_ja} を過ぎています{unconfirmed_ja}"))
    return findings
