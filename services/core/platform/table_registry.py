"""Every table module, imported once so the metadata knows all tables (Alembic, create_all in tests)."""

from __future__ import annotations

from services.core.accounts import models as accounts_models  # noqa: F401 - organisations, users, sign-ins
from services.core.applications import attachments  # noqa: F401 - the web's attachment table
from services.core.applications import models as applications_models  # noqa: F401 - content, projection, events
from services.core.council import models as council_models  # noqa: F401 - council and consultations (別添6)
from services.core.documents import models as documents_models  # noqa: F401 - the audit of document exports
from services.core.evaluation import models as evaluation_models  # noqa: F401 - the evaluation's entered figures
from services.core.follow_up import models as follow_up_models  # noqa: F401 - reports, deadlines, calendar
from services.core.loans import models as loans_models  # noqa: F401 - subsidised loans, their events and ledger
from services.core.notifications import models as notifications_models  # noqa: F401 - reminders and mail
from services.core.plan_changes import models as plan_changes_models  # noqa: F401 - versions in force, changes
from services.core.platform import models as platform_models  # noqa: F401 - idempotency keys
from services.core.platform.tables import metadata
from services.core.rounds import models as rounds_models  # noqa: F401 - filing rounds and their confirmations

__all__ = ["metadata"]
