"""Who reviews what: k judges per entry, loads as even as caps and conflicts allow.

Pure: ids in, pairs out. The same inputs and seed give the same pairs.

It is a flow problem: each entry needs k judges, each judge takes an entry at most once,
never one they conflict with. Judges' loads are raised level by level (everyone up to 1,
then up to 2, ...), and at each level every entry that still needs a judge looks for one
below the level, directly or by moving another entry's judge along an augmenting path.
A judge's load never drops, so when the needs run out every judge is at the last level or
one below it, unless a cap or conflicts kept them lower.

Mixing: among equally loaded judges, an entry takes the one who has shared the fewest
entries with the judges already on it, then one at random (from the seed). Without this,
ties broken by one fixed order make islands: at k = 2, 40 entries and 8 judges came out as
4 fixed pairs, and no ranking can compare the harshness of judges who never share an entry.
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
    def __init__(self, judges, entries, k, conflicts, fixed, movable, rng):
        self.rng = rng
        self.order = [s.judge_id for s in judges]
        rng.shuffle(self.order)
        self.cap = {s.judge_id: s.cap for s in judges}
        entry_set = set(entries)
        # A movable pair the flow can use: the judge is here, the entry too, no conflict since.
        self.usable = {(j, e) for j, e in movable if j in self.cap and e in entry_set and (j, e) not in conflicts}
        fixed = set(fixed) | (set(movable) - self.usable)
        self.load = Counter(j for j, _ in fixed)
        self.taken: dict[int, set[int]] = defaultdict(set)  # entry -> judges it keeps whatever happens
        for j, e in fixed:
            self.taken[e].add(j)
        self.allowed = {
            e: [j for j in self.order if (j, e) not in conflicts and j not in self.taken[e]] for e in entries
        }
        self.new: dict[int, set[int]] = defaultdict(set)  # entry -> judges the flow may still move
        self.on_judge: dict[int, set[int]] = defaultdict(set)  # judge -> entries the flow may move
        self.shared: Counter[tuple[int, int]] = Counter()  # (judge, judge) -> entries both are on
        for judges_on in self.taken.values():
            self._pair_up(judges_on, 1)
        for j, e in sorted(self.usable):
            self._add(e, j)
        self.need = {e: max(0, k - len(self.taken[e]) - len(self.new[e])) for e in entries}
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
            on = self.taken[entry] | self.new[entry]
            self._add(entry, min(direct, key=lambda j: (self.load[j], self._overlap(j, on), self.rng.random())))
            return True
        if not any(self.spare(j) for j in self.order):
            return False  # nobody could take another entry at this level: no path ends well
        return self._augment_by_path(entry)

    def _overlap(self, judge: int, others: set[int]) -> int:
        """How many entries `judge` has shared with the judges in `others`, counted per judge."""
        return sum(self.shared[judge, other] for other in others)

    def _pair_up(self, judges: set[int], step: int) -> None:
        for a in judges:
            for b in judges:
                if a != b:
                    self.shared[a, b] += step

    def _add(self, entry: int, judge: int) -> None:
        for other in self.taken[entry] | self.new[entry]:
            self.shared[judge, other] += 1
            self.shared[other, judge] += 1
        self.new[entry].add(judge)
        self.on_judge[judge].add(entry)
        self.load[judge] += 1

    def _remove(self, entry: int, judge: int) -> None:
        self.new[entry].discard(judge)
        for other in self.taken[entry] | self.new[entry]:
            self.shared[judge, other] -= 1
            self.shared[other, judge] -= 1
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


def track_barred(
    *, judge_tracks: dict[int, set[int]], entry_tracks: dict[int, set[int]], judge_ids: list[int]
) -> set[tuple[int, int]]:
    """The (judge_id, entry_id) pairs the tracks rule out, to pass with the conflicts: a
    judge limited to tracks takes only entries in one of them (an entry in several tracks
    may go to judges of any); a judge limited to none takes any entry."""
    return {
        (judge, entry)
        for judge in judge_ids
        if (limited := judge_tracks.get(judge))
        for entry, tracks in entry_tracks.items()
        if not (limited & tracks)
    }


@dataclass(frozen=True)
class Plan:
    add: set[tuple[int, int]]  # (judge_id, entry_id) pairs to create
    remove: set[tuple[int, int]]  # movable pairs handed to another judge


def assign(
    *,
    entry_ids: list[int],
    judges: list[JudgeSlot],
    k: int,
    conflicts: set[tuple[int, int]],
    existing: set[tuple[int, int]],
    seed: int,
) -> set[tuple[int, int]]:
    """New (judge_id, entry_id) pairs so that each entry has up to k judges; existing
    pairs are all kept (see `top_up` to let unreviewed ones move)."""
    return top_up(
        entry_ids=entry_ids, judges=judges, k=k, conflicts=conflicts, fixed=existing, movable=set(), seed=seed
    ).add


def top_up(
    *,
    entry_ids: list[int],
    judges: list[JudgeSlot],
    k: int,
    conflicts: set[tuple[int, int]],
    fixed: set[tuple[int, int]],
    movable: set[tuple[int, int]],
    seed: int,
) -> Plan:
    """The pairs to add, and to remove, so that each entry has up to k judges.

    `fixed` pairs stay (reviews written). `movable` pairs stay too unless handing one to
    another judge is the only way to fill a gap with loads within one, as after a judge
    recuses: the recusing judge, one entry short, takes over an unreviewed entry from the
    judge who fills the gap. Both count in the loads and in who has shared entries with
    whom. Ties go to the judge who has shared least with the entry's judges, then by lot."""
    rng = random.Random(seed)
    entries = list(entry_ids)
    flow = _Flow(judges, entries, k, conflicts, fixed, movable, rng)
    while any(flow.need.values()) and (flow.level == 0 or flow.level_binds()):
        flow.level += 1
        progress = True
        while progress:
            progress = False
            rng.shuffle(entries)  # a new order each pass, so no entry always chooses first
            for entry in entries:
                if flow.need[entry] and flow.augment(entry):
                    flow.need[entry] -= 1
                    progress = True
    final = {(judge, entry) for entry, judges_on in flow.new.items() for judge in judges_on}
    return Plan(add=final - flow.usable, remove=flow.usable - final)
