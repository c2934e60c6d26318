"""The process rules as pure functions: who holds which step, where each outcome leads, who may see what.

Used by the workflow's validators (authoritative) and by the API's queries (inbox, visibility), so no rule
is written twice.
"""

from __future__ import annotations

from workflows.contracts import (
    DECISION_FIELDS,
    Actor,
    DecisionInput,
    Government,
    Role,
    Status,
)

# The steps officials act on, in process order, and the role that holds each.
STEP_ROLE: dict[Status, Role] = {
    Status.intake_review: Role.local_official,
    Status.council_consultation: Role.secretariat,
    Status.local_filing: Role.local_official,
    Status.national_review: Role.national_official,
    Status.designation: Role.local_official,
    Status.follow_up: Role.local_official,
}

OUTCOME_NEXT: dict[Status, dict[str, Status]] = {
    Status.intake_review: {
        "accept": Status.council_consultation,
        "return": Status.revision_requested,
        "reject": Status.rejected,
    },
    Status.council_consultation: {
        "agree": Status.local_filing,
        "return": Status.revision_requested,
        "reject": Status.rejected,
        "not_required": Status.local_filing,  # see NATIONAL_RETURN_ONLY
    },
    Status.local_filing: {"file": Status.national_review},
    Status.national_review: {
        "certify": Status.designation,
        "return": Status.revision_requested,
        "reject": Status.rejected,
    },
    Status.designation: {"designate": Status.follow_up},
    Status.follow_up: {"complete": Status.completed, "revoke": Status.revoked},
}

# Outcomes open only to an application the Cabinet Office returned and that came back to the council
# (総合特別区域法 第14条第2項 applies 第12条's consultation again; the secretariat may record why it is not
# needed when the consulted content is unchanged — docs/plan-changes.md).
NATIONAL_RETURN_ONLY = frozenset({(Status.council_consultation, "not_required")})

# Steps with a target duration (follow-up has its own deadlines, not a step target).
TIMED_STEPS = (
    Status.intake_review,
    Status.council_consultation,
    Status.local_filing,
    Status.national_review,
    Status.designation,
)

# The applicant may withdraw any time before designation (DOMAIN.md).
WITHDRAWABLE = frozenset(
    {
        Status.draft,
        Status.intake_review,
        Status.council_consultation,
        Status.local_filing,
        Status.national_review,
        Status.revision_requested,
    }
)

PROGRESS_ORDER = (
    Status.draft,
    Status.intake_review,
    Status.council_consultation,
    Status.local_filing,
    Status.national_review,
    Status.designation,
    Status.follow_up,
)

ROLE_LABELS_JA: dict[Role, str] = {  # the pages' words for each role (services/api/pages/i18n.py ROLE_LABELS)
    Role.applicant: "申請企業", Role.secretariat: "地域協議会事務局", Role.local_official: "自治体職員",
    Role.national_official: "内閣府", Role.admin: "運用管理者", Role.lender: "指定金融機関",
}

STATUS_LABELS_JA: dict[Status, str] = {
    Status.draft: "下書き",
    Status.intake_review: "受付審査",
    Status.council_consultation: "地域協議会協議",
    Status.local_filing: "計画変更申請",
    Status.national_review: "内閣府審査",
    Status.designation: "指定",
    Status.follow_up: "フォローアップ",
    Status.revision_requested: "補正依頼中",
    Status.completed: "完了",
    Status.rejected: "却下",
    Status.withdrawn: "取下げ",
    Status.lapsed: "期限切れ",
    Status.revoked: "指定取消",
}

GOVERNMENT_LABELS_JA: dict[Government, str] = {
    Government.kanagawa: "神奈川県",
    Government.yokohama: "横浜市",
    Government.kawasaki: "川崎市",
}


class DecisionRefused(Exception):
    """A decision that must not happen; `code` maps to HTTP: wrong_step 409, forbidden 403, invalid 422."""

    def __init__(self, code: str, message: str, message_ja: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_ja = message_ja


def progress_rank(status: Status | None) -> int:
    return PROGRESS_ORDER.index(status) if status in PROGRESS_ORDER else -1


def further(a: Status | None, b: Status | None) -> Status | None:
    """The step further along the process (for 'furthest step reached')."""
    return a if progress_rank(a) >= progress_rank(b) else b


def official_covers(actor_government: Government | None, application_government: Government | None) -> bool:
    """A local official covers its own government's areas; the prefecture covers all."""
    if actor_government == Government.kanagawa:
        return True
    return actor_government is not None and actor_government == application_government


def check_actor_holds_step(actor: Actor, step: Status, application_government: Government | None) -> None:
    holder = STEP_ROLE[step]
    if actor.role != holder:
        raise DecisionRefused(
            "forbidden",
            f"the {step.value} step is decided by a {holder.value}, not by a {actor.role.value}",
            f"「{STATUS_LABELS_JA[step]}」の判断は{ROLE_LABELS_JA[holder]}の権限です"
            f"（あなたの役割: {ROLE_LABELS_JA.get(actor.role, '不明')}）",
        )
    if holder == Role.local_official and not official_covers(actor.government, application_government):
        own = GOVERNMENT_LABELS_JA.get(actor.government, "不明") if actor.government else "不明"
        theirs = GOVERNMENT_LABELS_JA.get(application_government, "不明") if application_government else "不明"
        raise DecisionRefused(
            "forbidden",
            f"this application is in the area of {application_government}; "
            f"officials of {actor.government} cannot decide it",
            f"この申請は{theirs}の区域の案件です。{own}の職員は判断できません",
        )


def outcomes_open(step: Status, returned_from: Status | None) -> list[str]:
    """The outcomes a decision at `step` may take now: those kept for an application back from a
    national-review return only when it is one."""
    back_from_national = step == Status.council_consultation and returned_from == Status.national_review
    return [outcome for outcome in OUTCOME_NEXT.get(step, {})
            if (step, outcome) not in NATIONAL_RETURN_ONLY or back_from_national]


def check_decision(
    *, current_status: Status, application_government: Government | None, decision: DecisionInput,
    returned_from: Status | None = None,
) -> Status:
    """Validate a decision against the live state; return the status it leads to. `returned_from` is the
    step of the application's last return (it opens the outcomes of NATIONAL_RETURN_ONLY)."""
    if decision.step != current_status:
        raise DecisionRefused(
            "wrong_step",
            f"the application is at {current_status.value}, not at {decision.step.value}; reload and decide "
            f"the current step",
            f"この申請は現在「{STATUS_LABELS_JA[current_status]}」の段階です"
            f"（「{STATUS_LABELS_JA.get(decision.step, decision.step)}」ではありません）。再読み込みしてください",
        )
    if current_status not in STEP_ROLE:
        raise DecisionRefused(
            "wrong_step",
            f"no official decision is possible at {current_status.value}",
            f"「{STATUS_LABELS_JA[current_status]}」の段階では判断できません",
        )
    check_actor_holds_step(decision.actor, current_status, application_government)
    outcomes = {outcome: OUTCOME_NEXT[current_status][outcome]
                for outcome in outcomes_open(current_status, returned_from)}
    if (current_status, decision.outcome) in NATIONAL_RETURN_ONLY and decision.outcome not in outcomes:
        raise DecisionRefused(
            "invalid",
            f"outcome {decision.outcome!r} is open only to an application the Cabinet Office returned and that came "
            "back to the council",
            "「再協議不要」は内閣府から差し戻され、地域協議会に戻った申請に限り選択できます",
        )
    if decision.outcome not in outcomes:
        raise DecisionRefused(
            "invalid",
            f"outcome {decision.outcome!r} is not possible at {current_status.value}; "
            f"choose one of {', '.join(outcomes)}",
            f"「{STATUS_LABELS_JA[current_status]}」の段階では選べない結果です。再読み込みしてください",
        )
    # Defence in depth: the API validated the fields already; a direct Update gets the same check.
    DECISION_FIELDS[current_status][decision.outcome].model_validate(decision.fields)
    return outcomes[decision.outcome]


def check_applicant_owns(actor: Actor, organization_id: int) -> None:
    if actor.role != Role.applicant or actor.organization_id != organization_id:
        raise DecisionRefused(
            "forbidden",
            "only a user of the applicant company can do this",
            "この操作は申請企業の利用者のみ行えます",
        )
