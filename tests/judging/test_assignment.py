from collections import Counter

import pytest

from judging.assignment import JudgeSlot, assign, top_up


def judges(count: int, cap: int | None = None) -> list[JudgeSlot]:
    return [JudgeSlot(judge_id=j, cap=cap) for j in range(1, count + 1)]


def loads(pairs) -> Counter:
    return Counter(judge for judge, _ in pairs)


def per_entry(pairs) -> Counter:
    return Counter(entry for _, entry in pairs)


@pytest.mark.parametrize(("entries", "judge_count", "k"), [(12, 5, 3), (300, 7, 3), (10, 10, 3), (5, 3, 3)])
def test_each_entry_gets_k_judges_and_loads_differ_by_at_most_one(entries, judge_count, k):
    pairs = assign(
        entry_ids=list(range(100, 100 + entries)), judges=judges(judge_count), k=k, conflicts=set(), existing=set(),
        seed=7,
    )  # fmt: skip
    assert set(per_entry(pairs).values()) == {k}
    counts = loads(pairs).values()
    assert max(counts) - min(counts) <= 1


def test_conflicts_are_never_assigned_and_loads_stay_balanced():
    entry_ids = list(range(100, 130))
    conflicts = {(1, 100), (1, 101), (2, 100), (3, 105), (4, 110), (5, 111)}

    pairs = assign(entry_ids=entry_ids, judges=judges(6), k=3, conflicts=conflicts, existing=set(), seed=3)

    assert not pairs & conflicts
    assert set(per_entry(pairs).values()) == {3}
    counts = loads(pairs).values()
    assert max(counts) - min(counts) <= 1


def test_caps_are_honoured():
    pairs = assign(
        entry_ids=list(range(20)),
        judges=[JudgeSlot(1, 2), JudgeSlot(2, None), JudgeSlot(3, None), JudgeSlot(4, None)],
        k=2,
        conflicts=set(),
        existing=set(),
        seed=1,
    )
    assert loads(pairs)[1] == 2
    assert set(per_entry(pairs).values()) == {2}
    others = [loads(pairs)[j] for j in (2, 3, 4)]
    assert max(others) - min(others) <= 1


def test_same_seed_same_result_and_another_seed_differs():
    kwargs = {"entry_ids": list(range(40)), "judges": judges(6), "k": 3, "conflicts": set(), "existing": set()}
    assert assign(seed=42, **kwargs) == assign(seed=42, **kwargs)
    assert assign(seed=42, **kwargs) != assign(seed=43, **kwargs)


def test_existing_assignments_are_kept_and_counted():
    first = assign(entry_ids=list(range(10)), judges=judges(4), k=2, conflicts=set(), existing=set(), seed=5)

    more = assign(entry_ids=list(range(12)), judges=judges(4), k=2, conflicts=set(), existing=first, seed=5)

    assert per_entry(more) == {10: 2, 11: 2}
    combined = first | more
    counts = loads(combined).values()
    assert max(counts) - min(counts) <= 1


def test_too_few_judges_gives_what_it_can():
    pairs = assign(entry_ids=[1, 2], judges=judges(2), k=3, conflicts={(1, 2)}, existing=set(), seed=0)
    assert per_entry(pairs) == {1: 2, 2: 1}


def judge_graph_components(pairs, judge_ids) -> int:
    """How many groups the judges form when two are linked by sharing an entry."""
    on_entry = {}
    for judge, entry in pairs:
        on_entry.setdefault(entry, []).append(judge)
    group = {j: j for j in judge_ids}

    def root(j):
        while group[j] != j:
            j = group[j]
        return j

    for judges_on in on_entry.values():
        for other in judges_on[1:]:
            group[root(other)] = root(judges_on[0])
    return len({root(j) for j in judge_ids})


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize(("entries", "judge_count"), [(40, 8), (100, 10), (30, 6), (50, 12), (300, 20)])
def test_the_judge_graph_is_connected(entries, judge_count, k):
    for seed in (1, 2, 3):
        pairs = assign(
            entry_ids=list(range(entries)), judges=judges(judge_count), k=k, conflicts=set(), existing=set(),
            seed=seed,
        )  # fmt: skip
        assert judge_graph_components(pairs, range(1, judge_count + 1)) == 1, f"seed {seed}"
        assert set(per_entry(pairs).values()) == {k}
        counts = loads(pairs).values()
        assert max(counts) - min(counts) <= 1


def test_judges_are_mixed_not_paired_off():
    """At k = 2 with 40 entries and 8 judges, one fixed order made 4 pairs judging the same
    10 entries; now no two judges share more than a few entries."""
    pairs = assign(entry_ids=list(range(40)), judges=judges(8), k=2, conflicts=set(), existing=set(), seed=1)
    on_entry = {}
    for judge, entry in pairs:
        on_entry.setdefault(entry, set()).add(judge)
    together = Counter(frozenset(js) for js in on_entry.values())
    assert max(together.values()) <= 3
    assert len(together) >= 14  # of the 28 possible pairs of judges


def test_top_up_after_a_recusal_keeps_loads_within_one_and_the_graph_connected():
    entry_ids, slots = list(range(40)), judges(8)
    first = assign(entry_ids=entry_ids, judges=slots, k=3, conflicts=set(), existing=set(), seed=4)
    recused = sorted(first)[0]  # judge 1 recuses from one of their entries
    reviewed = set(sorted(first)[1::2])  # half the assignments already have a review

    plan = top_up(
        entry_ids=entry_ids, judges=slots, k=3, conflicts={recused}, fixed=reviewed - {recused},
        movable=first - reviewed - {recused}, seed=4,
    )  # fmt: skip

    after = (first - {recused} - plan.remove) | plan.add
    assert recused not in after
    assert not plan.remove & reviewed
    assert set(per_entry(after).values()) == {3}
    counts = loads(after).values()
    assert max(counts) - min(counts) <= 1
    assert judge_graph_components(after, range(1, 9)) == 1
    assert len(plan.add) == len(plan.remove) + 1  # one gap filled, with as few moves as that needs


def test_top_up_moves_nothing_when_a_judge_has_room():
    first = assign(entry_ids=list(range(9)), judges=judges(3), k=2, conflicts=set(), existing=set(), seed=2)
    plan = top_up(entry_ids=list(range(10)), judges=judges(3), k=2, conflicts=set(), fixed=set(), movable=first, seed=2)
    assert plan.remove == set()
    assert per_entry(plan.add) == {9: 2}
