from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from jams.models import Jam, Track, public_storage

from .uploads import entry_upload_to

# An abstract is a paragraph or a few: 5,000 characters is about 800 words. Cards show its
# start (templates/submissions/_entry_card.html); the entry's own page shows it whole.
# Checked by the entry form and by entry_save, every way an abstract is written from the
# site (a validator on the field would need a migration for no change to the table).
ABSTRACT_MAX_CHARS = 5000


def validate_abstract(value: str) -> None:
    if len(value) > ABSTRACT_MAX_CHARS:
        raise ValidationError(
            f"Please keep the abstract to {ABSTRACT_MAX_CHARS:,} characters (yours has {len(value):,}).",
            code="abstract_too_long",
        )


def new_invite_token() -> str:
    return secrets.token_urlsafe(18)


class Team(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="teams_created"
    )
    invite_token = models.CharField(max_length=64, unique=True, default=new_invite_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "jam", name="team_name_unique_per_jam"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("submissions:team", kwargs={"slug": self.jam.slug})

    def get_invite_url(self) -> str:
        return reverse("submissions:team_join", kwargs={"slug": self.jam.slug, "token": self.invite_token})


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    # The team's jam, repeated so the database itself holds "one team per person per jam".
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jam", "user"], name="one_team_per_person_per_jam"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


# The weighted document the gallery searches on PostgreSQL. The GIN index below is built
# on this very expression, which is what lets the planner use it for the search.
SEARCH_CONFIG = "english"


def entry_search_vector() -> SearchVector:
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("authors", weight="B", config=SEARCH_CONFIG)
        + SearchVector("abstract", weight="C", config=SEARCH_CONFIG)
    )


class Entry(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="entries")
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="entry")
    title = models.CharField(max_length=200, blank=True)
    abstract = models.TextField(blank=True)  # at most ABSTRACT_MAX_CHARS: the form and entry_save check
    authors = models.CharField(max_length=500, blank=True, help_text="As shown publicly.")
    slides = models.FileField(upload_to=entry_upload_to, blank=True, max_length=500)
    image = models.FileField("project image", upload_to=entry_upload_to, blank=True, max_length=500)
    video_url = models.URLField("video link", max_length=500, blank=True)
    repository_url = models.URLField("repository link", max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # Where judges find the team on an expo floor, given by the organizers (pairwise
    # judging shows it). Nullable without a default, for SQLite (see change_noted_version).
    table = models.CharField(
        "table or place", max_length=40, null=True, blank=True, help_text="Shown to judges, e.g. “Table 12”."
    )
    # The jam's tracks it entered: one, or several where the jam allows; none when the jam has none.
    tracks = models.ManyToManyField(Track, blank=True, related_name="entries")
    is_late = models.BooleanField(default=False, help_text="Submitted in the grace period after the deadline.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # Bumped by every save; a save that started from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    # Thumbnails, made by a Celery task from `image`; `thumbnails_of` names the image they
    # were made from, so a task that finds it equal to `image` has nothing to do.
    thumbnail_card = models.FileField(upload_to=entry_upload_to, blank=True, max_length=500, editable=False)
    thumbnail_small = models.FileField(upload_to=entry_upload_to, blank=True, max_length=500, editable=False)
    thumbnails_of = models.CharField(max_length=500, blank=True, editable=False)
    # Page images of PDF slides, made by a Celery task (submissions/slides.py): their names,
    # in page order, and the slides they were made from (set with no pages when the PDF
    # could not be read, so the task does not try again). Nullable without defaults, for
    # SQLite's in-place ADD COLUMN (see change_noted_version).
    slide_pages = models.JSONField(null=True, blank=True, editable=False)
    slide_pages_of = models.CharField(max_length=500, null=True, blank=True, editable=False)
    # The picture links to a submitted entry show (submissions/share_cards.py), always in the
    # public storage, and the fingerprint of what it shows (see change_noted_version on
    # nullable fields). A draft has none.
    share_card = models.FileField(
        upload_to=entry_upload_to, storage=public_storage, null=True, blank=True, editable=False, max_length=500
    )
    share_card_of = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # The version whose confirmation email went out, so a retried task never sends twice.
    notified_version = models.PositiveIntegerField(default=0, editable=False)
    # The last "changed by" note to the team, and the version it was for: at most one an hour.
    change_noted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Nullable without a default: SQLite then adds the column in place instead of
    # remaking the table, which would try to build the PostgreSQL-only GIN index.
    change_noted_version = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name_plural = "entries"
        # Created on PostgreSQL only (migration 0002); SQLite searches by substring.
        indexes = [GinIndex(entry_search_vector(), name="entry_search_gin")]
        constraints = [
            models.UniqueConstraint(fields=["jam", "team"], name="one_entry_per_team_per_jam"),
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(submitted_at__isnull=False),
                name="submitted_entry_has_submitted_at",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Untitled entry of {self.team}"

    def get_absolute_url(self) -> str:
        return reverse("submissions:entry_detail", kwargs={"slug": self.jam.slug, "pk": self.pk})

    @property
    def is_submitted(self) -> bool:
        return self.state == self.State.SUBMITTED

    @property
    def slide_pages_ready(self) -> bool:
        return bool(self.slides and self.slide_pages and self.slide_pages_of == self.slides.name)

    @property
    def thumbnails_ready(self) -> bool:
        return bool(self.image and self.thumbnail_card and self.thumbnails_of == self.image.name)
