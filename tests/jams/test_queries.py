"""List pages run the same number of queries with one item as with many."""

import pytest
from django.core.cache import cache

from tests.factories import (
    CriterionFactory,
    JamFactory,
    PrizeFactory,
    ResourceFactory,
    SignUpFactory,
    SpeakerFactory,
    TestimonialFactory,
    UserFactory,
)
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

BOUND = 14  # with the prizes and the criteria, one query each
WARM_BOUND = 5  # session, user, jam, sign-up, judge


def fill_jam(jam, *, signups: int, resources: int, speakers: int) -> None:
    users = UserFactory.create_batch(signups)
    for user in users:
        SignUpFactory(jam=jam, user=user)
    ResourceFactory.create_batch(resources, jam=jam)
    SpeakerFactory.create_batch(speakers, jam=jam)
    TestimonialFactory.create_batch(min(speakers, 5), jam=jam)
    TestimonialFactory.create_batch(min(speakers, 5), host=jam.host)
    PrizeFactory.create_batch(min(speakers, 5), jam=jam)
    CriterionFactory.create_batch(min(speakers, 5), jam=jam)


def test_jam_page_queries_do_not_grow_with_signups_resources_speakers(client, user):
    small, large = JamFactory.running(), JamFactory.running(host="Another Host")
    fill_jam(small, signups=1, resources=1, speakers=1)
    fill_jam(large, signups=1000, resources=30, speakers=10)
    client.force_login(user)

    small_count = count_queries(lambda: client.get(small.get_absolute_url()))
    large_count = count_queries(lambda: client.get(large.get_absolute_url()))
    # Warm: the body below the header comes from the cache; only the person's parts run.
    client.get(small.get_absolute_url())
    small_warm = count_queries(lambda: client.get(small.get_absolute_url()), cold=False)
    large_warm = count_queries(lambda: client.get(large.get_absolute_url()), cold=False)
    cache.clear()
    response = client.get(large.get_absolute_url())  # rendered, with the content's context

    assert response.context["signups"].count == 1000
    assert len(response.context["signups"].latest) == 30
    assert response.context["signups"].more == 970
    assert len(response.context["testimonials"]) == 10  # its own and its host's
    assert small_count == large_count
    assert large_count <= BOUND
    assert small_warm == large_warm
    assert large_warm <= WARM_BOUND


def test_jam_page_cached_for_anonymous_visitors_runs_no_query(client):
    jam = JamFactory.running()
    fill_jam(jam, signups=50, resources=5, speakers=2)
    cold = count_queries(lambda: client.get(jam.get_absolute_url()))
    warm = count_queries(lambda: client.get(jam.get_absolute_url()), cold=False)

    assert cold > 0
    assert warm == 0


def test_home_queries_do_not_grow_with_jams(client):
    JamFactory.running()
    one = count_queries(lambda: client.get("/"))
    for _ in range(49):
        jam = JamFactory.running()
        SignUpFactory(jam=jam)
    TestimonialFactory.create_batch(10)  # site-wide: the home page shows them

    fifty = count_queries(lambda: client.get("/"))
    response = client.get("/", {"fresh": 1})  # a URL not cached yet: rendered, with its context

    assert len(response.context["jams"].running) == 50
    assert len(response.context["testimonials"]) == 10
    assert one == fifty
    assert fifty <= BOUND
