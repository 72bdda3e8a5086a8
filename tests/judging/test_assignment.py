from collections import Counter

import pytest

from judging.assignment import JudgeSlot, assign


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
