import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import User
from jams import models as jam_models
from jams.models import Jam, Phase, Resource, SignUp
from submissions.models import Entry, Team, TeamMembership
from submissions.uploads import detect_slides, validate_image

pytestmark = pytest.mark.django_db

ARENA = "arena-interpretability-hackathon"
RUNNING = "ai-evaluations-sprint"
# The seed page's entries, in its order (newest first).
ARENA_TITLES = [
    "Why Might Negative Name Mover Heads Exist?",
    "Understanding truthfulness in large language model heads through interpretability",
    "ACDC++: Fast automated circuit discovery using attribution patching",
    "Understanding How Othello GPT Identifies Valid Moves from its Internal World Model",
    "Swap Graphs with Attribution Patching",
    "modiff",
]
MODELS = (User, Jam, Resource, SignUp, jam_models.Testimonial, Team, TeamMembership, Entry)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def arena_entries() -> list[Entry]:
    return list(Entry.objects.filter(jam__slug=ARENA).select_related("team", "jam").order_by("-submitted_at"))


def file_names() -> list[tuple[str, ...]]:
    return [(e.slides.name, e.image.name, e.thumbnail_card.name, e.thumbnail_small.name) for e in arena_entries()]


def test_seed_demo_recreates_the_seed_page_and_is_idempotent(settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=None)
    first = counts()
    call_command("seed_demo")

    assert counts() == first
    arena = Jam.objects.get(slug=ARENA)
    assert arena.host == "ARENA"
    assert arena.phase == Phase.FINISHED
    assert arena.starts_at.date().isoformat() == "2023-06-10"
    assert arena.resources.count() == 8
    assert arena.resources.filter(url__startswith="https://").count() == 8
    names = set(arena.signups.values_list("user__display_name", flat=True))
    assert {"Can Rager", "Arthur Conmy", "Felix Hofstätter", "Diego"} <= names
    assert len(names) == 15
    assert jam_models.Testimonial.objects.count() == 5
    assert {jam.phase for jam in Jam.objects.all()} >= {Phase.RUNNING, Phase.UPCOMING}


@pytest.mark.parametrize("email", ["organizer@example.com", "judge@example.com", "participant@example.com"])
def test_seed_demo_logins_work(settings, email):
    settings.DEBUG = True
    call_command("seed_demo")
    assert authenticate(username=email, password="demo-password-123") is not None


def test_seed_demo_organizer_is_superuser(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assert User.objects.get(email="organizer@example.com").is_superuser


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_sends_no_email(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    assert mailoutbox == []


def test_seed_demo_arena_has_the_seed_pages_six_entries(settings):
    settings.DEBUG = True

    call_command("seed_demo")

    entries = arena_entries()
    assert [e.title for e in entries] == ARENA_TITLES
    first, last = entries[0], entries[-1]
    assert (first.authors, first.team.name) == ("Arthur Conmy and Callum McDougall",) * 2
    assert first.abstract.startswith("In this project we form a theory of why Negative Name Mover Heads")
    assert (last.abstract, last.authors, last.team.name) == (
        "Model-comparing tool. Details in README.",
        "Jan Betley",
        "Awesome team",
    )
    for entry in entries:
        assert entry.is_submitted
        assert not entry.is_late
        assert entry.jam.starts_at < entry.submitted_at < entry.jam.submission_deadline
        assert entry.slides
        assert entry.thumbnails_ready


def test_seed_demo_arena_files_are_a_real_pdf_and_png(settings):
    settings.DEBUG = True

    call_command("seed_demo")

    entry = arena_entries()[0]
    with entry.slides.open("rb") as slides:
        assert detect_slides(slides).kind == "pdf"
        assert slides.read().count(b"/Type /Page\n") == 2
    with entry.image.open("rb") as image:
        assert validate_image(image).kind == "png"
    assert entry.thumbnail_card.storage.exists(entry.thumbnail_card.name)


def test_seed_demo_arena_teams_are_signed_up_authors(settings):
    settings.DEBUG = True

    call_command("seed_demo")

    acdc = Team.objects.get(jam__slug=ARENA, name="ACDC++")
    members = [m.user.display_name for m in acdc.memberships.select_related("user")]
    assert members == ["Lucy Farnik", "Can Rager", "Rusheb"]
    assert acdc.created_by.email == "lucy-farnik@arena.example.com"
    assert not acdc.created_by.has_usable_password()
    arena = Jam.objects.get(slug=ARENA)
    assert not TeamMembership.objects.filter(jam=arena).exclude(user__signups__jam=arena).exists()
    assert TeamMembership.objects.filter(jam=arena).exclude(team__jam=arena).count() == 0


def test_seed_demo_twice_keeps_entries_teams_and_files(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first_counts, first_files = counts(), file_names()

    call_command("seed_demo")

    assert counts() == first_counts
    assert file_names() == first_files
    assert first_counts["Entry"] == 6


def test_seed_demo_draws_files_again_when_storage_lost_them(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    entry = arena_entries()[0]
    lost_image = entry.image.name
    entry.image.storage.delete(lost_image)

    call_command("seed_demo")

    entry.refresh_from_db()
    assert entry.image.name != lost_image
    assert entry.image.storage.exists(entry.image.name)
    assert entry.thumbnails_ready


def test_seed_demo_gives_the_participant_a_team_without_an_entry(settings):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    membership = TeamMembership.objects.select_related("team").get(
        jam__slug=RUNNING, user__email="participant@example.com"
    )
    assert membership.team.name == "Pat's Evals"
    assert membership.team.created_by.email == "participant@example.com"
    assert SignUp.objects.filter(jam__slug=RUNNING, user__email="participant@example.com").exists()
    assert not Entry.objects.filter(team=membership.team).exists()


def test_seed_demo_keeps_the_team_the_participant_formed(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    TeamMembership.objects.filter(jam__slug=RUNNING, user__email="participant@example.com").update(
        team=Team.objects.create(jam=Jam.objects.get(slug=RUNNING), name="Eval Otters")
    )

    call_command("seed_demo")

    teams = Team.objects.filter(jam__slug=RUNNING, memberships__user__email="participant@example.com")
    assert [t.name for t in teams] == ["Eval Otters"]
