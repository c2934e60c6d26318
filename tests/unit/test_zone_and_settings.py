import pytest
from pydantic import ValidationError

from services.core.platform.settings import Settings
from services.core.zone.addresses import match_address
from workflows.contracts import Government


@pytest.mark.parametrize("address, area, government", [
    ("神奈川県川崎市川崎区殿町3丁目", "tonomachi", Government.kawasaki),
    ("神奈川県川崎市川崎区殿町三丁目25番22号 ライフイノベーションセンター内", "tonomachi", Government.kawasaki),
    # The old regexes called this "鈴木町区域"; the plan certifies 鈴木町1 as part of 殿町区域 (docs/zone.md).
    ("川崎市川崎区鈴木町1丁目", "tonomachi", Government.kawasaki),
    ("神奈川県川崎市幸区新川崎7番7号 かわさき新産業創造センター KBIC", "shinkawasaki", Government.kawasaki),
    ("神奈川県横浜市鶴見区末広町1丁目", "suehiro", Government.yokohama),
    ("横浜市鶴見区小野町36", "suehiro", Government.yokohama),
    ("〒236-0004 神奈川県横浜市金沢区福浦3丁目9", "fukuura", Government.yokohama),
    ("横浜市西区みなとみらい４丁目", "minatomirai", Government.yokohama),
])
def test_plan_areas_decide_the_government(address, area, government):
    found = match_address(address)
    assert found.ok and found.key == area and found.government == government


@pytest.mark.parametrize("address", ["東京都千代田区永田町1丁目", "神奈川県川崎市川崎区殿町2丁目", "川崎市中原区"])
def test_outside_the_zone(address):
    assert not match_address(address).ok


def test_dev_secret_refused_outside_dev_mode():
    with pytest.raises(ValidationError, match="TOKKU_SECRET_KEY"):
        Settings(mode="production")
    assert Settings(mode="production", secret_key="x" * 40).mode == "production"
    assert Settings(mode="dev").mode == "dev"
