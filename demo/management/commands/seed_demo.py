"""Demo data for `make run`: the ARENA jam from the seed page with its published results, a
jam in its judging phase, a running and an upcoming jam.

Idempotent: running it again updates the same rows (and moves the judging, running and
upcoming jams' dates so they stay in their phases); the entries' files are drawn and stored
once. It sends no email and refuses to run with DEBUG off, so it can never put demo
logins on a production site.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from jams.models import Jam, Resource, SignUp, Speaker, Testimonial, Track
from judging.services import assignments_make
from submissions.models import Entry, Team, TeamMembership
from submissions.thumbnails import entry_thumbnails_make

from ._demo_entries import ARENA_ENTRIES, DemoEntry, entry_image_png, entry_slides_pdf
from ._demo_judging import (
    ARENA_DOMAIN,
    ARENA_JUDGES,
    IDEATHON_DESCRIPTION,
    IDEATHON_DOMAIN,
    IDEATHON_ENTRIES,
    IDEATHON_JUDGES,
    IDEATHON_SLUG,
    arena_results_make,
    criteria_and_prizes_set,
    ideathon_reviews_make,
    judge_make,
)

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - public by design, DEBUG only
DEMO_LOGINS = [
    ("organizer@example.com", "Olivia Organizer", True),
    ("judge@example.com", "Jules Judge", False),
    ("participant@example.com", "Pat Participant", False),
]
PARTICIPANT_TEAM = "Pat's Evals"

ARENA_DESCRIPTION = """\
Interpretability research is an exciting and growing field of machine learning. If we are \
able to understand what happens within neural networks in diverse domains, we can see why \
the network gives us specific outputs and detect deception, understand choices, and change \
how they work.

Mechanistic interpretability is a field focused on reverse-engineering neural networks. \
This can both be how Transformers do a very specific task and how models suddenly improve. \
Check out our speaker Neel Nanda's \
[200+ research ideas in mechanistic interpretability](https://www.alignmentforum.org/s/yivyHaCAmMJ3CqSyj).

### Quickstart to Mechanistic Interpretability

Neel Nanda's [quickstart guide](https://www.neelnanda.io/mechanistic-interpretability/quickstart) \
to creating research within the Jam's topic, mechanistic interpretability. Get an intro to \
the mech-int mindset, what a Transformer is, and which problems to work on.

### Submit your project

As you create your project presentations, upload your slides here, too. We recommend you \
also make a recording of your slideshow with the recording capability of e.g. Keynote, \
Powerpoint, and Slides (using Vimeo).
"""

ARENA_RESOURCES = [
    (
        "Coding GPT-2 from scratch",
        "notebook",
        "https://colab.research.google.com/github/neelnanda-io/Easy-Transformer/blob/clean-transformer-demo/"
        "Clean_Transformer_Demo_Template.ipynb",
        "This notebook enables you to write GPT-2 from scratch with the help of the in-depth tutorial by Neel Nanda.",
    ),
    (
        "Andrej Karpathy: Neural Networks, Zero to Hero",
        "video",
        "https://www.youtube.com/playlist?list=PLAqhIrjkxbuWI23v9cThsA9GvCAUhRvKZ",
        "A longer series of tutorials that takes Transformers and language modeling from the basics.",
    ),
    (
        "See an example of a research process using TransformerLens",
        "notebook",
        "https://colab.research.google.com/github/neelnanda-io/TransformerLens/blob/main/demos/"
        "Exploratory_Analysis_Demo.ipynb",
        "Neel shows a live research process: experiment design, model training, surface level "
        "interpretability and reverse engineering.",
    ),
    (
        "Replicate the “Interpretability in the Wild” paper",
        "paper",
        "https://arxiv.org/abs/2211.00593",
        "Reverse engineer a very specific task: direct logit attribution, attention patterns and activation patching.",
    ),
    (
        "Running TransformerLens to easily analyze activations in language models",
        "notebook",
        "https://colab.research.google.com/github/neelnanda-io/TransformerLens/blob/main/demos/Main_Demo.ipynb",
        "Loading and running models, saving activations from a run, and hooks to intervene on activations.",
    ),
    (
        "Transformer Visualizer: a Redwood Research tool for Transformer interaction",
        "tool",
        "https://github.com/redwoodresearch/Easy-Transformer",
        "Open the visualizer and read the documentation to work with the Transformer Visualizer tool.",
    ),
    (
        "Rank-One Model Editing (ROME): editing Transformers' token associations",
        "paper",
        "https://rome.baulab.info/",
        "The causal tracing method to edit a model's association between tokens.",
    ),
    (
        "Analyses into grokking",
        "paper",
        "https://arxiv.org/abs/2301.05217",
        "Progress measures for grokking via mechanistic interpretability, with the notebook and Twitter thread.",
    ),
]

ARENA_SIGNUPS = [
    "Can Rager", "Arthur Conmy", "Alejandro Acelas", "Rusheb", "James Campbell", "Robert Cooper",
    "Lucy Farnik", "Alexandre Variengien", "Felix Hofstätter", "Jan Betley", "Phillip Guo",
    "Jonas Kgomo", "Callum", "Samuel Selleck", "Diego",
]  # fmt: skip

TESTIMONIALS = [
    (
        "Jason Hoelscher-Obermaier",
        "Interpretability hackathon",
        "The hackathon was a really great way to try out research on AI interpretability and getting in touch "
        "with other people working on this. The input, resources and feedback provided by the team organizers "
        "and in particular by Neel Nanda were super helpful and very motivating!",
    ),
    (
        "Luca De Leo",
        "AI Trends hackathon",
        "I found the hackaton very cool, I think it lowered my hesitance in participating in stuff like this in "
        "the future significantly. A whole bunch of lessons learned and Jaime and Pablo were very kind and "
        "helpful through the whole process.",
    ),
    (
        "Alejandro González",
        "Interpretabiity hackathon",
        "I was not that interested in AI safety and didn't know that much about machine learning before, but I "
        "heard from this hackathon thanks to a friend, and I don't regret participating! I've learned a ton, "
        "and it was a refreshing weekend for me.",
    ),
    (
        "Alex Foote",
        "Interpretability hackathon",
        "A great experience! A fun and welcoming event with some really useful resources for starting to do "
        "interpretability research. And a lot of interesting projects to explore at the end!",
    ),
    (
        "Sam Glendenning",
        "Interpretability hackathon",
        "Was great to hear directly from accomplished AI safety researchers and try investigating some of the "
        "questions they thought were high impact.",
    ),
]

# Where each shows: by default on the ARENA jam's page; these on every Apart Research
# jam's page, or (no jam, no host) on the home page.
TESTIMONIAL_PLACES = {
    "Luca De Leo": {"host": "Apart Research"},
    "Sam Glendenning": {},
}


RUNNING_TRACKS = [
    (
        "Dangerous capabilities",
        "Evaluations of what models **can** do that would matter for safety: cyber-offence, "
        "persuasion, autonomous replication.",
    ),
    (
        "Propensities",
        "Evaluations of what models **tend** to do when nobody asks: sycophancy, deception, power-seeking.",
    ),
]


class Command(BaseCommand):
    help = "Create or refresh the demo jams and the demo logins (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates logins with a public password.")
        with transaction.atomic():
            self._logins()
            arena = self._arena()
            self._testimonials(arena)
            self._entries(arena, ARENA_ENTRIES, domain=ARENA_DOMAIN)
            self._arena_results(arena)
            ideathon = self._ideathon()
            self._entries(ideathon, [demo for demo, _verdict in IDEATHON_ENTRIES], domain=IDEATHON_DOMAIN)
            self._ideathon_judging(ideathon)
            running = self._running()
            self._participant_team(running)
            self._upcoming()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in with:"))
        for email, _name, _staff in DEMO_LOGINS:
            self.stdout.write(f"  {email:<26} password: {DEMO_PASSWORD}")
        self.stdout.write(f"The site: {settings.SITE_URL}/ (the admin: {settings.SITE_URL}/admin/)")

    def _user(self, email: str, name: str, *, password: str | None = None, superuser: bool = False) -> User:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={"display_name": name, "is_staff": superuser, "is_superuser": superuser, "is_active": True},
        )
        if password:
            user.set_password(password)
        elif user.has_usable_password():
            user.set_unusable_password()
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()  # the demo's people judge and join teams at once
        user.save()
        return user

    def _logins(self) -> None:
        for email, name, superuser in DEMO_LOGINS:
            self._user(email, name, password=DEMO_PASSWORD, superuser=superuser)

    def _testimonials(self, arena: Jam) -> None:
        for order, (name, event, quote) in enumerate(TESTIMONIALS):
            place = TESTIMONIAL_PLACES.get(name, {"jam": arena})
            defaults = {"quote": quote, "order": order, "jam": None, "host": "", **place}
            Testimonial.objects.update_or_create(name=name, event=event, defaults=defaults)

    def _jam(self, slug: str, **fields) -> Jam:
        jam, _ = Jam.objects.update_or_create(slug=slug, defaults=fields)
        return jam

    def _arena(self) -> Jam:
        london = ZoneInfo("Europe/London")
        jam = self._jam(
            "arena-interpretability-hackathon",
            title="ARENA Interpretability Hackathon",
            tagline="Reverse-engineer neural networks in a weekend with mechanistic interpretability.",
            host="ARENA",
            description=ARENA_DESCRIPTION,
            timezone="Europe/London",
            starts_at=datetime(2023, 6, 10, 10, 0, tzinfo=london),
            submission_deadline=datetime(2023, 6, 11, 22, 0, tzinfo=london),
            judging_ends_at=datetime(2023, 6, 25, 22, 0, tzinfo=london),
            signups_open=True,
            max_team_size=5,
            reviews_per_entry=len(ARENA_JUDGES),
            ranking_method=Jam.RankingMethod.CALIBRATED,
            show_ranking=True,
        )
        jam.resources.all().delete()
        Resource.objects.bulk_create(
            Resource(jam=jam, order=i, title=t, kind=k, url=u, description=d)
            for i, (t, k, u, d) in enumerate(ARENA_RESOURCES)
        )
        jam.speakers.all().delete()
        Speaker.objects.create(
            jam=jam,
            order=0,
            name="Neel Nanda",
            role="Mechanistic interpretability researcher",
            url="https://www.neelnanda.io/",
        )
        for name in ARENA_SIGNUPS:
            user = self._user(_demo_email(name, ARENA_DOMAIN), name)
            SignUp.objects.get_or_create(jam=jam, user=user, defaults={"confirmation_sent_at": jam.starts_at})
        return jam

    def _entries(self, jam: Jam, demos: list[DemoEntry], *, domain: str) -> None:
        """Submitted entries, newest first, each by a team of its signed-up authors."""
        for order, demo in enumerate(demos):
            members = [self._user(_demo_email(name, domain), name) for name in demo.members]
            team = self._team(jam, demo.team, members)
            submitted_at = jam.submission_deadline - timedelta(minutes=7 + 23 * order)
            entry, _ = Entry.objects.update_or_create(
                team=team,
                defaults={
                    "jam": jam, "title": demo.title, "abstract": demo.abstract, "authors": demo.authors,
                    "state": Entry.State.SUBMITTED, "submitted_at": submitted_at, "is_late": False,
                    "updated_by": members[0],
                },
            )  # fmt: skip
            self._entry_files(entry, demo)

    def _team(self, jam: Jam, name: str, members: list[User]) -> Team:
        """Rows made directly, not through the services, which would queue emails."""
        team, _ = Team.objects.get_or_create(jam=jam, name=name, defaults={"created_by": members[0]})
        for user in members:
            SignUp.objects.get_or_create(jam=jam, user=user, defaults={"confirmation_sent_at": timezone.now()})
            TeamMembership.objects.get_or_create(jam=jam, user=user, defaults={"team": team})
        return team

    def _entry_files(self, entry: Entry, demo: DemoEntry) -> None:
        """Slides and image drawn by Pillow, stored once; the thumbnails made here, not queued."""
        name = slugify(demo.title)
        drawn = []
        if not _stored(entry.slides):
            entry.slides.save(f"{name}.pdf", ContentFile(entry_slides_pdf(demo)), save=False)
            drawn.append("slides")
        if not _stored(entry.image):
            entry.image.save(f"{name}.png", ContentFile(entry_image_png(demo)), save=False)
            drawn.append("image")
        if drawn:
            entry.save(update_fields=drawn)
        if not entry.thumbnails_ready:
            entry_thumbnails_make(entry_id=entry.pk)

    def _arena_results(self, jam: Jam) -> None:
        criteria, prizes = criteria_and_prizes_set(jam=jam)
        judges = [judge_make(jam=jam, user=self._user(_demo_email(name, ARENA_DOMAIN), name)) for name in ARENA_JUDGES]
        arena_results_make(jam=jam, judges=judges, criteria=criteria, prizes=prizes)

    def _ideathon(self) -> Jam:
        now = timezone.now().replace(second=0, microsecond=0)
        return self._jam(
            IDEATHON_SLUG,
            title="AI Safety Ideathon",
            tagline="From an AI safety idea to a first result in one weekend.",
            host="Apart Research",
            description=IDEATHON_DESCRIPTION,
            timezone="UTC",
            starts_at=now - timedelta(days=4),
            submission_deadline=now - timedelta(days=1),
            judging_ends_at=now + timedelta(days=7),
            signups_open=True,
            max_team_size=4,
            reviews_per_entry=3,
            ranking_method=Jam.RankingMethod.CALIBRATED,
            show_ranking=True,
        )

    def _ideathon_judging(self, jam: Jam) -> None:
        """Criteria, prizes, four judges and their assignments; three judges have reviewed their
        entries, the demo judge's queue waits for them. Results stay unpublished."""
        criteria, _prizes = criteria_and_prizes_set(jam=jam)
        judge_make(jam=jam, user=User.objects.get(email="judge@example.com"))
        others = [
            (judge_make(jam=jam, user=self._user(_demo_email(style.name, IDEATHON_DOMAIN), style.name)), style)
            for style in IDEATHON_JUDGES
        ]
        assignments_make(jam=jam)
        ideathon_reviews_make(judges=others, criteria=criteria)

    def _running(self) -> Jam:
        now = timezone.now().replace(second=0, microsecond=0)
        jam = self._jam(
            "ai-evaluations-sprint",
            title="AI Evaluations Sprint",
            tagline="Build an evaluation that tells us something new about what language models can do.",
            host="Apart Research",
            description=(
                "Design, run and write up a **model evaluation** in one weekend.\n\n"
                "Teams of up to four. Bring a question about model behaviour; leave with a result "
                "and a write-up."
            ),
            timezone="UTC",
            starts_at=now - timedelta(days=1),
            submission_deadline=now + timedelta(days=2),
            judging_ends_at=now + timedelta(days=9),
            signups_open=True,
            max_team_size=4,
        )
        if not jam.resources.exists():
            Resource.objects.create(
                jam=jam,
                order=0,
                kind="guide",
                title="Inspect: a framework for large language model evaluations",
                url="https://inspect.aisi.org.uk/",
                description="Write an evaluation as a dataset, a solver and a scorer.",
            )
        # Two tracks: the jam page lists them and the demo participant's entry picks one.
        for order, (name, text) in enumerate(RUNNING_TRACKS):
            Track.objects.update_or_create(jam=jam, name=name, defaults={"description": text, "order": order})
        return jam

    def _participant_team(self, jam: Jam) -> None:
        """A team for the demo participant, without an entry: theirs to submit."""
        participant = User.objects.get(email="participant@example.com")
        if TeamMembership.objects.filter(jam=jam, user=participant).exists():
            return  # in a team already, perhaps one they formed while trying the demo
        self._team(jam, PARTICIPANT_TEAM, [participant])

    def _upcoming(self) -> None:
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        self._jam(
            "multi-agent-safety-jam",
            title="Multi-Agent Safety Jam",
            tagline="What goes wrong when many AI agents meet, and how do we notice?",
            host="Cooperative AI",
            description="Explore cooperation, collusion and conflict between AI agents.",
            timezone="America/New_York",
            starts_at=now + timedelta(days=14),
            submission_deadline=now + timedelta(days=16),
            judging_ends_at=now + timedelta(days=23),
            signups_open=True,
            max_team_size=5,
        )


def _demo_email(name: str, domain: str) -> str:
    return f"{slugify(name)}@{domain}"


def _stored(file) -> bool:
    # A name without its object (media/ deleted, a fresh bucket) is drawn again.
    return bool(file) and file.storage.exists(file.name)
