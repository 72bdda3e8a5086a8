from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from jams.models import Jam, Track
from submissions.models import Entry


class Criterion(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="What judges should look for.")
    weight = models.DecimalField(max_digits=5, decimal_places=2, default=1, validators=[MinValueValidator(0.01)])
    scale_low = models.SmallIntegerField("lowest score", default=1)
    scale_high = models.SmallIntegerField("highest score", default=5)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.CheckConstraint(condition=models.Q(scale_low__lt=models.F("scale_high")), name="criterion_scale"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="criterion_weight_positive"),
            models.UniqueConstraint(fields=["jam", "name"], name="criterion_name_unique_per_jam"),
        ]

    def __str__(self) -> str:
        return self.name


class Prize(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="prizes")
    name = models.CharField(max_length=100, help_text="“First place”, “Honourable mention”.")
    description = models.TextField(blank=True)
    # Protected: removing a track must not silently remove its prizes and their winners.
    track = models.ForeignKey(
        Track,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prizes",
        help_text="Leave empty for a prize of the whole jam.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.track_id and self.jam_id and self.track.jam_id != self.jam_id:
            raise ValidationError({"track": f"“{self.track.name}” is not a track of this prize's jam."})


class Award(models.Model):
    prize = models.ForeignKey(Prize, on_delete=models.CASCADE, related_name="awards")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="awards")

    class Meta:
        ordering = ["prize__order", "prize_id", "id"]
        constraints = [models.UniqueConstraint(fields=["prize", "entry"], name="award_once_per_prize_and_entry")]

    def __str__(self) -> str:
        return f"{self.prize} → {self.entry}"


class Judge(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judge_roles")
    max_entries = models.PositiveIntegerField(
        "most entries to review", null=True, blank=True, help_text="Leave empty for no cap."
    )
    tracks = models.ManyToManyField(
        Track,
        verbose_name="limit to tracks",
        blank=True,
        related_name="judges",
        help_text="Leave empty to judge entries of every track.",
    )
    invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    # An existing account added as a judge gets an invitation it must accept (by the
    # emailed link, or a button once signed in with a verified address); an account made
    # by the invitation accepts by setting its password through the emailed link.
    accepted_at = models.DateTimeField("accepted", null=True, blank=True, editable=False)
    # Removed judges get no more entries and lose their workspace; their reviews stay.
    removed_at = models.DateTimeField("removed from judging", null=True, blank=True, editable=False)
    excluded_from_results = models.BooleanField(
        "reviews or votes left out of the results",
        default=False,
        help_text="Their reviews (or, in a pairwise jam, votes) are kept but not counted, e.g. for a "
        "judge who judged carelessly.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__display_name", "id"]
        constraints = [models.UniqueConstraint(fields=["jam", "user"], name="judge_once_per_jam")]

    def __str__(self) -> str:
        return f"{self.user} (judge of {self.jam})"


class Conflict(models.Model):
    """A judge who must not review an entry (besides the entries of their own teams)."""

    class Source(models.TextChoices):
        RECUSED = "recused", "The judge recused"
        ORGANIZER = "organizer", "Marked by an organizer"

    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="conflicts")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="conflicts")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ORGANIZER)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["judge", "entry"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.judge.user} ✕ {self.entry}"


class Assignment(models.Model):
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="assignments")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["judge", "entry"], name="assignment_once")]

    def __str__(self) -> str:
        return f"{self.judge.user} → {self.entry}"


class Review(models.Model):
    # RESTRICT: deleting a judge must not silently delete their reviews and move the
    # ranking (remove them from judging instead); deleting the whole jam still may.
    judge = models.ForeignKey(Judge, on_delete=models.RESTRICT, related_name="reviews")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="reviews")
    feedback = models.TextField("feedback for the team", blank=True)
    private_note = models.TextField("private note for the organizers", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["judge", "entry"], name="review_once_per_judge_and_entry")]

    def __str__(self) -> str:
        return f"Review of {self.entry} by {self.judge.user}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.SmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class ResultsNotice(models.Model):
    """One row per person told that a jam's results are out: the announcement goes once."""

    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jam", "user"], name="results_notice_once")]

    def __str__(self) -> str:
        return f"{self.user} told of {self.jam} results"


class ResultsSnapshot(models.Model):
    """The ranking as it was published. The public results, the gallery's rank order and
    each team's scores read this, never the live reviews, so published figures never
    move. Re-opening judging (an admin action) deletes it; publishing again takes a new one."""

    jam = models.OneToOneField(Jam, on_delete=models.CASCADE, related_name="results_snapshot")
    taken_at = models.DateTimeField()
    method = models.CharField(max_length=12)
    scale_low = models.FloatField()
    scale_high = models.FloatField()
    noise = models.FloatField(null=True)
    # Each entry's figures (scoring.EntryResult as a dict), best first.
    figures = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"Results of {self.jam} as published"


# Pairwise judging (Crowd-BT, judging/crowd_bt.py) --------------------------------------
#
# The votes (Comparison) are the record; the figures on PairwiseJudge and PairwiseEntry
# are what replaying them gives, kept up to date one vote at a time. Every pairwise write
# holds the jam's row lock (judging/pairwise_services.py), so two votes never interleave.


class PairwiseJudge(models.Model):
    """Where a judge is on the expo floor: the entry they saw before (`previous`) and the
    one they are sent to now (`current`), and Crowd-BT's estimate of their reliability."""

    judge = models.OneToOneField(Judge, on_delete=models.CASCADE, primary_key=True, related_name="pairwise")
    previous = models.ForeignKey(Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    current = models.ForeignKey(Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    alpha = models.FloatField()
    beta = models.FloatField()
    comparisons_made = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "pairwise judge"

    def __str__(self) -> str:
        return f"{self.judge.user} in pairwise judging"


class PairwiseEntry(models.Model):
    """An entry's estimated quality (mean and variance) from the judges' comparisons."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, primary_key=True, related_name="pairwise")
    mu = models.FloatField()
    sigma_sq = models.FloatField()
    times_seen = models.PositiveIntegerField(default=0, help_text="How many times judges were sent to it.")

    class Meta:
        verbose_name = "pairwise entry"
        verbose_name_plural = "pairwise entries"

    def __str__(self) -> str:
        return f"{self.entry} (pairwise)"


class Comparison(models.Model):
    """One vote: the judge found `winner` better than `loser`."""

    # RESTRICT, as for reviews: deleting a judge must not silently move the ranking.
    judge = models.ForeignKey(Judge, on_delete=models.RESTRICT, related_name="comparisons")
    winner = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comparisons_won")
    loser = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comparisons_lost")
    # Whether the winner was the entry the judge saw first (their `previous`): an undo
    # puts the pair back the way it was shown.
    winner_first = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(winner=models.F("loser")), name="comparison_two_entries")
        ]

    def __str__(self) -> str:
        return f"{self.winner} over {self.loser} ({self.judge.user})"


class Skip(models.Model):
    """An entry a judge was sent to and did not compare: the team wasn't there, or the
    judge has a conflict. The judge is not sent to it again."""

    class Reason(models.TextChoices):
        ABSENT = "absent", "The team wasn't there"
        CONFLICT = "conflict", "The judge has a conflict"

    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="skips")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="skips")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    # What an undo puts back: the entry the judge had seen before (their `previous`, which
    # sending them on may clear), and whether this skip recorded their conflict (none was
    # recorded before it), which the undo then takes back too.
    previous = models.ForeignKey(Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recused = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.judge.user} skipped {self.entry} ({self.get_reason_display()})"
