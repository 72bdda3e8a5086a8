"""Who reviews what: k judges per entry, loads as even as caps and conflicts allow.

Pure: ids in, pairs out. The same inputs and seed give the same pairs.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class JudgeSlot:
    judge_id: int
    cap: int | None  # most entries this judge reviews, None for no cap


def assign(
    *,
    entry_ids: list[int],
    judges: list[JudgeSlot],
    k: int,
    conflicts: set[tuple[int, int]],
    existing: set[tuple[int, int]],
    seed: int,
) -> set[tuple[int, int]]:
    """New (judge_id, entry_id) pairs so that each entry has up to k judges.

    Existing pairs are kept and counted. The most constrained entries (fewest judges who
    may review them) are served first, each by the least-loaded eligible judges, ties
    broken by a seeded shuffle, so loads end up differing by at most one wherever caps
    and conflicts leave room for it.
    """
    rng = random.Random(seed)
    judge_order = {slot.judge_id: rng.random() for slot in judges}
    caps = {slot.judge_id: slot.cap for slot in judges}
    load: dict[int, int] = defaultdict(int)
    have: dict[int, set[int]] = defaultdict(set)
    for judge_id, entry_id in existing:
        load[judge_id] += 1
        have[entry_id].add(judge_id)

    def eligible(entry_id: int) -> list[int]:
        return [
            j
            for j in caps
            if (j, entry_id) not in conflicts and j not in have[entry_id] and (caps[j] is None or load[j] < caps[j])
        ]

    entries = list(entry_ids)
    rng.shuffle(entries)
    entries.sort(key=lambda e: len(eligible(e)))
    new: set[tuple[int, int]] = set()
    for _ in range(k):
        # One judge per entry per round, so no entry takes the least-loaded judges first.
        for entry_id in entries:
            if len(have[entry_id]) >= k:
                continue
            candidates = eligible(entry_id)
            if not candidates:
                continue
            chosen = min(candidates, key=lambda j: (load[j], judge_order[j]))
            load[chosen] += 1
            have[entry_id].add(chosen)
            new.add((chosen, entry_id))
    return new
