"""Campaign settings a marketer types: the sending window."""

from __future__ import annotations

import pytest

from models.errors import CrmError
from tasks.campaigns import parse_window


def test_a_window_is_weekdays_and_hours():
    assert parse_window("1-5 9-18") == ([1, 2, 3, 4, 5], (9, 18))
    assert parse_window("6-7 10-14") == ([6, 7], (10, 14))


@pytest.mark.parametrize("text", ["1-5", "x", "5-1 9-18", "1-5 18-9", "0-5 9-18", "1-5 9-25"])
def test_a_malformed_window_is_one_clear_error(text):
    with pytest.raises(CrmError, match=f"window '{text}'"):
        parse_window(text)
