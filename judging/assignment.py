"""Who reviews what: k judges per entry, loads as even as caps and conflicts allow.

Pure: ids in, pairs out. The same inputs and seed give the same pairs.

It is a flow problem: each entry needs k judges, each judge takes an entry at most once,
never one they conflict with. Judges' loads are raised level by level (everyone up to 1,
then up to 2, ...), and at each level every entry that still needs a judge looks for one
below the level, directly or by moving another entry's judge along an augmenting path.
A judge's load never drops, so when the needs run out every judge is at the last level or
one below it, unless a cap or conflicts kept them lower.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class JudgeSlot:
    judge_id: int
    cap: int | None  # most entries this judge reviews, None for no cap


class _Flow:
    def __init__(self, judges, entries, k, conflicts, existing, rng):
        self.order = [s.judge_id for s in judges]
        rng.shuffle(self.order)
        self.rank = {j: i for i, j in enumerate(self.order)}
        self.cap = {s.judge_id: s.cap for s in judges}
        self.load = Counter(j for j, _ in existing)
        taken = defaultdict(set)
        for j, e in existing:
            taken[e].add(j)
        self.need = {e: max(0, k - len(taken[e])) for e in entries}
        self.allowed = {e: [j for j in self.order if (j, e) not in conflicts and j not in taken[e]] for e in entries}
        self.new: dict[int, set[int]] = defaultdict(set)  # entry -> judges added here
        self.on_judge: dict[int, set[int]] = defaultdict(set)  # judge -> entries added to
        self.level = 0

    def level_binds(self) -> bool:
        """Whether some judge is held back by the level itself, so raising it may help."""
        return any(self.load[j] >= self.level and (self.cap[j] is None or self.cap[j] > self.level) for j in self.order)

    def limit(self, judge: int) -> int:
        cap = self.cap[judge]
        return self.level if cap is None else min(self.level, cap)

    def spare(self, judge: int) -> bool:
        return self.load[judge] < self.limit(judge)

    def augment(self, entry: int) -> bool:
        """Give `entry` one more judge, moving others' judges if that frees one."""
        direct = [j for j in self.allowed[entry] if j not in self.new[entry] and self.spare(j)]
        if direct:
            self._add(entry, min(direct, key=lambda j: (self.load[j], self.rank[j])))
            return True
        if not any(self.spare(j) for j in self.order):
            return False  # nobody could take another entry at this level: no path ends well
        return self._augment_by_path(entry)

    def _add(self, entry: int, judge: int) -> None:
        self.new[entry].add(judge)
        self.on_judge[judge].add(entry)
        self.load[judge] += 1

    def _remove(self, entry: int, judge: int) -> None:
        self.new[entry].discard(judge)
        self.on_judge[judge].discard(entry)
        self.load[judge] -= 1

    def _augment_by_path(self, start: int) -> bool:
        # BFS over entry -> judge (not yet on it) -> entry that judge is on (could hand it over).
        parent: dict[tuple[str, int], tuple[str, int] | None] = {("e", start): None}
        queue = deque([start])
        while queue:
            entry = queue.popleft()
            for judge in self.allowed[entry]:
                if judge in self.new[entry] or ("j", judge) in parent:
                    continue
                parent[("j", judge)] = ("e", entry)
                if self.spare(judge):
                    self._flip(parent, judge)
                    return True
                for other in self.on_judge[judge]:
                    if ("e", other) not in parent:
                        parent[("e", other)] = ("j", judge)
                        queue.append(other)
        return False

    def _flip(self, parent, judge: int) -> None:
        """Walk the path back: each judge joins the entry before it, leaving the one after."""
        node = ("j", judge)
        while parent[node] is not None:
            _, entry = parent[node]
            self._add(entry, node[1])
            previous = parent[("e", entry)]
            if previous is None:
                return
            self._remove(entry, previous[1])
            node = previous


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

    Existing pairs are kept and counted in the loads. Ties go by a seeded shuffle."""
    rng = random.Random(seed)
    entries = list(entry_ids)
    rng.shuffle(entries)
    flow = _Flow(judges, entries, k, conflicts, existing, rng)
    while any(flow.need.values()) and (flow.level == 0 or flow.level_binds()):
        flow.level += 1
        progress = True
        while progress:
            progress = False
            for entry in entries:
                if flow.need[entry] and flow.augment(entry):
                    flow.need[entry] -= 1
                    progress = True
    return {(judge, entry) for entry, judges_on in flow.new.items() for judge in judges_on}
