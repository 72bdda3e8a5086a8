"""The bench data: a running jam at deadline scale and a finished jam with published results.

- running: 1,000 sign-ups, 30 resources, 10 speakers, 300 teams of two with submitted
  entries (slides, project image and thumbnails on the default storage), and 50 more
  one-person teams with no entry yet, for the upload surge;
- finished: 300 submitted entries, 30 judges, 3 criteria, 3 reviews per entry, prizes
  awarded to the top three, results published.

Rows go in with bulk_create (one password hash shared by every account); files go through
each field's own storage (thumbnails made by the app's own renderer), so whatever storage
the app configures is what the pages read. Runs in well under a minute on SQLite.
"""

from __future__ import annotations

import io
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from demo.management.commands.seed_demo import ARENA_DESCRIPTION, TESTIMONIALS
from jams.models import Jam, SignUp, Testimonial
from judging.models import Assignment, Award, Criterion, Judge, Prize, Review, Score
from judging.selectors import results_for_jam
from judging.services import results_publish
from submissions.models import Entry, Team, TeamMembership
from submissions.thumbnails import CARD_SIZE, SMALL_SIZE, render_thumbnail
from tests.factories import JamFactory, ResourceFactory, SpeakerFactory

PASSWORD = "bench-password-not-secret-42"
SIGNUPS = 1000
ENTRIES = 300
SURGE_TEAMS = 50
RESOURCES = 30
SPEAKERS = 10
JUDGES = 30
REVIEWS_PER_ENTRY = 3
CRITERIA = ("Impact", "Rigour", "Presentation")
FILE_THREADS = 8  # boto3 keeps 10 connections per client

ABSTRACT = (
    "We trained sparse autoencoders on the residual stream of a small transformer and traced "
    "the features that fire on deceptive completions back to two attention heads. Ablating "
    "them halves the deception rate on our benchmark while leaving accuracy unchanged."
)


@dataclass
class BenchData:
    running_slug: str
    finished_slug: str
    entry_id: int  # a submitted entry of the running jam
    participant_email: str  # signed up, in a team with a submitted entry
    surge_user_ids: list[int] = field(default_factory=list)  # one per entry-less team


def load() -> BenchData:
    """Migrate the (empty) database named by the settings, then fill it."""
    call_command("migrate", interactive=False, verbosity=0)
    random.seed(7)
    users = _users(SIGNUPS)
    running = _running_jam(users)
    finished = _finished_jam(users)
    # On the host's jams, as the demo's: the jam pages show them, as before they were tied.
    for name, event, quote in TESTIMONIALS:
        Testimonial.objects.create(name=name, event=event, quote=quote, host=running.host)
    entry = Entry.objects.filter(jam=running).order_by("pk").first()
    surge_teams = Team.objects.filter(jam=running, entry__isnull=True).order_by("pk")
    surge_users = list(TeamMembership.objects.filter(team__in=surge_teams).values_list("user_id", flat=True))
    return BenchData(
        running_slug=running.slug,
        finished_slug=finished.slug,
        entry_id=entry.pk,
        participant_email=users[0].email,
        surge_user_ids=surge_users,
    )


def _users(count: int) -> list[User]:
    password = make_password(PASSWORD)
    User.objects.bulk_create(
        User(email=f"person{n}@bench.example.com", display_name=f"Person {n}", password=password) for n in range(count)
    )
    return list(User.objects.order_by("pk"))


def _running_jam(users: list[User]) -> Jam:
    now = timezone.now()
    jam = JamFactory(
        title="Deadline Night Hackathon",
        slug="deadline-night",
        description=ARENA_DESCRIPTION,
        starts_at=now - timedelta(days=2),
        submission_deadline=now + timedelta(hours=2),
        judging_ends_at=now + timedelta(days=9),
    )
    ResourceFactory.create_batch(RESOURCES, jam=jam)
    SpeakerFactory.create_batch(SPEAKERS, jam=jam)
    SignUp.objects.bulk_create(SignUp(jam=jam, user=user) for user in users)
    # Teams of two with an entry each, then one-person teams that have not submitted yet.
    pairs = [users[2 * n : 2 * n + 2] for n in range(ENTRIES)]
    singles = [[user] for user in users[2 * ENTRIES : 2 * ENTRIES + SURGE_TEAMS]]
    teams = _teams(jam, pairs + singles)
    _entries(jam, teams[:ENTRIES], submitted_at=now - timedelta(hours=3))
    return jam


def _finished_jam(users: list[User]) -> Jam:
    jam = JamFactory.finished(
        title="Interpretability Hackathon",
        slug="interpretability-finished",
        description=ARENA_DESCRIPTION,
        show_ranking=True,
    )
    ResourceFactory.create_batch(RESOURCES, jam=jam)
    SpeakerFactory.create_batch(SPEAKERS, jam=jam)
    members = users[:ENTRIES]
    SignUp.objects.bulk_create(SignUp(jam=jam, user=user) for user in members)
    teams = _teams(jam, [[user] for user in members])
    entries = _entries(jam, teams, submitted_at=jam.submission_deadline - timedelta(hours=1))
    _reviews(jam, entries, judges=users[-JUDGES:])
    results_publish(jam=jam, now=jam.judging_ends_at)
    return jam


def _teams(jam: Jam, groups: list[list[User]]) -> list[Team]:
    Team.objects.bulk_create(
        Team(jam=jam, name=f"Team {n} of {jam.slug}", created_by=group[0]) for n, group in enumerate(groups)
    )
    teams = list(Team.objects.filter(jam=jam).order_by("pk"))
    TeamMembership.objects.bulk_create(
        TeamMembership(team=team, user=user, jam=jam)
        for team, group in zip(teams, groups, strict=True)
        for user in group
    )
    return teams


def _entries(jam: Jam, teams: list[Team], *, submitted_at) -> list[Entry]:
    Entry.objects.bulk_create(
        Entry(
            jam=jam,
            team=team,
            title=f"Finding circuit number {n}",
            abstract=ABSTRACT,
            authors=f"Person {2 * n} and Person {2 * n + 1}",
            repository_url=f"https://github.com/example/circuit-{n}",
            state=Entry.State.SUBMITTED,
            submitted_at=submitted_at - timedelta(minutes=n),
        )
        for n, team in enumerate(teams)
    )
    entries = list(Entry.objects.filter(jam=jam).select_related("jam").order_by("pk"))
    _entry_files(entries)
    return entries


def _entry_files(entries: list[Entry]) -> None:
    """Slides, a project image and its two thumbnails for each entry, written through each
    field's own storage under the names its upload_to gives, as uploads and the thumbnail
    task would. Straight to `_save`: upload_to's names are random, so the existence check
    `save()` adds (a HEAD per file) would only halve the loader's speed on moto."""
    slides = _slides_pdf()

    def store(entry: Entry) -> None:
        image = _image_jpeg(entry.pk)
        upright = Image.open(io.BytesIO(image))
        _store(entry, "slides", "slides.pdf", slides)
        _store(entry, "image", "project.jpg", image)
        _store(entry, "thumbnail_card", "thumb-card.jpg", render_thumbnail(upright, CARD_SIZE))
        _store(entry, "thumbnail_small", "thumb-small.jpg", render_thumbnail(upright, SMALL_SIZE))
        entry.thumbnails_of = entry.image.name

    pool = ThreadPoolExecutor(FILE_THREADS)
    try:
        list(pool.map(store, entries))
    finally:
        # On Ctrl-C, drop the queued files rather than wait for them.
        pool.shutdown(cancel_futures=True)
    Entry.objects.bulk_update(entries, ["slides", "image", "thumbnail_card", "thumbnail_small", "thumbnails_of"])


def _store(entry: Entry, field: str, filename: str, content: bytes) -> None:
    file = getattr(entry, field)
    name = file.field.generate_filename(entry, filename)
    file.name = file.storage._save(name, ContentFile(content))


def _image_jpeg(seed: int) -> bytes:
    rng = random.Random(seed)
    # The card's own size, so making the thumbnails costs the loader little.
    image = Image.new("RGB", (640, 360), tuple(rng.randrange(40, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 560), rng.randrange(0, 280)
        draw.ellipse((x, y, x + 80, y + 80), fill=tuple(rng.randrange(0, 256) for _ in range(3)))
    draw.text((40, 40), f"Entry {seed}", fill="white")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _slides_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (960, 540), "white").save(out, format="PDF", resolution=72)
    return out.getvalue()


@transaction.atomic
def _reviews(jam: Jam, entries: list[Entry], *, judges: list[User]) -> None:
    """3 reviews per entry by 30 judges (each reviews 30), scored 1-5 on every criterion;
    the top three of the jam's own ranking get the prizes."""
    Criterion.objects.bulk_create(
        Criterion(jam=jam, name=name, description=f"How strong is the {name.lower()}?", order=n)
        for n, name in enumerate(CRITERIA)
    )
    criteria = list(Criterion.objects.filter(jam=jam).order_by("order"))
    Judge.objects.bulk_create(Judge(jam=jam, user=user) for user in judges)
    judges_ = list(Judge.objects.filter(jam=jam).order_by("pk"))
    pairs = [
        (judges_[(n + k) % len(judges_)], entry) for n, entry in enumerate(entries) for k in range(REVIEWS_PER_ENTRY)
    ]
    Assignment.objects.bulk_create(Assignment(judge=judge, entry=entry) for judge, entry in pairs)
    Review.objects.bulk_create(
        Review(judge=judge, entry=entry, feedback="Clear write-up; the ablation is convincing.")
        for judge, entry in pairs
    )
    reviews = Review.objects.filter(entry__jam=jam)
    Score.objects.bulk_create(
        Score(review=review, criterion=criterion, value=random.randint(1, 5))
        for review in reviews
        for criterion in criteria
    )
    Jam.objects.filter(pk=jam.pk).update(assignments_made_at=jam.submission_deadline)
    Prize.objects.bulk_create(
        Prize(jam=jam, name=name, order=n) for n, name in enumerate(("First place", "Second place", "Third place"))
    )
    prizes = list(Prize.objects.filter(jam=jam).order_by("order"))
    _criteria, rows = results_for_jam(jam=jam)
    Award.objects.bulk_create(Award(prize=prize, entry=row.entry) for prize, row in zip(prizes, rows, strict=False))
