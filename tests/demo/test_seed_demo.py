from statistics import fmean

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from jams import models as jam_models
from jams.models import Jam, Phase, Resource, SignUp
from judging.models import Assignment, Award, Criterion, Judge, Prize, Review, Score
from submissions.models import Entry, Team, TeamMembership
from submissions.uploads import detect_slides, validate_image

pytestmark = pytest.mark.django_db

# seed_demo draws a few dozen images and PDFs, so each call costs a second or two: the tests
# call it as few times as they can and check several things per call.

ARENA = "arena-interpretability-hackathon"
RUNNING = "ai-evaluations-sprint"
JUDGING = "ai-safety-ideathon"
# The seed page's entries, in its order (newest first).
ARENA_TITLES = [
    "Why Might Negative Name Mover Heads Exist?",
    "Understanding truthfulness in large language model heads through interpretability",
    "ACDC++: Fast automated circuit discovery using attribution patching",
    "Understanding How Othello GPT Identifies Valid Moves from its Internal World Model",
    "Swap Graphs with Attribution Patching",
    "modiff",
]
MODELS = (User, Jam, Resource, SignUp, jam_models.Testimonial, jam_models.Track, Team, TeamMembership, Entry)
MODELS += (Criterion, Prize, Judge, Assignment, Review, Score, Award)
LOGINS = ["organizer@example.com", "judge@example.com", "participant@example.com"]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def arena_entries() -> list[Entry]:
    return list(Entry.objects.filter(jam__slug=ARENA).select_related("team", "jam").order_by("-submitted_at"))


def file_names() -> list[tuple[str, ...]]:
    entries = Entry.objects.order_by("pk")
    return [(e.slides.name, e.image.name, e.thumbnail_card.name, e.thumbnail_small.name) for e in entries]


def seed_demo(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_recreates_the_seed_page_with_logins_and_no_email(settings, mailoutbox):
    seed_demo(settings)

    assert mailoutbox == []
    for email in LOGINS:
        assert authenticate(username=email, password="demo-password-123") is not None, email
    assert User.objects.get(email="organizer@example.com").is_superuser
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
    assert arena.testimonials.count() == 3
    assert jam_models.Testimonial.objects.filter(host="Apart Research").count() == 1
    assert jam_models.Testimonial.objects.filter(jam=None, host="").count() == 1  # the home page's
    assert {jam.phase for jam in Jam.objects.all()} == {Phase.FINISHED, Phase.JUDGING, Phase.RUNNING, Phase.UPCOMING}
    check_arena_entries()
    check_arena_files()
    check_arena_teams(arena)
    check_participant_team()


def check_arena_entries() -> None:
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


def check_arena_files() -> None:
    entry = arena_entries()[0]
    with entry.slides.open("rb") as slides:
        assert detect_slides(slides).kind == "pdf"
        assert slides.read().count(b"/Type /Page\n") == 2
    with entry.image.open("rb") as image:
        assert validate_image(image).kind == "png"
    assert entry.thumbnail_card.storage.exists(entry.thumbnail_card.name)


def check_arena_teams(arena: Jam) -> None:
    acdc = Team.objects.get(jam=arena, name="ACDC++")
    members = [m.user.display_name for m in acdc.memberships.select_related("user")]
    assert members == ["Lucy Farnik", "Can Rager", "Rusheb"]
    assert acdc.created_by.email == "lucy-farnik@arena.example.com"
    assert not acdc.created_by.has_usable_password()
    assert not TeamMembership.objects.filter(jam=arena).exclude(user__signups__jam=arena).exists()
    assert TeamMembership.objects.filter(jam=arena).exclude(team__jam=arena).count() == 0


def check_participant_team() -> None:
    membership = TeamMembership.objects.select_related("team").get(
        jam__slug=RUNNING, user__email="participant@example.com"
    )
    assert membership.team.name == "Pat's Evals"
    assert membership.team.created_by.email == "participant@example.com"
    assert SignUp.objects.filter(jam__slug=RUNNING, user__email="participant@example.com").exists()
    assert not Entry.objects.filter(team=membership.team).exists()


def test_seed_demo_makes_a_jam_in_judging_and_publishes_arenas_results(settings):
    seed_demo(settings)

    jam = Jam.objects.get(slug=JUDGING)
    assert jam.phase == Phase.JUDGING
    assert jam.judging_open_at(timezone.now())
    assert (jam.reviews_per_entry, jam.ranking_method, jam.show_ranking) == (3, "calibrated", True)
    assert jam.results_published_at is None
    entries = list(Entry.objects.filter(jam=jam))
    assert len(entries) == 12
    assert all(e.is_submitted and e.thumbnails_ready and e.slides for e in entries)
    assert [c.name for c in jam.criteria.all()] == ["Impact", "Rigour", "Clarity"]
    assert [p.name for p in jam.prizes.all()] == ["First place", "Second place", "Honourable mention"]
    assert {e.assignments.count() for e in entries} == {3}
    judges = {j.user.email: j for j in Judge.objects.filter(jam=jam).select_related("user")}
    assert len(judges) == 4
    demo_judge = judges.pop("judge@example.com")
    assert demo_judge.assignments.count() == 9
    assert not demo_judge.reviews.exists()
    for judge in judges.values():
        assert judge.user.email.endswith("@ideathon.example.com")
        assert not judge.user.has_usable_password()
        assert set(judge.reviews.values_list("entry", flat=True)) == set(
            judge.assignments.values_list("entry", flat=True)
        )
    # One judge is harsh and one lenient, so calibration has something to do.
    means = {
        j.user.display_name: fmean(s.value for r in j.reviews.all() for s in r.scores.all()) for j in judges.values()
    }
    assert means["Rohan Mehta"] < means["Sofia Lindqvist"] < means["Amara Okafor"]
    assert Review.objects.filter(entry__jam=jam).exclude(feedback="").count() == 27
    members = TeamMembership.objects.filter(jam=jam).select_related("user")
    assert members.count() >= 12
    assert all(m.user.email.endswith("@ideathon.example.com") for m in members)
    assert not TeamMembership.objects.filter(jam=jam).exclude(user__signups__jam=jam).exists()
    check_arena_results()


def check_arena_results() -> None:
    arena = Jam.objects.get(slug=ARENA)
    assert arena.results_published_at.date().isoformat() == "2023-06-28"
    assert arena.show_ranking
    awarded = Award.objects.filter(prize__jam=arena).select_related("prize", "entry")
    awards = {award.prize.name: award.entry.title for award in awarded}
    assert awards == {
        "First place": "ACDC++: Fast automated circuit discovery using attribution patching",
        "Second place": "Why Might Negative Name Mover Heads Exist?",
        "Honourable mention": "modiff",
    }
    assert Judge.objects.filter(jam=arena, user__display_name="Neel Nanda").exists()
    for entry in arena_entries():
        reviews = list(entry.reviews.all())
        assert len(reviews) == 2
        assert all(r.feedback and r.scores.count() == 3 for r in reviews)
        assert all(r.updated_at < arena.results_published_at for r in reviews)


def test_seed_demo_twice_changes_nothing(settings, mailoutbox):
    seed_demo(settings)
    first_counts, first_files = counts(), file_names()

    seed_demo(settings)

    assert counts() == first_counts
    assert file_names() == first_files
    assert first_counts["Entry"] == 18
    assert first_counts["Assignment"] == 36 + 12
    assert first_counts["Review"] == 27 + 12
    assert first_counts["Award"] == 3
    assert not Review.objects.filter(judge__user__email="judge@example.com").exists()
    assert mailoutbox == []


def test_seed_demo_again_redraws_lost_files_and_keeps_the_participants_team(settings):
    seed_demo(settings)
    entry = arena_entries()[0]
    lost_image = entry.image.name
    entry.image.storage.delete(lost_image)
    TeamMembership.objects.filter(jam__slug=RUNNING, user__email="participant@example.com").update(
        team=Team.objects.create(jam=Jam.objects.get(slug=RUNNING), name="Eval Otters")
    )

    seed_demo(settings)

    entry.refresh_from_db()
    assert entry.image.name != lost_image
    assert entry.image.storage.exists(entry.image.name)
    assert entry.thumbnails_ready
    teams = Team.objects.filter(jam__slug=RUNNING, memberships__user__email="participant@example.com")
    assert [t.name for t in teams] == ["Eval Otters"]


def test_seed_demo_gives_the_running_jam_two_tracks_on_its_page(settings, client):
    seed_demo(settings)
    jam = Jam.objects.get(slug=RUNNING)

    html = client.get(jam.get_absolute_url()).content.decode()

    assert list(jam.tracks.values_list("name", flat=True)) == ["Dangerous capabilities", "Propensities"]
    assert 'data-testid="jam-tracks"' in html
    assert "Propensities" in html
