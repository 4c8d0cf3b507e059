import random

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from tasks.tax_ids import is_valid_inn, make_inn, with_check_digits


@given(st.randoms(use_true_random=False), st.booleans())
def test_generated_inns_are_valid(rng, personal):
    inn = make_inn(rng, personal=personal)
    assert len(inn) == (12 if personal else 10)
    assert is_valid_inn(inn)


@given(st.randoms(use_true_random=False), st.booleans(), st.data())
def test_a_changed_check_digit_is_refused(rng, personal, data):
    inn = make_inn(rng, personal=personal)
    position = len(inn) - 1
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != inn[position]]))
    assert not is_valid_inn(inn[:position] + wrong)


@given(st.text(max_size=14))
def test_validator_never_raises_and_only_accepts_digits(text):
    if is_valid_inn(text):
        assert text.isdigit() and len(text) in (10, 12)


def test_known_inns():
    assert is_valid_inn("7707083893")  # Sberbank
    assert is_valid_inn("500100732259")
    assert not is_valid_inn("7707083894")
    assert not is_valid_inn("77070838")
    assert not is_valid_inn("７７０７０８３８９３")  # full-width digits are not ASCII digits
    assert with_check_digits("770708389") == "7707083893"


def test_database_function_agrees_with_python(session):
    rng = random.Random(7)
    samples = [make_inn(rng, personal=bool(i % 2)) for i in range(200)]
    samples += [s[:-1] + str((int(s[-1]) + 1) % 10) for s in samples[:50]]
    samples += ["", "abc", "123", "12345678901"]
    db = session.execute(
        sa.text("SELECT v, inn_is_valid(v) FROM unnest(CAST(:vs AS text[])) AS v"), {"vs": samples}
    ).all()
    assert {v: ok for v, ok in db} == {v: is_valid_inn(v) for v in samples}
