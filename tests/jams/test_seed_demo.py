import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import User
from jams import models as jam_models
from jams.models import Jam, Phase, Resource, SignUp

pytestmark = pytest.mark.django_db

ARENA = "arena-interpretability-hackathon"


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (User, Jam, Resource, SignUp, jam_models.Testimonial)}


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
