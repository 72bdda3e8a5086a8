from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce

from accounts.models import User
from jams.models import Jam, SignUp, Track
from submissions.models import Entry, TeamMembership
from submissions.services import join_words

from . import crowd_bt
from .models import (
    Assignment,
    Award,
    Comparison,
    Conflict,
    Criterion,
    Judge,
    Prize,
    ResultsNotice,
    ResultsSnapshot,
    Review,
    Score,
)
from .scoring import (
    Analysis,
    CriterionData,
    EntryResult,
    JudgeResult,
    ReviewData,
    analyse,
    rank_pairwise,
    rerank,
)


def judge_for(*, jam: Jam, user: User) -> Judge | None:
    if not user.is_authenticated:
        return None
    return Judge.objects.select_related("jam", "user").filter(jam=jam, user=user, removed_at__isnull=True).first()


def entries_for_judge(*, judge: Judge) -> QuerySet[Entry]:
    """The submitted entries this judge may see and score: never their own team's, never
    one they or an organizer marked as a conflict. Every list of entries for judging
    starts here. A judge removed from judging may review nothing."""
    if judge.removed_at is not None:
        return Entry.objects.none()
    own_team = TeamMembership.objects.filter(team_id=OuterRef("team_id"), user_id=judge.user_id)
    conflicted = Conflict.objects.filter(entry_id=OuterRef("pk"), judge_id=judge.pk)
    return (
        Entry.objects.filter(jam_id=judge.jam_id, state=Entry.State.SUBMITTED)
        .exclude(Exists(own_team))
        .exclude(Exists(conflicted))
        .filter(_in_judges_tracks(judge))
    )


def _in_judges_tracks(judge: Judge) -> Q:
    """Entries of a track the judge is limited to (any of an entry's tracks will do), or
    every entry for a judge limited to none. Subqueries: no query of its own."""
    judge_tracks = Judge.tracks.through.objects.filter(judge_id=judge.pk)
    entry_in_them = Entry.tracks.through.objects.filter(
        entry_id=OuterRef("pk"), track_id__in=judge_tracks.values("track_id")
    )
    return ~Exists(judge_tracks) | Exists(entry_in_them)


def track_refusal(*, judge: Judge, entry: Entry) -> str | None:
    """Why a judge limited to tracks may not judge this entry, or None when the tracks
    don't stand in the way."""
    limited = list(judge.tracks.values_list("name", flat=True))
    if not limited or entry.tracks.filter(judges=judge).exists():
        return None
    tracks = "the " + " and ".join(f"“{name}”" for name in limited) + (" tracks" if len(limited) > 1 else " track")
    return f"You judge {tracks} only, and this entry isn't in {'them' if len(limited) > 1 else 'it'}."


@dataclass
class QueueEntry:
    """An entry in a judge's queue and where their review of it stands: not started,
    saved, or changed by its team since the judge last saved their review."""

    NOT_STARTED = "not started"
    SAVED = "saved"
    CHANGED = "changed since you scored it"

    entry: Entry
    review: Review | None

    @property
    def state(self) -> str:
        if self.review is None:
            return self.NOT_STARTED
        return self.CHANGED if self.entry.updated_at > self.review.updated_at else self.SAVED


@dataclass
class Workspace:
    entries: list[QueueEntry]  # every entry assigned to the judge, with its state
    queue: list[Entry]  # the assigned entries not started yet
    reviews: list[Review]  # all their reviews, newest first
    others: list[QueueEntry]  # reviews of entries beyond their assignments
    assigned: int
    assigned_reviewed: int


def judge_workspace(*, judge: Judge) -> Workspace:
    """The judge's assigned entries with the state of each, and their reviews so far.
    Two queries."""
    assigned = list(
        entries_for_judge(judge=judge).filter(assignments__judge=judge).select_related("team").order_by("id")
    )
    reviews = list(
        Review.objects.filter(judge=judge, entry__in=entries_for_judge(judge=judge))
        .select_related("entry", "entry__team")
        .order_by("-updated_at")
    )
    by_entry = {review.entry_id: review for review in reviews}
    entries = [QueueEntry(entry=entry, review=by_entry.get(entry.pk)) for entry in assigned]
    assigned_ids = {entry.pk for entry in assigned}
    return Workspace(
        entries=entries,
        queue=[item.entry for item in entries if item.review is None],
        reviews=reviews,
        others=[QueueEntry(entry=r.entry, review=r) for r in reviews if r.entry_id not in assigned_ids],
        assigned=len(assigned),
        assigned_reviewed=sum(1 for item in entries if item.review is not None),
    )


def recusals_for_judge(*, judge: Judge) -> list[Conflict]:
    """The entries this judge recused from (not organizers' conflicts), latest first."""
    return list(
        Conflict.objects.filter(judge=judge, source=Conflict.Source.RECUSED)
        .select_related("entry", "entry__team")
        .order_by("-created_at", "-id")
    )


def next_entry_for_judge(*, judge: Judge, after: int | None = None) -> Entry | None:
    """Their next assigned entry to review; when none is left, the entry they may review
    that has the fewest reviews and that they have not reviewed yet."""
    not_mine = ~Exists(Review.objects.filter(judge=judge, entry_id=OuterRef("pk")))
    candidates = entries_for_judge(judge=judge).filter(not_mine)
    if after is not None:
        candidates = candidates.exclude(pk=after)
    assigned = candidates.filter(assignments__judge=judge).order_by("id").first()
    if assigned:
        return assigned
    return candidates.annotate(review_count=Count("reviews")).order_by("review_count", "id").first()


def judge_may_see(*, judge: Judge, entry: Entry) -> bool:
    """Whether the entry is one this judge may ever judge (see entries_for_judge)."""
    return entries_for_judge(judge=judge).filter(pk=entry.pk).exists()


def review_refusal(*, judge: Judge, entry: Entry) -> str | None:
    """Why this judge may not review this entry now, or None when they may: an entry
    assigned to them or already reviewed by them; any other they may see only once their
    assigned entries are all reviewed, and only if the jam allows reviews beyond them."""
    if not judge_may_see(judge=judge, entry=entry):
        if entry.jam_id == judge.jam_id and (refusal := track_refusal(judge=judge, entry=entry)):
            return refusal
        return "You can't review this entry: it is your team's, you recused, or it isn't in this jam."
    mine = Q(assignments__judge=judge) | Q(reviews__judge=judge)
    if Entry.objects.filter(mine, pk=entry.pk).exists():
        return None
    if not judge.jam.extra_reviews_allowed:
        return "This jam's judges review only the entries assigned to them."
    reviewed = Review.objects.filter(judge=judge, entry_id=OuterRef("pk"))
    left = entries_for_judge(judge=judge).filter(assignments__judge=judge).exclude(Exists(reviewed)).count()
    if left:
        return f"Please review the entries assigned to you first: {left} left in your queue."
    return None


def criteria_for(*, jam: Jam) -> list[Criterion]:
    return list(Criterion.objects.filter(jam=jam).order_by("order", "id"))


@dataclass
class ResultRow:
    entry: Entry
    figures: EntryResult
    reviews: list[Review]


@dataclass
class JudgeRow:
    judge: Judge
    figures: JudgeResult
    reviews_left: int  # assigned entries they have not reviewed yet


@dataclass
class JamResults:
    criteria: list[Criterion]
    rows: list[ResultRow]
    scale: tuple[float, float]  # the scale the totals are shown on
    noise: float | None  # how far one review typically strays from the fit, on that scale


def results_for_jam(*, jam: Jam) -> tuple[list[Criterion], list[ResultRow]]:
    """Every submitted entry with its figures, ranked by the jam's method, in four queries."""
    results = jam_results(jam=jam)
    return results.criteria, results.rows


def jam_results(*, jam: Jam) -> JamResults:
    """The results with the scale they are on; reviews by judges excluded from the results
    count nowhere. Four queries."""
    return _analyse(jam)[0]


def judge_diagnostics(*, jam: Jam) -> tuple[JamResults, list[JudgeRow]]:
    """The results and, for every judge of the jam (removed ones too), how harsh they are,
    how well they agree with the others, reviews done and left. Five queries."""
    results, analysis = _analyse(jam)
    reviewed = Review.objects.filter(judge_id=OuterRef("judge_id"), entry_id=OuterRef("entry_id"))
    left = (
        Assignment.objects.filter(judge_id=OuterRef("pk"))
        .exclude(Exists(reviewed))
        .values("judge_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    judges = Judge.objects.filter(jam=jam).select_related("user").annotate(left=Coalesce(Subquery(left), 0))
    rows = []
    for judge in judges:
        figures = analysis.judges.get(judge.pk) or JudgeResult(judge_id=judge.pk, excluded=judge.excluded_from_results)
        rows.append(JudgeRow(judge=judge, figures=figures, reviews_left=judge.left))
    return results, rows


def _analyse(jam: Jam) -> tuple[JamResults, Analysis]:
    if jam.pairwise:
        return _analyse_pairwise(jam)
    criteria = criteria_for(jam=jam)
    scores = Prefetch("scores", queryset=Score.objects.only("id", "review_id", "criterion_id", "value"))
    reviews = Review.objects.select_related("judge__user").prefetch_related(scores).order_by("id")
    entries = list(
        Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED)
        .select_related("team", "jam")
        .prefetch_related(Prefetch("reviews", queryset=reviews))
    )
    by_id = {entry.pk: entry for entry in entries}
    all_reviews = [review for entry in entries for review in entry.reviews.all()]
    review_data = [
        ReviewData(
            judge_id=review.judge_id,
            entry_id=review.entry_id,
            scores={s.criterion_id: float(s.value) for s in review.scores.all()},
        )
        for review in all_reviews
    ]
    analysis = analyse(
        entry_ids=list(by_id),
        reviews=review_data,
        criteria=[CriterionData(id=c.pk, weight=float(c.weight), low=c.scale_low, high=c.scale_high) for c in criteria],
        method=jam.ranking_method,
        excluded_judges={review.judge_id for review in all_reviews if review.judge.excluded_from_results},
    )
    rows = [
        ResultRow(entry=by_id[f.entry_id], figures=f, reviews=list(by_id[f.entry_id].reviews.all()))
        for f in analysis.entries
    ]
    return JamResults(criteria=criteria, rows=rows, scale=analysis.scale, noise=analysis.noise), analysis


def _analyse_pairwise(jam: Jam) -> tuple[JamResults, Analysis]:
    """Pairwise judging's results on the same terms as the rubric's: every submitted entry
    ranked by its Crowd-BT mean ± standard deviation, fitted to the counted votes (a judge
    left out of the results counts nowhere). Two queries."""
    entries = list(
        Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED)
        # "pairwise": how often judges were sent to each entry (the admin's results page);
        # an entry no judge was sent to yet has none, which the join leaves empty.
        .select_related("team", "jam", "pairwise")
        .order_by("id")
    )
    counted = Comparison.objects.filter(judge__jam=jam, judge__excluded_from_results=False).order_by("id")
    votes = list(counted.values_list("judge_id", "winner_id", "loser_id"))
    comparisons: dict[int, int] = defaultdict(int)
    for _judge_id, winner_id, loser_id in votes:
        comparisons[winner_id] += 1
        comparisons[loser_id] += 1
    # The ranking is Crowd-BT fitted to all the votes at once (crowd_bt.refit), not the
    # figures kept one vote at a time that choose the judges' next pairs: those read early
    # votes at a judge's prior reliability, so a careless judge's first votes would count in
    # full. `python -m judging.simulate --mode pairwise` compares the two.
    fitted, _judges = crowd_bt.refit(votes, prior=crowd_bt.JUDGES_PRIOR)
    estimates = {}
    for entry in entries:
        item = fitted.get(entry.pk)
        estimates[entry.pk] = (item.mu, item.sigma_sq, comparisons[entry.pk]) if item else (0.0, 0.0, 0)
    ranked = rank_pairwise(estimates)
    mus = [r.mu for r in ranked if r.mu is not None]
    scale = (min(mus), max(mus)) if mus else (0.0, 0.0)
    by_id = {entry.pk: entry for entry in entries}
    rows = [ResultRow(entry=by_id[f.entry_id], figures=f, reviews=[]) for f in ranked]
    results = JamResults(criteria=[], rows=rows, scale=scale, noise=None)
    return results, Analysis(entries=ranked, judges={}, scale=scale, noise=None)


def published_results(*, jam: Jam) -> JamResults:
    """The results as published (ResultsSnapshot): the figures frozen then, with the
    entries as they are now. Three queries. Without a snapshot (results published before
    snapshots were kept), the live results."""
    snapshot = ResultsSnapshot.objects.filter(jam=jam).first()
    if snapshot is None:
        return jam_results(jam=jam)
    figures = [_entry_result(data) for data in snapshot.figures]
    entries = Entry.objects.select_related("team", "jam").in_bulk([f.entry_id for f in figures])
    rows = [ResultRow(entry=entries[f.entry_id], figures=f, reviews=[]) for f in figures if f.entry_id in entries]
    return JamResults(
        criteria=criteria_for(jam=jam),
        rows=rows,
        scale=(snapshot.scale_low, snapshot.scale_high),
        noise=snapshot.noise,
    )


def _entry_result(data: dict) -> EntryResult:
    means = {int(criterion_id): mean for criterion_id, mean in data.get("criterion_means", {}).items()}
    return EntryResult(**{**data, "criterion_means": means})


def public_results(*, jam: Jam) -> JamResults:
    """The results as anyone outside the organizers sees them: frozen once published."""
    return published_results(jam=jam) if jam.results_published else jam_results(jam=jam)


@dataclass
class TrackRanking:
    track: Track
    rows: list[ResultRow]


def track_rankings(*, jam: Jam, results: JamResults) -> list[TrackRanking]:
    """One ranking per track of the jam, from the overall results given (live or as
    published): the same figures, kept to the track's entries and ranked among them, so
    there is one scoring path. An entry in two tracks is in both. Two queries; none more
    for more tracks or entries; none at all past the first when the jam has no tracks."""
    tracks = list(jam.tracks.all())
    if not tracks:
        return []
    in_tracks: dict[int, set[int]] = defaultdict(set)
    for entry_id, track_id in Entry.tracks.through.objects.filter(track__jam=jam).values_list("entry_id", "track_id"):
        in_tracks[track_id].add(entry_id)
    rankings = []
    for track in tracks:
        rows = {row.figures.entry_id: row for row in results.rows if row.entry.pk in in_tracks[track.pk]}
        ranked = rerank([row.figures for row in rows.values()], jam.results_method)
        rankings.append(TrackRanking(track=track, rows=[replace(rows[f.entry_id], figures=f) for f in ranked]))
    return rankings


def prizes_with_winners(*, jam: Jam) -> list[Prize]:
    awards = Award.objects.select_related("entry", "entry__team", "entry__jam").order_by("id")
    return list(
        Prize.objects.filter(jam=jam).select_related("track").prefetch_related(Prefetch("awards", queryset=awards))
    )


@dataclass
class PrizeGroup:
    track: Track | None  # None: the prizes of the whole jam
    prizes: list[Prize]

    @property
    def awarded(self) -> bool:
        return any(prize.awards.all() for prize in self.prizes)


def prizes_by_track(*, prizes: list[Prize]) -> list[PrizeGroup]:
    """The prizes of the whole jam first, then each track's, the tracks in their order
    (prizes_with_winners reads their tracks with them). No query."""
    groups: dict[int | None, PrizeGroup] = {None: PrizeGroup(track=None, prizes=[])}
    for prize in sorted(prizes, key=lambda p: (p.track is not None, p.track and (p.track.order, p.track.pk))):
        groups.setdefault(prize.track_id, PrizeGroup(track=prize.track, prizes=[])).prizes.append(prize)
    return [group for group in groups.values() if group.prizes]


def awarded_entry_ids(*, jam: Jam) -> QuerySet:
    """The ids of the jam's entries that won a prize, as a subquery."""
    return Award.objects.filter(prize__jam=jam).values("entry_id")


def awards_attach(*, entries: list[Entry]) -> None:
    """Give each entry `awards_won`: its awards with their prizes, in the prizes' order.
    One query for all of them."""
    awards = Award.objects.select_related("prize").order_by("prize__order", "prize_id", "id")
    prefetch_related_objects(entries, Prefetch("awards", queryset=awards, to_attr="awards_won"))


def prizes_won(*, entry: Entry) -> list[Prize]:
    """The prizes an entry won, once the results are out (nothing before)."""
    if not entry.jam.results_published:
        return []
    return list(Prize.objects.filter(awards__entry=entry).order_by("order", "id"))


def ranking_is_public(*, jam: Jam) -> bool:
    """Whether anyone may see the full ranking: the results are out and the jam shows it."""
    return jam.results_published and jam.show_ranking


def entry_ids_by_rank(*, jam: Jam) -> list[int]:
    """Every submitted entry's id in the order of the results: best first, equal places
    and unreviewed entries (last) by id. Four queries."""
    return [row.entry.pk for row in public_results(jam=jam).rows]


@dataclass
class TeamFeedback:
    criteria: list[tuple[Criterion, float | None]]
    total: float | None
    rank: int | None
    ranked: int
    prizes: list[Prize]
    feedback: list[str]


def team_feedback(*, entry: Entry) -> TeamFeedback:
    """What a team sees once results are out: its scores on the figure the jam ranks by,
    its rank and prizes, and the judges' feedback, with no judge's name and no private
    note. The same computation as the public ranking, so the numbers agree."""
    results = public_results(jam=entry.jam)
    rows = results.rows
    row = next((r for r in rows if r.entry.pk == entry.pk), None)
    figures = row.figures if row else EntryResult(entry_id=entry.pk)  # a draft was never ranked
    feedback = Review.objects.filter(entry=entry).exclude(feedback="").order_by("id").values_list("feedback", flat=True)
    return TeamFeedback(
        criteria=[(c, figures.criterion_means.get(c.pk)) for c in results.criteria],
        total=figures.total(entry.jam.results_method),
        rank=figures.rank,
        ranked=sum(1 for r in rows if r.figures.rank is not None),
        prizes=[award.prize for award in Award.objects.filter(entry=entry).select_related("prize")],
        feedback=list(feedback) if row else [],
    )


@dataclass
class ResultsAudience:
    jam: Jam
    count: int  # people the announcement will email
    sample: list[User]  # the first of them, by name


def results_audience(*, jam: Jam, sample: int = 50) -> ResultsAudience:
    """Who publishing the results will email: everyone signed up to the jam who hasn't
    been told yet (results_announce sends to the same people). Two queries."""
    told = ResultsNotice.objects.filter(jam=jam).values("user_id")
    users = User.objects.filter(
        pk__in=SignUp.objects.filter(jam=jam).exclude(user_id__in=told).values("user_id")
    ).order_by("display_name", "email")
    return ResultsAudience(jam=jam, count=users.count(), sample=list(users[:sample]))


def track_delete_refusal(tracks: list[Track]) -> str | None:
    """Why these tracks may not be deleted together, or None: a judge limited to tracks
    judges every track when limited to none, so a judge limited to some of these tracks
    and no other would judge every track once they are gone. (Registered with jams'
    track_delete_refusals by judging/apps.py.) Two queries."""
    ids = [track.pk for track in tracks]
    others = Track.objects.filter(jam_id__in={track.jam_id for track in tracks}).exclude(pk__in=ids)
    judges = list(
        Judge.objects.filter(tracks__in=ids)
        .exclude(tracks__in=others)
        .select_related("user")
        .distinct()
        .order_by("user__display_name", "id")
    )
    if not judges:
        return None
    limits = Judge.tracks.through.objects.filter(judge__in=judges, track_id__in=ids)
    limited = set(limits.values_list("track_id", flat=True))
    names = [f"“{track.name}”" for track in tracks if track.pk in limited]
    people = [judge.user.display_name or judge.user.email for judge in judges]
    one = len(names) == 1
    return (
        f"{join_words(names)} can't be deleted{'' if one else ' together'}: {join_words(people)} "
        f"{'judges' if len(people) == 1 else 'judge'} only {'this track' if one else 'these tracks'}. "
        "Limit them to other tracks first, or to none."
    )
