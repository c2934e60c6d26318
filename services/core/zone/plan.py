"""The zone's certified plan as structured data (data/seed-plan.json): projects, entities, council, targets."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any


def load_plan(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def cached_plan(path: Path) -> dict[str, Any]:
    """The plan read once per process: it changes only with a deployment."""
    return load_plan(path)
