"""Reads for pairwise judging: the judge's page, whom to send them to next, why a pair
may not be compared, and the organizers' view of judges and entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from jams.models import Jam
from submissions.models import Entry

from . import crowd_bt
from .models import Comparison, Judge, PairwiseEntry, PairwiseJudge, Skip
from .selectors import entries_for_judge

UNDO_WINDOW = timedelta(minutes=1)


def annotator_of(state: PairwiseJudge) -> crowd_bt.Annotator:
    return crowd_bt.Annotator(alpha=state.alpha, beta=state.beta)


def item_of(state: PairwiseEntry | None) -> crowd_bt.Item:
    return crowd_bt.Item() if state is None else crowd_bt.Item(mu=state.mu, sigma_sq=state.sigma_sq)


@dataclass
class PairwisePage:
    previous: Entry | None  # the entry the judge saw before: choice A
    current: Entry | None  # the entry the judge is sent to now: choice B
    comparisons_made: int
    undo_until: datetime | None  # the last vote or skip can be undone until then
    undo_choice: str | None  # which: the undo form says, so a second tap undoes nothing more
    changed: bool = False  # an entry of theirs can't be judged by them any more: shown neither


def last_choice(*, judge: Judge) -> Comparison | Skip | None:
    """The judge's last vote or skip, whichever was made last (by time, then id): what an
    undo takes back. Two queries."""
    vote = Comparison.objects.filter(judge=judge).order_by("-created_at", "-id").first()
    skip = Skip.objects.filter(judge=judge).select_related("entry").order_by("-created_at", "-id").first()
    return max((c for c in (vote, skip) if c), key=lambda choice: (choice.created_at, choice.pk), default=None)


def choice_key(choice: Comparison | Skip) -> str:
    """Names a vote or a skip in the undo form: "vote-12", "skip-7"."""
    return f"{'skip' if isinstance(choice, Skip) else 'vote'}-{choice.pk}"


def place_changed(*, judge: Judge, state: PairwiseJudge | None) -> bool:
    """Whether an entry the judge stands at (seen before, or sent to) can't be judged by
    them any more: an organizer marked a conflict, the team withdrew it, their tracks
    changed. One query, none without entries."""
    ids = {pk for pk in (state.previous_id, state.current_id) if pk} if state else set()
    if not ids:
        return False
    return entries_for_judge(judge=judge).filter(pk__in=ids).count() != len(ids)


def pairwise_page(*, judge: Judge, now: datetime | None = None) -> PairwisePage:
    """What the judge's page shows. Four queries, however many entries the jam has."""
    now = now or timezone.now()
    state = (
        PairwiseJudge.objects.filter(judge=judge)
        .select_related("previous__team", "current__team", "previous__jam", "current__jam")
        .first()
    )
    last = last_choice(judge=judge)
    undo_until = undo_choice = None
    if last is not None and last.created_at + UNDO_WINDOW > now:
        undo_until, undo_choice = last.created_at + UNDO_WINDOW, choice_key(last)
    changed = place_changed(judge=judge, state=state)
    return PairwisePage(
        previous=state.previous if state and not changed else None,
        current=state.current if state and not changed else None,
        comparisons_made=state.comparisons_made if state else 0,
        undo_until=undo_until,
        undo_choice=undo_choice,
        changed=changed,
    )


def judge_track_ids(*, judge: Judge) -> set[int] | None:
    """The tracks this judge is limited to, or None when they judge every entry (no limit,
    or the jam has no tracks). One query."""
    return set(judge.tracks.filter(jam_id=judge.jam_id).values_list("pk", flat=True)) or None


def pair_refusal(*, judge: Judge, first: Entry, second: Entry) -> str | None:
    """Why this judge may not compare these two entries, or None when they may: each must
    be an entry they may judge at all (not their team's, no conflict, in their tracks: as
    for reviews), and the two must share a track (one they judge, if limited). An entry in
    no track (tracks added after it, or its track deleted) pairs with any, for a judge
    limited to none. Two queries, three where the judge is limited."""
    judgeable = set(entries_for_judge(judge=judge).filter(pk__in=[first.pk, second.pk]).values_list("pk", flat=True))
    for entry in (first, second):
        if entry.pk not in judgeable:
            return (
                f"You can't judge “{entry.title}”: it is your team's, you have a conflict with it, "
                "or it isn't in this jam. Nothing was recorded."
            )
    tracks = {first.pk: set(), second.pk: set()}
    for entry_id, track_id in Entry.tracks.through.objects.filter(entry_id__in=tracks).values_list(
        "entry_id", "track_id"
    ):
        tracks[entry_id].add(track_id)
    if not tracks[first.pk] or not tracks[second.pk]:
        return None  # in no track: only a judge limited to none may judge it (judge_may_see)
    shared = tracks[first.pk] & tracks[second.pk]
    limited = judge_track_ids(judge=judge) if shared else None
    if not shared or (limited is not None and not shared & limited):
        return (
            f"“{first.title}” and “{second.title}” aren't in the same track (one you judge), "
            "so they can't be compared. Nothing was recorded."
        )
    return None


def pair_compared(*, judge: Judge, first_id: int, second_id: int) -> bool:
    pair = Q(winner_id=first_id, loser_id=second_id) | Q(winner_id=second_id, loser_id=first_id)
    return Comparison.objects.filter(pair, judge=judge).exists()


def pairwise_candidates(
    *, judge: Judge, reference: Entry | None, leave_out: set[int] = frozenset()
) -> list[tuple[int, crowd_bt.Item, int]]:
    """The entries this judge may be sent to next, as crowd_bt.choose_next takes them:
    (id, belief, times judges were sent to it). Only entries they may judge, have not
    compared or skipped, and that pair_refusal lets them compare with `reference`: with
    tracks, in a track (one they judge) that `reference` is in too. At most two queries,
    however many entries the jam has."""
    compared = Comparison.objects.filter(Q(winner_id=OuterRef("pk")) | Q(loser_id=OuterRef("pk")), judge=judge)
    skipped = Skip.objects.filter(judge=judge, entry_id=OuterRef("pk"))
    entries = entries_for_judge(judge=judge).exclude(Exists(compared)).exclude(Exists(skipped))
    entries = entries.exclude(pk__in=set(leave_out) | ({reference.pk} if reference else set()))
    if reference is not None:
        memberships = Entry.tracks.through.objects
        reference_tracks = memberships.filter(entry_id=reference.pk).values("track_id")
        limited = judge_track_ids(judge=judge)
        shares = memberships.filter(entry_id=OuterRef("pk"), track_id__in=reference_tracks)
        if limited is not None:  # entries_for_judge left only entries of their tracks
            entries = entries.filter(Exists(shares.filter(track_id__in=limited)))
        else:  # a track shared, or one of the two in none
            in_none = ~Exists(memberships.filter(entry_id=OuterRef("pk")))
            entries = entries.filter(Exists(shares) | in_none | ~Exists(reference_tracks))
    rows = entries.order_by("id").values_list("pk", "pairwise__mu", "pairwise__sigma_sq", "pairwise__times_seen")
    return [
        (pk, crowd_bt.Item() if mu is None else crowd_bt.Item(mu=mu, sigma_sq=sigma_sq), seen or 0)
        for pk, mu, sigma_sq, seen in rows
    ]


# The organizers' view --------------------------------------------------------------------


@dataclass
class PairwiseJudgeRow:
    judge: Judge
    comparisons_made: int
    reliability: float | None  # the chance Crowd-BT gives that this judge picks the better entry; None before a vote
    skips: int


def pairwise_judges(*, jam: Jam) -> list[PairwiseJudgeRow]:
    """Every judge of the jam with their progress and estimated reliability. Three queries.

    Reliability is each judge's votes read (crowd_bt.reassess) against the entries as the
    results fit them (crowd_bt.refit, the counted votes), not the online estimate: early
    votes, when every entry looked alike, count as evidence too. A judge whose votes are
    left out of the results is still measured against everyone else's."""
    votes = list(
        Comparison.objects.filter(judge__jam=jam).order_by("id").values_list("judge_id", "winner_id", "loser_id")
    )
    ignored = set(Judge.objects.filter(jam=jam, excluded_from_results=True).values_list("pk", flat=True))
    items, _judges = crowd_bt.refit(votes, ignored=ignored, prior=crowd_bt.JUDGES_PRIOR)
    annotators = crowd_bt.reassess(votes, items, prior=crowd_bt.JUDGES_PRIOR)
    judges = (
        Judge.objects.filter(jam=jam)
        .select_related("user", "pairwise")
        .annotate(skip_count=Count("skips", distinct=True))
        .order_by("user__display_name", "id")
    )
    rows = []
    for judge in judges:
        state = getattr(judge, "pairwise", None)
        rows.append(
            PairwiseJudgeRow(
                judge=judge,
                comparisons_made=state.comparisons_made if state else 0,
                reliability=crowd_bt.reliability(annotators[judge.pk]) if judge.pk in annotators else None,
                skips=judge.skip_count,
            )
        )
    return rows


def comparisons_per_entry(*, jam: Jam) -> QuerySet[Entry]:
    """The jam's submitted entries with `comparison_count` (votes they were in, by any
    judge) and their pairwise state, most compared first."""
    won = Comparison.objects.filter(winner_id=OuterRef("pk")).values("winner_id").annotate(n=Count("pk")).values("n")
    lost = Comparison.objects.filter(loser_id=OuterRef("pk")).values("loser_id").annotate(n=Count("pk")).values("n")
    return (
        Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED)
        .select_related("team", "pairwise")
        .annotate(
            comparison_count=Coalesce(Subquery(won, output_field=IntegerField()), Value(0))
            + Coalesce(Subquery(lost, output_field=IntegerField()), Value(0))
        )
        .order_by("-comparison_count", "id")
    )
