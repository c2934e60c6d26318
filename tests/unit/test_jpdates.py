from datetime import date

import pytest

from workflows.jpdates import JapaneseDateError, parse_date, to_japanese_era


@pytest.mark.parametrize("text, expected", [
    ("2022-09-01", date(2022, 9, 1)),
    ("2022/9/1", date(2022, 9, 1)),
    ("２０２２年９月１日", date(2022, 9, 1)),
    ("令和4年9月1日", date(2022, 9, 1)),
    ("令和４年１０月１日", date(2022, 10, 1)),
    ("令和元年5月1日", date(2019, 5, 1)),
    ("平成23年12月22日", date(2011, 12, 22)),
    ("H28.3.28", date(2016, 3, 28)),
    ("昭和45年6月16日", date(1970, 6, 16)),
])
def test_accepts_iso_and_era_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["令和4年13月1日", "2022-02-30", "平成31年5月1日", "令和0年1月1日", "来年", ""])
def test_refuses_with_a_bilingual_message(text):
    with pytest.raises(JapaneseDateError) as error:
        parse_date(text)
    message = str(error.value)
    assert " / " in message  # Japanese, then English


def test_formats_like_the_plan():
    assert to_japanese_era(date(2022, 10, 1)) == "令和4年10月1日"
    assert to_japanese_era(date(2019, 5, 1)) == "令和元年5月1日"
    assert to_japanese_era(date(2011, 12, 22)) == "平成23年12月22日"
