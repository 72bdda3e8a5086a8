"""Each audience of a mailing, who is in it, and that building it is one query."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mailings.models import Audience
from mailings.selectors import audience_users
from tests.factories import SignUpFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def emails(jam, audience) -> list[str]:
    return sorted(user.email.split("@")[0] for user in audience_users(jam=jam, audience=audience))


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (Audience.SIGNED_UP, ["alice", "bea", "bob", "carl", "dan", "dora", "erin"]),
        (Audience.NO_TEAM, ["alice"]),
        (Audience.NOT_SUBMITTED, ["alice", "bea", "bob", "carl"]),
        (Audience.DRAFT, ["bea", "bob"]),
        (Audience.SUBMITTED, ["dan", "dora", "erin"]),
        (Audience.JUDGES_BEHIND, ["jo"]),
        (Audience.WINNERS, []),  # the results aren't published yet
    ],
)
def test_audience_members(scene, audience, expected):
    assert emails(scene.jam, audience) == expected


def test_winners_once_the_results_are_published(scene):
    scene.jam.results_published_at = timezone.now()
    scene.jam.save()

    assert emails(scene.jam, Audience.WINNERS) == ["dan", "dora"]


def test_people_who_turned_announcements_off_or_were_deactivated_are_left_out(scene):
    scene.alice.is_active = False
    scene.alice.save()

    assert emails(scene.jam, Audience.NO_TEAM) == []  # olga unsubscribed, alice is gone


@pytest.mark.parametrize("audience", list(Audience))
def test_building_an_audience_is_one_query_at_one_and_at_many(scene, audience):
    scene.jam.results_published_at = timezone.now()  # so the winners are a query too
    scene.jam.save()

    def build():
        return list(audience_users(jam=scene.jam, audience=audience))

    few = count_queries(build)
    SignUpFactory.create_batch(30, jam=scene.jam)
    many = count_queries(build)

    assert (few, many) == (1, 1)
