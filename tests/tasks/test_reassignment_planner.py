"""The planner's rules, as examples and as properties over random lines."""

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from models.reassignment import Policy
from tasks.reassignment_planner import Rep, StaleLead, plan

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def lead(lead_id, owner, previous=(), line=1):
    return StaleLead(
        lead_id, line, owner, T0 + timedelta(minutes=lead_id), date(2026, 4, 1), frozenset(previous)
    )


def reps(*specs, line=1):
    return [
        Rep(employee_id=i, line_ids=frozenset({line}), capacity=cap, open_leads=load)
        for i, load, cap in specs
    ]


def targets(assignments):
    return {a.lead_id: a.to_owner_id for a in assignments}


def test_round_robin_spreads_evenly_and_skips_the_owner():
    leads = [lead(i, owner=1) for i in range(1, 11)]
    result = plan(
        leads, reps((1, 0, None), (2, 0, None), (3, 0, None), (4, 0, None)), Policy.round_robin
    )
    counts = {rep: list(targets(result).values()).count(rep) for rep in (2, 3, 4)}
    assert 1 not in targets(result).values()
    assert max(counts.values()) - min(counts.values()) <= 1
    assert sum(counts.values()) == 10


def test_round_robin_carries_on_after_the_last_receiver():
    result = plan(
        [lead(1, owner=9)],
        reps((1, 0, None), (2, 0, None), (3, 0, None)),
        Policy.round_robin,
        last_receiver={1: 2},
    )
    assert targets(result) == {1: 3}


def test_least_loaded_takes_the_lightest_and_counts_what_it_gave():
    result = plan(
        [lead(1, 9), lead(2, 9), lead(3, 9)], reps((1, 5, None), (2, 3, None)), Policy.least_loaded
    )
    assert list(targets(result).values()) == [2, 2, 1]
    assert "least loaded: 3 open leads" in result[0].explanation


def test_capacity_fills_by_ratio_and_never_over_cap():
    result = plan([lead(i, 9) for i in range(1, 7)], reps((1, 0, 2), (2, 0, 4)), Policy.capacity)
    given_to = list(targets(result).values())
    assert given_to.count(1) == 2 and given_to.count(2) == 4


def test_previous_owner_only_when_nobody_else_can():
    rs = reps((1, 0, None), (2, 0, None), (3, 0, 0))
    first = plan([lead(1, owner=1, previous={2})], rs, Policy.least_loaded)
    assert targets(first) == {1: 2}
    assert "a previous owner" in first[0].explanation
    other = plan(
        [lead(1, owner=1, previous={2})],
        reps((1, 0, None), (2, 0, None), (4, 9, None)),
        Policy.least_loaded,
    )
    assert targets(other) == {1: 4}


def test_nobody_eligible_goes_to_the_pool_with_a_reason():
    full = plan([lead(1, owner=1)], reps((1, 0, None), (2, 5, 5)), Policy.round_robin)
    assert targets(full) == {1: None}
    assert "every other eligible rep is at capacity" in full[0].explanation
    empty = plan([lead(1, owner=1)], [], Policy.least_loaded)
    assert "no eligible rep" in empty[0].explanation


lines = st.integers(min_value=1, max_value=2)
rep_specs = st.lists(
    st.tuples(
        st.integers(1, 12),
        st.frozensets(lines, min_size=1),
        st.integers(0, 5),
        st.none() | st.integers(0, 8),
    ),
    max_size=10,
    unique_by=lambda t: t[0],
)
lead_specs = st.lists(
    st.tuples(lines, st.integers(1, 12), st.frozensets(st.integers(1, 12), max_size=3)), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(rep_specs, lead_specs, st.sampled_from(list(Policy)), st.randoms())
def test_rules_hold_for_any_line(rep_spec, lead_spec, policy, rnd):
    def fresh():
        return [Rep(i, line_ids, cap, load) for i, line_ids, load, cap in rep_spec]

    leads = [
        StaleLead(n, line, owner, T0 + timedelta(hours=n), date(2026, 4, 1), prev - {owner})
        for n, (line, owner, prev) in enumerate(lead_spec, start=1)
    ]
    result = plan(leads, fresh(), policy)
    shuffled_leads, shuffled_reps = list(leads), fresh()
    rnd.shuffle(shuffled_leads)
    rnd.shuffle(shuffled_reps)
    assert plan(shuffled_leads, shuffled_reps, policy) == result

    by_id = {r.employee_id: r for r in fresh()}
    received: dict[int, int] = {}
    for a, ld in zip(result, sorted(leads, key=lambda x: (x.line_id, x.owned_since)), strict=True):
        assert a.lead_id == ld.lead_id
        if a.to_owner_id is None:
            continue
        rep = by_id[a.to_owner_id]
        assert ld.line_id in rep.line_ids and rep.employee_id != ld.owner_id
        received[rep.employee_id] = received.get(rep.employee_id, 0) + 1
        if rep.employee_id in ld.previous_owner_ids:
            others = [
                r
                for r in by_id.values()
                if ld.line_id in r.line_ids
                and r.employee_id != ld.owner_id
                and r.employee_id not in ld.previous_owner_ids
                and (
                    r.capacity is None or r.open_leads + received.get(r.employee_id, 0) < r.capacity
                )
            ]
            assert not others, "a previous owner got a lead another rep could take"
    for rep_id, count in received.items():
        rep = by_id[rep_id]
        assert rep.capacity is None or rep.open_leads + count <= max(rep.capacity, rep.open_leads)


def test_large_plan_assigns_every_lead():
    rng = random.Random(1)
    leads = [
        lead(i, owner=rng.randint(1, 40), previous={rng.randint(1, 40)}) for i in range(1, 20_001)
    ]
    result = plan(
        leads, reps(*[(i, rng.randint(0, 50), None) for i in range(1, 41)]), Policy.least_loaded
    )
    assert len(result) == 20_000 and all(a.to_owner_id for a in result)


def test_round_robin_stays_even_when_owners_are_reps_of_the_line():
    leads = [lead(n, owner) for n, owner in enumerate((1, 1, 1, 1, 3, 1), start=1)]
    result = plan(leads, reps(*[(i, 0, None) for i in (1, 2, 3, 4)]), Policy.round_robin)
    given_to = list(targets(result).values())
    counts = [given_to.count(rep) for rep in (1, 2, 3, 4)]
    assert max(counts) - min(counts) <= 1, counts


def test_cap_is_per_person_across_lines():
    both = Rep(employee_id=7, line_ids=frozenset({1, 2}), capacity=2, open_leads=0)
    leads = [lead(n, owner=9, line=1 + n % 2) for n in range(1, 5)]
    result = plan(leads, [both], Policy.least_loaded)
    assert list(targets(result).values()).count(7) == 2
