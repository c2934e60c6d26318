"""zone area: each application stores the zone's area its business area was accepted in

Revision ID: 0007_zone_area
Revises: 0006_reliability

Existing applications keep the area they were accepted under: the column is filled from the rules that
accepted them (the six regular expressions of services/core/zone/areas.py before issue #12, frozen here so
this migration means the same thing whatever the code becomes), translated to the keys of data/zone-areas.json.
Nothing is re-derived from the new data: `tokku zone-report` lists the applications whose area the current
data would change (docs/zone.md).
"""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_zone_area"
down_revision = "0006_reliability"
branch_labels = None
depends_on = None

# The old rules, as they were (key → pattern on the normalised address) …
OLD_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("tonomachi", re.compile(r"^川崎市川崎区殿町3丁目")),
    ("suzukicho", re.compile(r"^川崎市川崎区鈴木町")),
    ("shinkawasaki", re.compile(r"^川崎市幸区新川崎")),
    ("suehiro", re.compile(r"^横浜市鶴見区(末広町|小野町|弁天町)")),
    ("fukuura", re.compile(r"^横浜市金沢区福浦")),
    ("minatomirai", re.compile(r"^横浜市西区(みなとみらい|高島|北幸|南幸)")),
)
# … and their areas under data/zone-areas.json's keys. "鈴木町区域" was never one of the zone's 17 areas: the
# plan certifies 鈴木町1丁目 (味の素) as part of 殿町区域, so it is stored as that area, same government.
OLD_TO_CURRENT = {"tonomachi": "tonomachi", "suzukicho": "tonomachi", "shinkawasaki": "shinkawasaki",
                  "suehiro": "suehiro", "fukuura": "fukuura", "minatomirai": "minatomirai"}
_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
BATCH = 500


def _kanji_number(text: str) -> str:
    if text == "十":
        return "10"
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str((_KANJI_DIGITS.get(tens, 1)) * 10 + _KANJI_DIGITS.get(ones, 0))
    return str(_KANJI_DIGITS[text])


def old_area(address: str | None) -> str | None:
    if not address:
        return None
    text = unicodedata.normalize("NFKC", address)
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"([一二三四五六七八九十]+)丁目", lambda m: _kanji_number(m.group(1)) + "丁目", text)
    text = re.sub(r"^〒?\d{3}-?\d{4}", "", text)
    text = text.removeprefix("神奈川県")
    key = next((key for key, pattern in OLD_RULES if pattern.search(text)), None)
    return OLD_TO_CURRENT[key] if key else None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zone_area", sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    applications = sa.table("applications", sa.column("id", sa.Integer), sa.column("content", sa.JSON),
                            sa.column("zone_area", sa.String))
    connection = op.get_bind()
    last_id = 0
    while True:  # in batches by id: the table may be large, and each row is read once
        rows = connection.execute(sa.select(applications.c.id, applications.c.content)
                                  .where(applications.c.id > last_id).order_by(applications.c.id)
                                  .limit(BATCH)).all()
        if not rows:
            break
        for application_id, content in rows:
            area = old_area((content or {}).get("business_area"))
            if area is not None:
                connection.execute(applications.update().where(applications.c.id == application_id)
                                   .values(zone_area=area))
        last_id = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("zone_area")
