"""Tables of plan changes (docs/plan-changes.md): the versions that were in force, each change a designated
company proposed with what the rules found, and the events of a change's own workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.applications import models as _applications_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


class VersionInForce(SQLModel, table=True):
    """A certified version of an application (a row of application_versions) and when it came into force: the
    version designated first, then each one a minor change or a certified change brought. The newest row of
    an application is the version in force; the older ones are kept."""

    __tablename__ = "versions_in_force"
    __table_args__ = (UniqueConstraint("application_id", "version", name="uq_versions_in_force_app_version"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    version: int = Field(description="application_versions.version")
    basis: str = Field(description="designation | minor_change | certified_change")
    plan_change_id: int | None = Field(default=None, foreign_key="plan_changes.id")
    designation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    in_force_from: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlanChange(SQLModel, table=True):
    """A change a designated company proposed to its certified version: the version it starts from, the
    proposal, each field's change with the rule that classified it, and the decision minor or not (by the
    rules, or by the secretariat with its reason)."""

    __tablename__ = "plan_changes"
    __table_args__ = (
        UniqueConstraint("proposed_by", "idempotency_key", name="uq_plan_changes_proposed_by_idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    base_version: int = Field(description="the version in force when it was proposed")
    base: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False), description="that version, items with ids")
    proposed: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False), description="the proposal, items "
                                                                                           "with ids (new: none)")
    revision: int = Field(default=1, description="bumps when the company amends a returned change")
    reason: str = Field(description="the company's explanation of the change")
    field_changes: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    classification: str = Field(description="what the rules found: minor | not_minor | secretariat")
    minor: bool | None = Field(default=None, description="the decision: by the rules, or by the secretariat")
    classified_by: int | None = Field(default=None, foreign_key="users.id")
    classification_reason: str | None = None
    status: str = Field(index=True, description="workflows.plan_change_contracts.ChangeStatus")
    current_step: str | None = None
    returned_from: str | None = None
    last_seq: int = 0
    version: int | None = Field(default=None, description="the version it brought into force")
    workflow_id: str | None = None
    proposed_by: int = Field(foreign_key="users.id")
    idempotency_key: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlanChangeEvent(SQLModel, table=True):
    """The audit trail of a non-minor change's workflow; (change, seq) is unique so a retry adds nothing."""

    __tablename__ = "plan_change_events"
    __table_args__ = (UniqueConstraint("plan_change_id", "seq", name="uq_plan_change_events_change_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_change_id: int = Field(foreign_key="plan_changes.id", index=True)
    seq: int
    kind: str
    step: str | None = None
    outcome: str | None = None
    actor_user_id: int | None = None
    actor_username: str | None = None
    actor_role: str | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status_after: str
    occurred_at: datetime = Field(sa_type=UTCDateTime)
