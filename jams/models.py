from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.core.validators import MinValueValidator
from django.db import models
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.text import slugify


class _PublicStorage(LazyObject):
    """STORAGES["public"] (stable, unsigned URLs), looked up when first used and again
    after the setting changes (tests switch storages)."""

    def _setup(self):
        self._wrapped = storages["public"]


_public_storage = _PublicStorage()


@receiver(setting_changed)
def _public_storage_reset(*, setting, **kwargs) -> None:
    if setting == "STORAGES":
        _public_storage._wrapped = empty


def public_storage() -> Storage:
    return _public_storage


def cover_upload_to(jam: Jam, filename: str) -> str:
    # A new name for every upload: the public storage's URLs are cached as immutable.
    return f"jams/covers/{uuid.uuid4().hex[:12]}/{filename}"


def share_card_upload_to(jam: Jam, filename: str) -> str:
    # A new name for every card, as for covers: a URL never changes meaning.
    return f"jams/cards/{uuid.uuid4().hex[:12]}/{filename}"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/London.")


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Phase(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    RUNNING = "running", "Submissions open"
    GRACE = "grace", "Late submissions"  # after the deadline, within the grace period
    JUDGING = "judging", "Judging"
    FINISHED = "finished", "Finished"


class Jam(models.Model):
    slug = models.SlugField(unique=True, max_length=80)
    title = models.CharField(max_length=200)
    tagline = models.CharField(max_length=300, blank=True)
    host = models.CharField(max_length=200, help_text="Shown as “Hosted by …”.")
    description = models.TextField(blank=True, help_text="Markdown.")
    starts_at = models.DateTimeField("start")
    submission_deadline = models.DateTimeField()
    judging_ends_at = models.DateTimeField("end of judging")
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        choices=timezone_choices,
        validators=[validate_timezone],
        help_text="The time zone the jam's times are announced in.",
    )
    # Public: the jam page, cached for days, must not carry a presigned URL that expires.
    cover_image = models.ImageField(upload_to=cover_upload_to, storage=public_storage, blank=True, max_length=200)
    # The picture links to the jam's pages show (jams/share_cards.py), drawn by the worker,
    # and the fingerprint of what it shows: the card is drawn again only when that changes.
    # Nullable without defaults, like the entry's (SQLite adds such columns in place).
    share_card = models.FileField(
        upload_to=share_card_upload_to, storage=public_storage, null=True, blank=True, editable=False, max_length=200
    )
    share_card_of = models.CharField(max_length=64, null=True, blank=True, editable=False)
    signups_open = models.BooleanField(default=True)
    max_team_size = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])
    grace_minutes = models.PositiveIntegerField(
        "grace period (minutes)",
        default=0,
        help_text="Entries may still be submitted this long after the deadline; they are marked late.",
    )

    # Judging
    class RankingMethod(models.TextChoices):
        WEIGHTED_MEAN = "weighted", "Weighted mean of the judges' scores"
        CALIBRATED = "calibrated", "Adjusted for judge harshness"

    class JudgingMode(models.TextChoices):
        RUBRIC = "rubric", "Rubric: judges score each entry on the criteria"
        PAIRWISE = "pairwise", "Pairwise: judges walk the floor and compare entries two at a time"

    judging_mode = models.CharField(
        max_length=10,
        choices=JudgingMode.choices,
        default=JudgingMode.RUBRIC,
        help_text="Chosen before judging opens (when submissions close); it can't change after.",
    )
    reviews_per_entry = models.PositiveSmallIntegerField(
        "reviews per entry wanted", default=3, validators=[MinValueValidator(1)]
    )
    ranking_method = models.CharField(max_length=12, choices=RankingMethod.choices, default=RankingMethod.CALIBRATED)
    show_ranking = models.BooleanField(
        "show the full ranking with the results", default=False, help_text="Otherwise only the prize winners."
    )
    show_uncertainty = models.BooleanField(
        "show each score's margin of error publicly",
        default=False,
        help_text="With the ranking: each score ± its margin, and which places are too close to call.",
    )
    extra_reviews_allowed = models.BooleanField(
        "judges may review entries beyond their assignments",
        default=True,
        help_text="Only once they have reviewed every entry assigned to them.",
    )
    multiple_tracks_allowed = models.BooleanField(
        "an entry may enter several tracks",
        default=False,
        help_text="Only matters when the jam has tracks; otherwise each entry picks one.",
    )
    assignments_made_at = models.DateTimeField(null=True, blank=True, editable=False)
    results_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("submission_deadline")),
                name="jam_starts_before_deadline",
            ),
            models.CheckConstraint(
                condition=models.Q(submission_deadline__lte=models.F("judging_ends_at")),
                name="jam_deadline_before_judging_ends",
            ),
            models.CheckConstraint(condition=models.Q(max_team_size__gte=1), name="jam_team_size_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("jams:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.submission_deadline and self.submission_deadline <= self.starts_at:
            errors["submission_deadline"] = "The submission deadline must be after the start."
        if self.submission_deadline and self.judging_ends_at:
            closes = self.submission_deadline + timedelta(minutes=self.grace_minutes or 0)
            if self.judging_ends_at < closes:
                errors["judging_ends_at"] = "Judging must end after submissions close (the deadline plus any grace)."
        if errors:
            raise ValidationError(errors)

    def phase_at(self, now: datetime) -> Phase:
        if now < self.starts_at:
            return Phase.UPCOMING
        if now < self.submission_deadline:
            return Phase.RUNNING
        if now < self.submissions_close_at:
            return Phase.GRACE
        if now < self.judging_ends_at:
            return Phase.JUDGING
        return Phase.FINISHED

    def changes_after(self, now: datetime) -> datetime | None:
        """The next moment this jam's pages change by the clock alone: a phase begins,
        or late submissions close. None once judging has ended."""
        moments = (self.starts_at, self.submission_deadline, self.submissions_close_at, self.judging_ends_at)
        return min((moment for moment in moments if moment > now), default=None)

    @property
    def phase(self) -> Phase:
        return self.phase_at(timezone.now())

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def submissions_close_at(self) -> datetime:
        return self.submission_deadline + timedelta(minutes=self.grace_minutes)

    def accepts_submissions_at(self, now: datetime) -> bool:
        return self.starts_at <= now <= self.submissions_close_at

    def judging_open_at(self, now: datetime) -> bool:
        return self.submissions_close_at <= now < self.judging_ends_at

    @property
    def pairwise(self) -> bool:
        return self.judging_mode == self.JudgingMode.PAIRWISE

    @property
    def results_method(self) -> str:
        """What the results rank by: the rubric's ranking method, or "pairwise"."""
        return "pairwise" if self.pairwise else self.ranking_method

    @property
    def results_method_display(self) -> str:
        if self.pairwise:
            return "Pairwise comparisons (Crowd-BT)"
        return self.get_ranking_method_display()

    @property
    def results_published(self) -> bool:
        return self.results_published_at is not None

    def accepts_signups_at(self, now: datetime) -> bool:
        return self.signups_open and now < self.submission_deadline


class Track(models.Model):
    """A part of a jam with entries, judges and prizes of its own (hardware, a sponsor's
    challenge). A jam without tracks works as one whole."""

    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="tracks")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="Markdown.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["jam", "name"], name="track_name_unique_per_jam")]

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return slugify(self.name)


class Resource(models.Model):
    class Kind(models.TextChoices):
        NOTEBOOK = "notebook", "Notebook"
        VIDEO = "video", "Video"
        PAPER = "paper", "Paper"
        TOOL = "tool", "Tool"
        GUIDE = "guide", "Guide"
        OTHER = "other", "Other"

    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    url = models.URLField("link", max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_colab(self) -> bool:
        """A notebook that opens in Google Colab: it gets an “Open in Colab” button."""
        return self.kind == self.Kind.NOTEBOOK and self.url.startswith("https://colab.research.google.com/")


class Speaker(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    url = models.URLField("link", max_length=500, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Testimonial(models.Model):
    """What a participant said about a past event. It belongs to one jam (shown on that
    jam's page), or to a host (shown on the page of every jam with that “Hosted by”), or,
    with neither, to the whole site (shown on the home page only)."""

    name = models.CharField(max_length=200)
    event = models.CharField(max_length=200, help_text="Which event, e.g. “Interpretability hackathon”.")
    quote = models.TextField()
    jam = models.ForeignKey(
        Jam,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="testimonials",
        help_text="Shown on this jam's page only.",
    )
    host = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown on the page of every jam with this host. Leave both empty to show it on the home page.",
    )
    is_published = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(jam__isnull=True) | models.Q(host=""),
                name="testimonial_jam_or_host_not_both",
                violation_error_message="Pick a jam or a host, not both: a jam's page shows its host's ones too.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.event})"


class SignUp(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signups")
    show_in_list = models.BooleanField(
        "show my name on the sign-up list",
        default=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the confirmation email went out, so a retried task never sends it twice.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jam", "user"], name="signup_one_per_person_per_jam"),
        ]
        verbose_name = "sign-up"

    def __str__(self) -> str:
        return f"{self.user} → {self.jam}"


class JamTimeChange(models.Model):
    """One of a jam's times moved after it was public, kept for the jam page's change log
    and the announcements feed. Old and new are instants: for the grace period, the
    moment late submissions closed and now close (the deadline plus the grace)."""

    class Field(models.TextChoices):
        START = "starts_at", "start"
        DEADLINE = "submission_deadline", "submission deadline"
        GRACE = "submissions_close_at", "end of late submissions"
        JUDGING_END = "judging_ends_at", "end of judging"

    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="time_changes")
    field = models.CharField(max_length=30, choices=Field.choices)
    old_value = models.DateTimeField("from")
    new_value = models.DateTimeField("to")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["jam", "-changed_at"], name="jam_time_change_latest")]

    def __str__(self) -> str:
        return f"{self.jam}: {self.get_field_display()} moved"
