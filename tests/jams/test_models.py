from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from jams.models import Phase
from tests.factories import JamFactory, SignUpFactory

pytestmark = pytest.mark.django_db


def test_jam_phase_follows_the_clock():
    jam = JamFactory.running()
    assert jam.phase_at(jam.starts_at - timedelta(seconds=1)) == Phase.UPCOMING
    assert jam.phase_at(jam.starts_at) == Phase.RUNNING
    assert jam.phase_at(jam.submission_deadline - timedelta(seconds=1)) == Phase.RUNNING
    assert jam.phase_at(jam.submission_deadline) == Phase.JUDGING
    assert jam.phase_at(jam.judging_ends_at) == Phase.FINISHED


def test_jam_phase_has_a_grace_period_between_deadline_and_judging():
    jam = JamFactory.running(grace_minutes=30)
    assert jam.phase_at(jam.submission_deadline - timedelta(seconds=1)) == Phase.RUNNING
    assert jam.phase_at(jam.submission_deadline) == Phase.GRACE
    assert jam.phase_at(jam.submissions_close_at - timedelta(seconds=1)) == Phase.GRACE
    assert jam.phase_at(jam.submissions_close_at) == Phase.JUDGING
    assert jam.judging_open_at(jam.submissions_close_at)


@pytest.mark.parametrize(
    ("factory", "phase"),
    [
        (JamFactory.upcoming, Phase.UPCOMING),
        (JamFactory.running, Phase.RUNNING),
        (JamFactory.judging, Phase.JUDGING),
        (JamFactory.finished, Phase.FINISHED),
    ],
)
def test_jam_phase_now(factory, phase):
    assert factory().phase == phase


def test_jam_deadline_before_start_is_refused_by_the_database():
    now = timezone.now()
    with pytest.raises(IntegrityError):
        JamFactory(starts_at=now, submission_deadline=now - timedelta(hours=1))


def test_jam_clean_names_the_wrong_dates():
    now = timezone.now()
    jam = JamFactory.build(
        starts_at=now, submission_deadline=now - timedelta(hours=1), judging_ends_at=now - timedelta(hours=2)
    )
    with pytest.raises(ValidationError) as error:
        jam.full_clean()
    assert set(error.value.message_dict) >= {"submission_deadline", "judging_ends_at"}


def test_jam_unknown_timezone_is_refused():
    jam = JamFactory.build(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as error:
        jam.full_clean()
    assert "timezone" in error.value.message_dict


def test_signup_one_per_person_per_jam():
    signup = SignUpFactory()
    with pytest.raises(IntegrityError):
        SignUpFactory(jam=signup.jam, user=signup.user)
