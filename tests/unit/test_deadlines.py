"""The workflow's deadline book-keeping (workflows/deadlines.py), as plain functions: no server, `now` given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from workflows import deadlines as book
from workflows.contracts import DeadlineInfo, DeadlineKind, DeadlineState, PlannedItemRef, Status

NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
TARGETS = {"intake_review": 14, "council_consultation": 60}


def deadline(key: str, kind: DeadlineKind, due: datetime, state: DeadlineState = DeadlineState.open,
             **extra) -> DeadlineInfo:
    return DeadlineInfo(key=key, kind=kind, due_at=due, original_due_at=due, planned_at=NOW,
                        settled_by=book.SETTLED_BY_JA[kind], state=state, **extra)


def step_target(step: Status, number: int, state: DeadlineState = DeadlineState.open) -> DeadlineInfo:
    return deadline(f"step:{step.value}:{number}", DeadlineKind.step_target, NOW + timedelta(days=14), state,
                    step=step)


def follow_up(*, annual_state: DeadlineState = DeadlineState.open) -> list[DeadlineInfo]:
    window_end = NOW + timedelta(days=300)
    return [deadline("acquisition:item:1", DeadlineKind.acquisition_window, window_end, equipment_item_id=1),
            deadline("planned:item:1", DeadlineKind.planned_acquisition, NOW + timedelta(days=100),
                     equipment_item_id=1),
            deadline("acquisition:item:2", DeadlineKind.acquisition_window, window_end, equipment_item_id=2),
            deadline("annual:2026", DeadlineKind.annual_report, NOW + timedelta(days=450), annual_state,
                     fiscal_year=2026),
            deadline("annual:2027", DeadlineKind.annual_report, NOW + timedelta(days=815), fiscal_year=2027)]


def states(deadlines: list[DeadlineInfo]) -> dict[str, DeadlineState]:
    return {d.key: d.state for d in deadlines}


# --- the list ----------------------------------------------------------------------------------------------

def test_add_appends_and_replaces_a_key_in_its_place():
    deadlines = [step_target(Status.intake_review, 1), step_target(Status.council_consultation, 2)]
    replacement = step_target(Status.intake_review, 1, DeadlineState.met)
    book.add(deadlines, replacement, step_target(Status.local_filing, 3))
    assert [d.key for d in deadlines] == ["step:intake_review:1", "step:council_consultation:2",
                                          "step:local_filing:3"]
    assert deadlines[0] is replacement
    assert book.find(deadlines, "step:local_filing:3").step == Status.local_filing
    assert book.find(deadlines, "annual:2026") is None


# --- transitions -------------------------------------------------------------------------------------------

def test_a_transition_meets_the_target_of_the_step_it_leaves_only():
    deadlines = [step_target(Status.intake_review, 1), step_target(Status.council_consultation, 2),
                 step_target(Status.intake_review, 3, DeadlineState.missed)]
    book.settle_left_step(deadlines, leaving=Status.intake_review, entering=Status.council_consultation)
    assert states(deadlines) == {"step:intake_review:1": "met", "step:council_consultation:2": "open",
                                 "step:intake_review:3": "missed"}  # a missed target stays missed


def test_resubmission_meets_the_revision_deadline_and_an_end_cancels_instead():
    revision = deadline("revision:2", DeadlineKind.revision_request, NOW + timedelta(days=30), step=Status.intake_review)
    resubmitted = [revision.model_copy()]
    book.settle_left_step(resubmitted, leaving=Status.revision_requested, entering=Status.intake_review)
    assert resubmitted[0].state == DeadlineState.met
    withdrawn = [revision.model_copy(), step_target(Status.intake_review, 1)]
    book.settle_left_step(withdrawn, leaving=Status.revision_requested, entering=Status.withdrawn)
    assert states(withdrawn) == {"revision:2": "cancelled", "step:intake_review:1": "open"}


def test_cancel_open_leaves_settled_deadlines_as_they_were():
    deadlines = follow_up()
    deadlines[0].state = DeadlineState.met
    deadlines[1].state = DeadlineState.missed
    deadlines[2].state = DeadlineState.extended
    book.cancel_open(deadlines)
    assert list(states(deadlines).values()) == ["met", "missed", "cancelled", "cancelled", "cancelled"]


def test_revision_deadline_is_numbered_by_the_transition_and_dated_from_now():
    revision = book.revision_deadline(now=NOW, days=30, returned_from=Status.council_consultation, transition=4)
    assert (revision.key, revision.kind, revision.step) == ("revision:4", DeadlineKind.revision_request,
                                                            Status.council_consultation)
    assert revision.due_at == revision.original_due_at == NOW + timedelta(days=30)
    assert revision.planned_at == NOW and revision.state == DeadlineState.open
    assert revision.settled_by == "補正のうえ再提出"


def test_step_target_deadline_only_for_a_step_with_a_target():
    target = book.step_target_deadline(now=NOW, step=Status.council_consultation, step_target_days=TARGETS,
                                       transition=2)
    assert (target.key, target.step, target.due_at) == ("step:council_consultation:2", Status.council_consultation,
                                                        NOW + timedelta(days=60))
    for step in (Status.follow_up, Status.revision_requested, Status.completed):
        assert book.step_target_deadline(now=NOW, step=step, step_target_days=TARGETS, transition=2) is None
    assert book.step_target_deadline(now=NOW, step=Status.intake_review, step_target_days={"intake_review": 0},
                                     transition=1) is None


# --- follow-up reports and extensions ----------------------------------------------------------------------

def test_an_acquisition_report_meets_its_items_window_and_planned_date():
    deadlines = follow_up()
    assert book.settle_acquisition(deadlines, 1) == ["acquisition:item:1", "planned:item:1"]
    assert states(deadlines) == {"acquisition:item:1": "met", "planned:item:1": "met", "acquisition:item:2": "open",
                                 "annual:2026": "open", "annual:2027": "open"}
    assert book.settle_acquisition(deadlines, 1) == []  # a second report meets nothing more
    deadlines[2].state = DeadlineState.missed
    assert book.settle_acquisition(deadlines, 2) == []  # a missed window stays missed (the escalation stands)
    assert book.settle_acquisition(deadlines, 99) == []


def test_an_annual_report_meets_its_year_even_late():
    on_time = follow_up()
    book.settle_annual_report(on_time, 2026)
    assert states(on_time)["annual:2026"] == "met" and states(on_time)["annual:2027"] == "open"
    late = follow_up(annual_state=DeadlineState.missed)
    book.settle_annual_report(late, 2026)
    assert states(late)["annual:2026"] == "met"
    ended = follow_up(annual_state=DeadlineState.cancelled)
    book.settle_annual_report(ended, 2026)
    assert states(ended)["annual:2026"] == "cancelled"
    assert book.annual_report_years(on_time) == [2026, 2027]
    assert book.annual_report_key(2026) == "annual:2026"


def test_extension_moves_the_date_and_its_reminders_follow():
    window = follow_up()[0]
    old_due, old_reminder = window.due_at, book.reminder_id(window, 90)
    later = NOW + timedelta(days=200)
    new_due = old_due + timedelta(days=60)
    assert book.extend(window, new_due_at=new_due, now=later, reason="建屋工事の遅延") == old_due
    assert (window.due_at, window.original_due_at, window.planned_at) == (new_due, old_due, later)
    assert window.state == DeadlineState.extended and window.extension_reason == "建屋工事の遅延"
    # The old date's 90-day reminder was sent; the new date's 90-day mark is after the extension, so it is
    # the next reminder, under a new identity.
    fire_at, action, found, lead = book.next_action([window], {old_reminder}, [90, 30])
    assert (action, found.key, lead, fire_at) == ("remind", window.key, 90, new_due - timedelta(days=90))
    # Extended on the new date's 30-day mark: the 90-day reminder, already past, is never sent.
    book.extend(window, new_due_at=later + timedelta(days=30), now=later, reason="再延長")
    fire_at, action, _, lead = book.next_action([window], set(), [90, 30])
    assert (action, lead) == ("miss", None) and fire_at == later + timedelta(days=30)


def test_follow_up_is_settled_when_every_item_is_confirmed_and_every_report_in():
    items = [PlannedItemRef(id=1, description="装置", planned_acquisition_on=date(2026, 7, 1)),
             PlannedItemRef(id=2, description="設備")]
    deadlines = follow_up()
    assert not book.follow_up_settled(deadlines, items, [1, 2])  # reports still due
    for year in (2026, 2027):
        book.settle_annual_report(deadlines, year)
    assert not book.follow_up_settled(deadlines, items, [1])
    assert book.follow_up_settled(deadlines, items, [1, 2])
    assert book.follow_up_settled([], [], [])


# --- what fires next ---------------------------------------------------------------------------------------

def test_next_action_is_the_earliest_reminder_then_the_miss():
    planned = follow_up()[1]  # due in 100 days
    leads = [90, 30, 7]
    done: set[str] = set()
    fired = []
    while (found := book.next_action([planned], done, leads)) is not None:
        fire_at, action, _, lead = found
        fired.append((action, lead, fire_at))
        done.add(book.reminder_id(planned, lead) if action == "remind" else book.miss_id(planned))
    assert fired == [("remind", 90, planned.due_at - timedelta(days=90)),
                     ("remind", 30, planned.due_at - timedelta(days=30)),
                     ("remind", 7, planned.due_at - timedelta(days=7)),
                     ("miss", None, planned.due_at)]


def test_next_action_skips_settled_deadlines_and_unreminded_kinds():
    deadlines = follow_up()
    for d in deadlines:
        d.state = DeadlineState.met
    target = step_target(Status.intake_review, 1)  # reminded of only when missed
    assert book.next_action(deadlines, set(), [90, 30]) is None
    fire_at, action, found, _ = book.next_action([*deadlines, target], set(), [90, 30])
    assert (action, found.key, fire_at) == ("miss", target.key, target.due_at)
