"""Acceptance 4 (targets): the six figures match a hand-computed fixture; the chart is produced."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import UTC, date, datetime

from services.core.accounts.models import Organization, User
from services.core.applications.models import Application, Event
from services.core.documents.chart import targets_svg
from services.core.follow_up.models import AcquisitionReport, AnnualReport
from services.core.zone.targets import fiscal_year_of, target_progress


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


async def insert_fixture(sessions) -> None:
    """Three companies, four applications; every figure below is worked out by hand in the test."""
    async with sessions() as session:
        orgs = [Organization(name=name, kind="company") for name in ("A社", "B社", "C社")]
        session.add_all(orgs)
        await session.flush()
        users = [User(username=f"fixture-{org.id}", password_hash="!", display_name=org.name, role="applicant",
                      organization_id=org.id) for org in orgs]
        session.add_all(users)
        await session.flush()
        a, b, c = orgs
        apps = {key: Application(organization_id=org.id, created_by=users[orgs.index(org)].id,
                                 content={"project_name": key}, project_name=key)
                for key, org in (("A1", a), ("A2", a), ("B1", b), ("C1", c))}
        session.add_all(apps.values())
        await session.flush()

        def designation(key: str, designated_on: str, seq: int = 10) -> Event:
            return Event(application_id=apps[key].id, seq=seq, kind="decision", step="designation",
                         outcome="designate", payload={"designated_on": designated_on}, status_after="follow_up",
                         occurred_at=at("2026-01-01T00:00:00"))

        session.add_all([
            designation("A1", "2022-10-14"),   # A enters in FY2022
            designation("A2", "2023-05-01"),   # A again: not a new entrant
            designation("B1", "2024-03-31"),   # B enters in FY2023 (31 March is still FY2023)
            designation("C1", "2021-12-01"),   # C entered before the period: not counted
            Event(application_id=apps["B1"].id, seq=9, kind="decision", step="national_review",
                  outcome="certify", payload={"certified_on": "2022-04-01"}, status_after="designation",
                  occurred_at=at("2022-04-01T00:00:00")),
        ])

        def acquisition(key: str, acquired_on: str, cost: int, review: str) -> AcquisitionReport:
            return AcquisitionReport(application_id=apps[key].id, asset_class="machinery", description="設備",
                                     actual_cost_jpy=cost, acquired_on=date.fromisoformat(acquired_on),
                                     location="川崎市川崎区殿町3丁目", review_status=review,
                                     reported_by=users[0].id)

        session.add_all([
            acquisition("A1", "2022-11-01", 30_000_000, "confirmed"),     # FY2022
            acquisition("A1", "2023-03-31", 15_000_000, "pending"),       # FY2022
            acquisition("B1", "2023-04-01", 120_000_000, "confirmed"),    # FY2023
            acquisition("B1", "2024-01-10", 50_000_000, "queried"),       # left out
            acquisition("C1", "2026-03-31", 1_000_000_000, "confirmed"),  # FY2025
            acquisition("C1", "2027-04-02", 7, "confirmed"),              # FY2027: outside the period
        ])

        def annual(key: str, year: int, *, training=0, trials=0, products=0, data_science=False,
                   review="confirmed") -> AnnualReport:
            return AnnualReport(application_id=apps[key].id, fiscal_year=year, training_participants=training,
                                international_trials=trials, products_launched=products,
                                data_science=data_science, review_status=review, submitted_by=users[0].id)

        session.add_all([
            annual("A1", 2022, training=1200, trials=2),
            annual("A1", 2023, training=800, trials=1, products=1, data_science=True),
            annual("A1", 2024, data_science=True),                        # A1 counted once, in FY2023
            annual("B1", 2023, training=5000, trials=3, products=2, data_science=True, review="queried"),
            annual("B1", 2024, training=300, products=1, data_science=True, review="pending"),
            annual("C1", 2025, training=10, trials=4),
        ])
        await session.commit()


def test_fiscal_years_start_in_april():
    assert fiscal_year_of(date(2023, 3, 31)) == 2022
    assert fiscal_year_of(date(2023, 4, 1)) == 2023


async def test_targets_match_hand_computed_fixture(isolated_sessions, plan, tmp_path):
    await insert_fixture(isolated_sessions)
    async with isolated_sessions() as session:
        progress = await target_progress(session, plan, as_of=date(2024, 10, 1))
    by_no = {target.no: target for target in progress}
    assert list(by_no) == ["(1)-①", "(1)-②", "(1)-③", "(2)", "(3)", "(4)"]

    def yearly(no: str) -> list[int]:
        return [figure.value for figure in by_no[no].years]

    assert [figure.fiscal_year for figure in by_no["(1)-①"].years] == [2022, 2023, 2024, 2025, 2026]
    assert by_no["(1)-①"].years[0].label == "令和4年度"
    # investment: 30M + 15M (FY2022), 120M (FY2023), 1,000M (FY2025); the queried 50M and FY2027 left out
    assert yearly("(1)-①") == [45_000_000, 120_000_000, 0, 1_000_000_000, 0]
    assert by_no["(1)-①"].total == 1_165_000_000
    assert [f.cumulative for f in by_no["(1)-①"].years] == [45_000_000, 165_000_000, 165_000_000,
                                                             1_165_000_000, 1_165_000_000]
    assert by_no["(1)-①"].share == round(1_165_000_000 / 58_000_000_000, 4) == 0.0201
    # companies: A (FY2022), B (FY2023); A's second designation and C (before the period) not counted
    assert yearly("(1)-②") == [1, 1, 0, 0, 0] and by_no["(1)-②"].total == 2
    assert by_no["(1)-②"].share == 0.04
    # training: 1200, 800, 300 (B1 FY2023 was queried), 10
    assert yearly("(1)-③") == [1200, 800, 300, 10, 0] and by_no["(1)-③"].total == 2310
    assert by_no["(1)-③"].share == 0.0094
    # data science: A1 first in FY2023, B1 in FY2024 (its FY2023 report is queried)
    assert yearly("(2)") == [0, 1, 1, 0, 0] and by_no["(2)"].share == 0.0667
    assert yearly("(3)") == [2, 1, 0, 4, 0] and by_no["(3)"].total == 7
    assert yearly("(4)") == [0, 1, 1, 0, 0] and by_no["(4)"].total == 2 and by_no["(4)"].share == 0.04
    assert by_no["(1)-①"].target == 58_000_000_000 and by_no["(1)-③"].target == 245_000
    # 1 Oct 2024 is two and a half fiscal years into the five: pace ~ 0.5
    assert 0.49 < by_no["(1)-①"].pace_share < 0.51

    svg = targets_svg(progress)
    chart = tmp_path / "targets.svg"
    chart.write_text(svg, encoding="utf-8")
    root = ElementTree.parse(chart).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = "".join(root.itertext())
    for target in progress:
        assert target.no in texts
    assert "11.7億円 / 580億円（2.0%）" in texts
    assert "2者 / 50者（4.0%）" in texts
    assert "2,310人 / 245,000人（0.9%）" in texts
