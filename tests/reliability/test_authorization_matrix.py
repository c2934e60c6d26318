"""The authorization matrix: every /api/v1 endpoint × every role (and nobody signed in) × objects of the
caller's own and of another company or government.

Applicants see and touch only their company's applications; local officials only their government's (the
prefecture all); the secretariat what reached the council; the Cabinet Office only what was filed with it.
What the caller may not see answers exactly like what does not exist (404, same code); what they may see but
not do answers 403. Decisions by officials are the one exception the process asks for (issue 2): an
official deciding an application outside their role or government gets 403 — and the same 403, in the same
words, for an application that does not exist, so the answer still reveals nothing. Requests that pass are built so they change nothing that later rows rely on (a wrong
outcome, a date in the past, a year not due…). Every refused request is logged with who asked.

The endpoints come from the app's routes: a new endpoint without a row here fails the test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from services.api.app import create_app
from services.core.notifications.models import Notification
from services.dev.demo_seed import demo_corporate_number
from tests.conftest import sign_in
from tests.factories import APPROVE_LOAN, COUNCIL_AGREE, DESIGNATE, RECOMMEND, application_body, loan_body
from tests.reliability.conftest import app_routes

ROLES = {  # username: (role, organisation, government)
    "applicant1": ("applicant", "P", None), "applicant2": ("applicant", "J", None),
    "secretariat1": ("secretariat", None, None), "kawasaki1": ("local_official", None, "kawasaki"),
    "yokohama1": ("local_official", None, "yokohama"), "kanagawa1": ("local_official", None, "kanagawa"),
    "cao1": ("national_official", None, None), "admin1": ("admin", None, None),
    "bank1": ("lender", "B1", None), "bank2": ("lender", "B2", None),
}
CALLERS = [*ROLES, None]  # None: nobody signed in
MISSING = 10**9
RANK = {"draft": 0, "intake_review": 1, "local_filing": 3, "follow_up": 6}  # furthest step reached
OK = "passes"  # authorization passed: anything but 401/403/404 and never 5xx
YOKOHAMA_AREA = "神奈川県横浜市鶴見区末広町1丁目"


@dataclass
class Target:
    name: str
    id: int
    org: str | None = None
    government: str | None = None
    stage: str | None = None


def sees(username: str, target: Target) -> bool:
    role, org, government = ROLES[username]
    if target.stage is None:
        return False
    rank = RANK[target.stage]
    if role == "admin":
        return True
    if role == "applicant":
        return org == target.org
    if role == "lender":  # lenders have loans, not applications
        return False
    if rank == 0:
        return False
    if role == "local_official":
        return government in ("kanagawa", target.government)
    if role == "secretariat":
        return rank >= 2
    return rank >= 4  # national: filed with the Cabinet Office


def holds(username: str, target: Target) -> bool:
    """Local officials covering the application's government act on follow-up and decide its local steps."""
    role, _, government = ROLES[username]
    return role == "local_official" and government in ("kanagawa", target.government)


def own_applicant(username: str, target: Target) -> bool:
    role, org, _ = ROLES[username]
    return role == "applicant" and org == target.org


# --- expectations ----------------------------------------------------------------------------------------


def read(username, target):
    return OK if sees(username, target) else 404


def applicant_action(passes_when_own):
    def expect(username, target):
        if not sees(username, target):
            return 404
        if own_applicant(username, target):
            return OK if passes_when_own(target) else 403
        return 403
    return expect


def official_action(username, target):
    if not sees(username, target):
        return 404
    return OK if holds(username, target) and target.stage == "follow_up" else 403


def decide(username, target):
    role = ROLES[username][0]
    if not sees(username, target):
        # Applicants: 404. Officials: 403 in the same words whether the application exists or not.
        return 404 if role == "applicant" else 403
    if role == "applicant":
        return 403
    if target.stage == "draft":
        return OK  # admin: 409, nothing to decide yet
    step_holder = {"intake_review": holds, "follow_up": holds, "local_filing": holds}[target.stage]
    return OK if step_holder(username, target) else 403


def secretariat_action(username, target):
    """The secretariat decides what the minor-change rules leave open (on a change it may see)."""
    if not sees(username, target):
        return 404
    return OK if ROLES[username][0] == "secretariat" else 403


def everyone(_username, _target):
    return OK


def roles(*allowed):
    return lambda username, _target: OK if ROLES[username][0] in allowed else 403


def round_manage(username, target):
    role, _, government = ROLES[username]
    if role != "local_official":
        return 403
    return OK if target.stage and government in ("kanagawa", target.government) else 404


def round_read(username, target):
    role, _, government = ROLES[username]
    if role not in ("local_official", "national_official", "admin"):
        return 403
    if not target.stage:
        return 404
    if role == "local_official":
        return OK if government in ("kanagawa", target.government) else 404
    return OK  # admin; the Cabinet Office sees filed rounds (this one is filed)


def round_confirm(username, target):
    """Each government confirms its own applications in a round it sees; the prefecture not a city's."""
    role, _, government = ROLES[username]
    if role != "local_official":
        return 403
    if not target.stage or government not in ("kanagawa", target.government):
        return 404
    return OK if government == target.government else 403


def round_national(username, target):
    role = ROLES[username][0]
    if role != "national_official":
        return 403
    return OK if target.stage else 404


def sees_loan(username: str, target: Target) -> bool:
    """A lender its own loans; local officials their government's (the prefecture all); the Cabinet Office
    once recommended; administrators all (docs/interest-subsidy.md)."""
    role, org, government = ROLES[username]
    if target.stage is None:
        return False
    if role == "admin":
        return True
    if role == "lender":
        return org == target.org
    if role == "local_official":
        return government in ("kanagawa", target.government)
    if role == "national_official":
        return target.stage != "recommendation"
    return False


def loan_read(username, target):
    return OK if sees_loan(username, target) else 404


def loan_claim(username, target):
    if not sees_loan(username, target):
        return 404
    return OK if ROLES[username][0] == "lender" else 403


def loan_decide(username, target):
    """The rows send a recommendation step: its holder is a local official covering the loan's area."""
    if not sees_loan(username, target):
        return 404
    return OK if ROLES[username][0] == "local_official" else 403


def own_notification(username, target):
    return OK if target.stage and username == target.org else 404


def own_organisation(username, target):
    return OK if target.stage and ROLES[username][1] == target.org else 404


def company_admin(username, target):
    """A company's administrator (the demo applicants are) manages its own users; another company's user
    answers like a missing one; nobody else manages company users at all."""
    role, org, _ = ROLES[username]
    if role != "applicant":
        return 403
    return OK if target.stage and org == target.org else 404


def operator(username, target):
    if ROLES[username][0] != "admin":
        return 403
    return OK if target.stage else 404


# --- rows ------------------------------------------------------------------------------------------------


@dataclass
class Row:
    method: str
    path: str
    targets: str  # which objects: apps | follow | withdrawable | reports | rounds | changes | notes | orgs | loans |
    # none
    expect: Callable
    body: Callable | None = None
    params: dict | None = None
    ends_token: bool = False  # the request ends the caller's token: sign in again after it


APPS = "apps"


def past(_world, _target):
    return (date.today() - timedelta(days=1)).isoformat()


EVALUATION_READERS = ("local_official", "national_official", "secretariat", "admin")

ROWS = [
    Row("GET", "/api/v1/auth/me", "none", everyone),
    Row("POST", "/api/v1/auth/sign-out-everywhere", "none", everyone, ends_token=True),
    Row("GET", "/api/v1/company/users", "none", roles("applicant")),
    Row("POST", "/api/v1/company/invitations", "none", roles("applicant"),
        body=lambda w, t: {"email": "matrix-colleague@example.test", "display_name": "権限表"}),  # then 409
    Row("POST", "/api/v1/company/users/{user_id}/disable", "users", company_admin,
        body=lambda w, t: {"confirm_username": "権限表"}),  # not the user's name: 422, nothing disabled
    Row("POST", "/api/v1/company/users/{user_id}/hand-over-admin", "users", company_admin,
        body=lambda w, t: {"confirm_username": "権限表"}),
    Row("GET", "/api/v1/operator/users", "none", roles("admin")),
    Row("POST", "/api/v1/operator/users", "none", roles("admin"),
        body=lambda w, t: {"email": "matrix-operator@example.test", "display_name": "権限表", "role": "admin"}),
    Row("POST", "/api/v1/operator/users/{user_id}/disable", "users", operator,
        body=lambda w, t: {"confirm_username": "権限表"}),
    Row("GET", "/api/v1/applications", "none", everyone),
    Row("POST", "/api/v1/applications", "none", roles("applicant"),
        body=lambda w, t: {"project_name": "権限表の下書き", "measure": "tax_incentive"}),
    Row("GET", "/api/v1/tasks", "none", everyone),
    Row("GET", "/api/v1/applications/{application_id}", APPS, read),
    Row("PATCH", "/api/v1/applications/{application_id}", APPS, applicant_action(lambda t: True),
        body=lambda w, t: {"project_name": "権限表の下書き（更新）"}),
    # Submitting again answers with the current state; the draft here is incomplete (422).
    Row("POST", "/api/v1/applications/{application_id}/submit", APPS, applicant_action(lambda t: True)),
    Row("POST", "/api/v1/applications/{application_id}/resubmit", APPS, applicant_action(lambda t: True)),
    Row("POST", "/api/v1/applications/{application_id}/withdraw", "follow", applicant_action(lambda t: True),
        body=lambda w, t: {"reason": "権限表"}),  # in follow-up: too late to withdraw (409)
    Row("POST", "/api/v1/applications/{application_id}/decisions", APPS, decide,
        body=lambda w, t: {"step": {"draft": "intake_review", None: "intake_review"}.get(t.stage, t.stage),
                           "outcome": "no-such-outcome"}),
    Row("GET", "/api/v1/applications/{application_id}/acquisitions", APPS, read),
    Row("GET", "/api/v1/applications/{application_id}/tax-benefits", APPS, read),
    Row("POST", "/api/v1/applications/{application_id}/acquisitions", APPS, applicant_action(lambda t: True),
        body=lambda w, t: {"asset_class": "machinery", "description": "権限表の報告", "actual_cost_jpy": 25_000_000,
                           "acquired_on": date.today().isoformat(), "location": "神奈川県川崎市川崎区殿町三丁目"}),
    Row("POST", "/api/v1/applications/{application_id}/acquisitions/{report_id}/review", "follow", official_action,
        body=lambda w, t: {"outcome": "query", "note": "権限表"}),
    Row("GET", "/api/v1/applications/{application_id}/annual-reports", APPS, read),
    Row("POST", "/api/v1/applications/{application_id}/annual-reports", APPS, applicant_action(lambda t: True),
        body=lambda w, t: {"fiscal_year": 2001, "investment_to_date_jpy": 1, "employees": 1}),  # not due: 422
    Row("POST", "/api/v1/applications/{application_id}/annual-reports/{report_id}/review", "follow", official_action,
        body=lambda w, t: {"outcome": "query", "note": "権限表"}),
    Row("POST", "/api/v1/applications/{application_id}/acquisitions/{report_id}/answer", "follow",
        applicant_action(lambda t: True), body=lambda w, t: {"note": "権限表の回答"}),
    Row("POST", "/api/v1/applications/{application_id}/annual-reports/{report_id}/answer", "follow",
        applicant_action(lambda t: True), body=lambda w, t: {"note": "権限表の回答"}),
    Row("GET", "/api/v1/applications/{application_id}/report-messages", APPS, read),
    Row("GET", "/api/v1/applications/{application_id}/deadlines", APPS, read),
    Row("POST", "/api/v1/applications/{application_id}/deadlines/{deadline_id}/extend", "follow", official_action,
        body=lambda w, t: {"new_due_on": past(w, t), "reason": "権限表"}),  # a past date: 422
    # Plan changes (docs/plan-changes.md); the world's change of P_follow is at the council.
    Row("GET", "/api/v1/applications/{application_id}/versions", APPS, read),
    Row("GET", "/api/v1/applications/{application_id}/plan-changes", APPS, read),
    Row("POST", "/api/v1/applications/{application_id}/plan-changes", APPS, applicant_action(lambda t: True),
        body=lambda w, t: {"reason": "権限表", "changes": {}}),  # a change is open / not designated: 409
    Row("GET", "/api/v1/applications/{application_id}/plan-changes/{change_id}", "changes", read),
    Row("POST", "/api/v1/applications/{application_id}/plan-changes/{change_id}/classification", "changes",
        secretariat_action, body=lambda w, t: {"minor": True, "reason": "権限表"}),  # classified already: 409
    Row("POST", "/api/v1/applications/{application_id}/plan-changes/{change_id}/decisions", "changes",
        secretariat_action, body=lambda w, t: {"step": "council_consultation", "outcome": "no-such-outcome"}),
    Row("POST", "/api/v1/applications/{application_id}/plan-changes/{change_id}/resubmit", "changes",
        applicant_action(lambda t: True)),  # not returned: 409
    Row("GET", "/api/v1/plan-changes/tasks", "none", everyone),
    Row("GET", "/api/v1/notifications", "none", everyone),
    Row("POST", "/api/v1/notifications/{notification_id}/read", "notes", own_notification),
    Row("GET", "/api/v1/organizations/{organization_id}/calendar", "orgs", own_organisation),
    Row("GET", "/api/v1/rounds", "none", roles("local_official", "national_official", "admin")),
    Row("GET", "/api/v1/rounds/candidates", "none", roles("local_official")),
    Row("POST", "/api/v1/rounds", "none", roles("local_official"),
        body=lambda w, t: {"title": "権限表", "application_ids": [w["P_follow"].id]}),  # not at filing: 422
    Row("GET", "/api/v1/rounds/{round_id}", "rounds", round_read),
    Row("POST", "/api/v1/rounds/{round_id}/applications", "rounds", round_manage,
        body=lambda w, t: {"application_ids": [w["P_follow"].id]}),  # filed already: 409
    Row("DELETE", "/api/v1/rounds/{round_id}/applications/{application_id}", "rounds", round_manage),
    Row("POST", "/api/v1/rounds/{round_id}/confirmations/{government}", "rounds", round_confirm),  # filed: 200
    Row("POST", "/api/v1/rounds/{round_id}/file", "rounds", round_manage,
        body=lambda w, t: {"filed_on": "2022-09-05", "reference": "別の番号"}),  # filed once: 409
    Row("POST", "/api/v1/rounds/{round_id}/return", "rounds", round_national,
        body=lambda w, t: {"application_id": w["P_follow"].id, "reason": "権限表"}),  # not in it: 422
    Row("POST", "/api/v1/rounds/{round_id}/certify", "rounds", round_national,
        body=lambda w, t: {"certified_on": "2022-09-30", "reference": "権限表",
                           "returns": [{"application_id": w["P_follow"].id, "reason": "権限表"}]}),
    Row("GET", "/api/v1/documents", "none", everyone),
    Row("GET", "/api/v1/documents/{kind}", "none", everyone, params={"audience": "public", "format": "md"}),
    Row("GET", "/api/v1/documents/{kind}", "none", roles("local_official", "national_official", "secretariat",
                                                          "admin"), params={"audience": "internal", "format": "md"}),
    Row("GET", "/api/v1/evaluation/{fiscal_year}", "none", roles(*EVALUATION_READERS)),
    Row("GET", "/api/v1/evaluation/{fiscal_year}/document", "none", roles(*EVALUATION_READERS),
        params={"format": "md"}),
    Row("GET", "/api/v1/evaluation/{fiscal_year}/figures", "none", roles(*EVALUATION_READERS)),
    Row("POST", "/api/v1/evaluation/{fiscal_year}/figures", "none", roles("secretariat"),
        body=lambda w, t: {"label": "権限表", "value": 1, "unit": "件", "source": "権限表"}),
    Row("GET", "/api/v1/zone/targets", "none", everyone),
    Row("GET", "/api/v1/zone/targets/chart.svg", "none", everyone),
    Row("GET", "/api/v1/zone/council", "none", everyone),
    Row("GET", "/api/v1/loans", "none", roles("lender", "local_official", "national_official", "admin")),
    Row("POST", "/api/v1/loans", "none", roles("lender"),
        body=lambda w, t: loan_body(subsidy_rate_percent="0.9")),  # above the rate cap: 422, nothing stored
    Row("GET", "/api/v1/loans/ledger", "none", roles("lender", "local_official", "national_official", "admin")),
    Row("GET", "/api/v1/loans/{loan_id}", "loans", loan_read),
    Row("POST", "/api/v1/loans/{loan_id}/claims", "loans", loan_claim,  # a year outside the five years: 422 / 409
        body=lambda w, t: {"fiscal_year": 2001, "average_balance_jpy": 1, "interest_paid_jpy": 1}),
    Row("POST", "/api/v1/loans/{loan_id}/decisions", "loans", loan_decide,
        body=lambda w, t: {"step": "recommendation", "outcome": "no-such-outcome"}),
]
# Reached without a bearer token on purpose: sign-in, the calendar feed (its secret is in the URL), and the
# account flows of people not signed in yet (sign-up, invitation and reset links: the secret is in the body).
PUBLIC = {("POST", "/api/v1/auth/token"), ("GET", "/api/v1/organizations/{organization_id}/deadlines.ics"),
          *{("POST", f"/api/v1/accounts/{path}") for path in (
              "signup", "signup/verify", "invitations/lookup", "invitations/accept", "password-reset",
              "password-reset/confirm")}}
# Open to everyone, signed in or not: the public register (総合特別区域法 第26条第4項), redacted for the public.
OPEN_TO_ALL = {("GET", "/api/v1/register"), ("GET", "/api/v1/register.csv"), ("GET", "/api/v1/register.atom")}


def test_every_api_endpoint_has_a_row(settings):
    served = {(method, path) for method, path, _ in app_routes(create_app(settings))
              if path.startswith("/api/v1/") and method != "HEAD"}
    covered = {(row.method, row.path) for row in ROWS} | PUBLIC | OPEN_TO_ALL
    assert served == covered, {"without a row": served - covered, "row without an endpoint": covered - served}


# --- the objects --------------------------------------------------------------------------------------------


async def drive(as_user, owner: str, steps: list, **overrides) -> dict:
    api = await as_user(owner)
    created = (await api.post("/applications", application_body(**overrides))).json()
    state = (await api.post(f"/applications/{created['id']}/submit")).json()
    for username, body in steps:
        response = await (await as_user(username)).decide(created["id"], body)
        assert response.status_code == 200, response.text
        state = response.json()
    return state


def to_follow_up(official: str) -> list:
    return [(official, {"step": "intake_review", "outcome": "accept"}), ("secretariat1", COUNCIL_AGREE),
            (official, {"step": "local_filing", "outcome": "file", "filed_on": "2022-09-05", "reference": "R4"}),
            ("cao1", {"step": "national_review", "outcome": "certify", "certified_on": "2022-09-30",
                      "reference": "府地事"}), (official, DESIGNATE)]


@pytest.fixture(scope="module")
async def world(as_user, sessions, demo_users) -> dict:
    jsr = {"corporate_number": demo_corporate_number("JSR株式会社"), "name": "JSR株式会社"}
    p_follow = await drive(as_user, "applicant1", to_follow_up("kawasaki1"))
    y_follow = await drive(as_user, "applicant2", to_follow_up("yokohama1"), business_area=YOKOHAMA_AREA,
                           applicant=jsr)
    p_intake = await drive(as_user, "applicant1", [])
    draft = (await (await as_user("applicant1")).post("/applications", {"project_name": "権限表の下書き"})).json()
    filing = await drive(as_user, "applicant1", to_follow_up("kawasaki1")[:2])
    kawasaki = await as_user("kawasaki1")
    filing_round = (await kawasaki.post("/rounds", {"title": "権限表のラウンド", "application_ids": [filing["id"]]})).json()
    filed = await kawasaki.post(f"/rounds/{filing_round['id']}/file", {"filed_on": "2022-09-05", "reference": "R4-権限"})
    assert filed.status_code == 200, filed.text

    targets = {
        "P_follow": Target("P_follow", p_follow["id"], "P", "kawasaki", "follow_up"),
        "Y_follow": Target("Y_follow", y_follow["id"], "J", "yokohama", "follow_up"),
        "P_intake": Target("P_intake", p_intake["id"], "P", "kawasaki", "intake_review"),
        "P_draft": Target("P_draft", draft["id"], "P", None, "draft"),
        "missing": Target("missing", MISSING),
    }
    extra = {}
    for name, owner in (("P_follow", "applicant1"), ("Y_follow", "applicant2")):
        api, app_id = await as_user(owner), targets[name].id
        deadlines = (await api.get(f"/applications/{app_id}/deadlines")).json()
        item = next(d for d in deadlines if d["kind"] == "acquisition_window")
        year = min(d["fiscal_year"] for d in deadlines if d["kind"] == "annual_report")
        report = (await api.post(f"/applications/{app_id}/acquisitions", {
            "equipment_item_id": item["equipment_item_id"], "asset_class": "machinery", "description": "合成装置",
            "actual_cost_jpy": 31_000_000, "acquired_on": date.today().isoformat(), "location": "殿町"})).json()
        annual = (await api.post(f"/applications/{app_id}/annual-reports", {
            "fiscal_year": year, "investment_to_date_jpy": 1, "employees": 1})).json()
        extra[name] = {"acquisition": report["id"], "annual": annual["id"], "deadline": item["id"]}
    applicant = await as_user("applicant1")
    in_force = (await applicant.get(f"/applications/{p_follow['id']}/versions")).json()[-1]
    items = [{**item, "item_id": item_id}
             for item, item_id in zip(in_force["content"]["equipment_items"], in_force["item_ids"], strict=True)]
    change = await applicant.post(f"/applications/{p_follow['id']}/plan-changes", {
        "reason": "権限表の計画変更", "changes": {"equipment_items": [
            *items, {"asset_class": "building", "description": "権限表の研究棟", "planned_cost_jpy": 500_000_000}]}})
    assert change.status_code == 201 and change.json()["status"] == "council_consultation", change.text
    async with sessions() as session:
        note = Notification(user_id=demo_users["applicant1"].id, application_id=p_follow["id"], kind="reminder",
                            subject="権限表", body="権限表", link="/", dedupe_key=f"matrix-{p_follow['id']}")
        session.add(note)
        await session.commit()
    organisations = {"P": demo_users["applicant1"].organization_id, "J": demo_users["applicant2"].organization_id}
    serviced = (await (await as_user("bank1")).post("/loans", loan_body())).json()
    assert (await (await as_user("kawasaki1")).post(f"/loans/{serviced['id']}/decisions", RECOMMEND)).status_code == 200
    assert (await (await as_user("cao1")).post(f"/loans/{serviced['id']}/decisions", APPROVE_LOAN)).status_code == 200
    waiting = (await (await as_user("bank2")).post("/loans", loan_body(business_area=YOKOHAMA_AREA))).json()
    loans = [Target("B1_loan", serviced["id"], "B1", "kawasaki", "servicing"),
             Target("B2_loan", waiting["id"], "B2", "yokohama", "recommendation"), Target("missing", MISSING)]
    users = {"P": demo_users["applicant1"].id, "J": demo_users["applicant2"].id}
    return {**targets, "extra": extra, "round": filing_round["id"], "filing": filing["id"], "note": note.id,
            "orgs": organisations, "users": users, "loans": loans, "change": change.json()["id"]}


def cases(row: Row, world: dict) -> list[tuple[Target, dict]]:
    """(target, path parameters) for each object the row is tried on."""
    apps = [world[n] for n in ("P_follow", "Y_follow", "P_intake", "P_draft", "missing")]
    if row.targets == "none":
        return [(Target("none", 0), {"kind": "betten3", "fiscal_year": 2024})]
    if row.targets == APPS:
        return [(t, {"application_id": t.id}) for t in apps]
    if row.targets == "follow":
        key = "acquisition" if "acquisitions" in row.path else "annual" if "annual" in row.path else "deadline"
        chosen = [world["P_follow"], world["Y_follow"], world["missing"]]
        return [(t, {"application_id": t.id, "report_id": world["extra"].get(t.name, {}).get(key, MISSING),
                     "deadline_id": world["extra"].get(t.name, {}).get("deadline", MISSING)}) for t in chosen]
    if row.targets == "rounds":
        kawasaki_round = Target("round", world["round"], None, "kawasaki", "filed")
        return [(t, {"round_id": t.id, "application_id": world["filing"], "government": "kawasaki"})
                for t in (kawasaki_round, Target("missing", MISSING))]
    if row.targets == "loans":
        return [(t, {"loan_id": t.id}) for t in world["loans"]]
    if row.targets == "changes":
        return [(world["P_follow"], {"application_id": world["P_follow"].id, "change_id": world["change"]}),
                (world["missing"], {"application_id": MISSING, "change_id": MISSING})]
    if row.targets == "notes":
        return [(Target("note", world["note"], "applicant1", None, "note"), {"notification_id": world["note"]}),
                (Target("missing", MISSING), {"notification_id": MISSING})]
    if row.targets == "orgs":
        return [(Target(org, oid, org, None, "org"), {"organization_id": oid}) for org, oid in world["orgs"].items()] + [
            (Target("missing", MISSING), {"organization_id": MISSING})]
    if row.targets == "users":
        return [(Target(org, uid, org, None, "user"), {"user_id": uid}) for org, uid in world["users"].items()] + [
            (Target("missing", MISSING), {"user_id": MISSING})]
    raise AssertionError(row.targets)


def matches(expected, status: int) -> bool:
    if expected == OK:
        return status not in (401, 403, 404) and status < 500
    return status == expected


async def test_authorization_matrix(world, as_user, http, caplog):
    caplog.set_level(logging.WARNING, logger="tokku.security")
    wrong, tried, refused_logged, not_found_codes = [], 0, 0, {}
    for row in ROWS:
        for target, params in cases(row, world):
            path = row.path.format(**params)
            body = row.body(world, target) if row.body else None
            for username in CALLERS:
                headers = (await as_user(username)).headers if username else {}
                caplog.clear()
                response = await http.request(row.method, path, json=body, params=row.params, headers=headers)
                tried += 1
                if row.ends_token and username and response.status_code == 204:
                    (await as_user(username)).headers = (await sign_in(http, username)).headers
                expected = 401 if username is None else row.expect(username, target)
                if not matches(expected, response.status_code):
                    wrong.append(f"{row.method} {path} {row.params or ''} as {username} on {target.name}: "
                                 f"expected {expected}, got {response.status_code} {response.text[:160]}")
                    continue
                if response.status_code in (401, 403, 404):
                    logged = [r for r in caplog.records if getattr(r, "refused", False)
                              and r.path == path and r.status == response.status_code
                              and r.user == username]
                    if not logged:
                        wrong.append(f"refusal not logged: {row.method} {path} as {username}")
                    refused_logged += 1
                if response.status_code == 404:
                    not_found_codes.setdefault(row.path, set()).add(response.json()["detail"].get("code"))
    assert not wrong, "\n".join(wrong)
    # "Not yours" and "does not exist" give one and the same answer per endpoint.
    assert all(len(codes) == 1 for codes in not_found_codes.values()), not_found_codes
    print(f"authorization matrix: {len(ROWS)} rows, {tried} requests, {refused_logged} refusals logged")
    assert tried >= 800 and refused_logged >= 500


async def test_the_public_register_answers_everyone(as_user, http):
    """The register's routes (and its page) answer every role and nobody signed in alike."""
    for method, path in sorted(OPEN_TO_ALL) + [("GET", "/register")]:
        answers = set()
        for username in CALLERS:
            headers = (await as_user(username)).headers if username else {}
            response = await http.request(method, path, headers=headers)
            assert response.status_code == 200, (path, username, response.text[:200])
            answers.add(response.headers["content-type"])
        assert len(answers) == 1, (path, answers)


async def test_lists_show_only_what_the_caller_may_see(world, as_user):
    apps = [world[n] for n in ("P_follow", "Y_follow", "P_intake", "P_draft")]
    for username in ROLES:
        listed = set()
        cursor = None
        while True:
            page = (await (await as_user(username)).get("/applications", params={
                "limit": 200, **({"cursor": cursor} if cursor else {})})).json()
            listed |= {item["id"] for item in page["items"]}
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert {t.name for t in apps if t.id in listed} == {t.name for t in apps if sees(username, t)}, username
