from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from jams.models import Jam, JamTimeChange, Resource, SignUp, Speaker, Testimonial, Track
from judging.models import Criterion, Judge, Prize
from submissions.models import Entry, Team, TeamMembership

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Faker("name")
    # Verified, as most people are after their first email: UserFactory(unverified=True)
    # for an account whose address is not proved yet.
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        unverified = factory.Trait(email_verified_at=None)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class JamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jam

    title = factory.Sequence(lambda n: f"Test Jam {n}")
    slug = factory.Sequence(lambda n: f"test-jam-{n}")
    tagline = "A weekend of research"
    host = "Test Host"
    description = "Build *something*."
    timezone = "UTC"
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    submission_deadline = factory.LazyAttribute(lambda jam: jam.starts_at + timedelta(days=2))
    judging_ends_at = factory.LazyAttribute(lambda jam: jam.submission_deadline + timedelta(days=7))
    signups_open = True
    max_team_size = 4

    @classmethod
    def running(cls, **kwargs) -> Jam:
        now = timezone.now()
        return cls(starts_at=now - timedelta(days=1), submission_deadline=now + timedelta(days=1), **kwargs)

    @classmethod
    def upcoming(cls, **kwargs) -> Jam:
        now = timezone.now()
        return cls(starts_at=now + timedelta(days=7), submission_deadline=now + timedelta(days=9), **kwargs)

    @classmethod
    def judging(cls, **kwargs) -> Jam:
        now = timezone.now()
        return cls(
            starts_at=now - timedelta(days=3),
            submission_deadline=now - timedelta(days=1),
            judging_ends_at=now + timedelta(days=6),
            **kwargs,
        )

    @classmethod
    def finished(cls, **kwargs) -> Jam:
        now = timezone.now()
        return cls(
            starts_at=now - timedelta(days=30),
            submission_deadline=now - timedelta(days=28),
            judging_ends_at=now - timedelta(days=20),
            **kwargs,
        )


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    jam = factory.SubFactory(JamFactory)
    title = factory.Sequence(lambda n: f"Resource {n}")
    description = "Read this first."
    url = factory.Sequence(lambda n: f"https://example.com/resource/{n}")
    kind = Resource.Kind.NOTEBOOK
    order = factory.Sequence(int)


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    jam = factory.SubFactory(JamFactory)
    name = factory.Faker("name")
    role = "Researcher"
    url = "https://example.com/speaker"
    order = factory.Sequence(int)


class TestimonialFactory(factory.django.DjangoModelFactory):
    __test__ = False  # not a pytest test class, despite the name

    class Meta:
        model = Testimonial

    name = factory.Faker("name")
    event = "Interpretability hackathon"
    quote = "A great weekend."


class SignUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignUp

    jam = factory.SubFactory(JamFactory)
    user = factory.SubFactory(UserFactory)
    show_in_list = True


class JamTimeChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JamTimeChange

    jam = factory.SubFactory(JamFactory)
    field = JamTimeChange.Field.DEADLINE
    old_value = factory.LazyAttribute(lambda change: change.jam.submission_deadline - timedelta(hours=2))
    new_value = factory.LazyAttribute(lambda change: change.jam.submission_deadline)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    jam = factory.SubFactory(JamFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def members(team, create, extracted, **kwargs):
        """TeamFactory(members=[...]) adds those people; the creator is always a member."""
        if not create:
            return
        people = [team.created_by, *(extracted or [])]
        for person in people:
            SignUp.objects.get_or_create(jam=team.jam, user=person)
            TeamMembership.objects.get_or_create(team=team, user=person, jam=team.jam)


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    team = factory.SubFactory(TeamFactory)
    jam = factory.SelfAttribute("team.jam")
    title = factory.Sequence(lambda n: f"Entry {n}")
    abstract = "We looked inside a transformer and found a circuit."
    authors = factory.LazyAttribute(lambda entry: entry.team.created_by.display_name)
    state = Entry.State.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    jam = factory.SubFactory(JamFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    description = "How good is it?"
    weight = 1
    order = factory.Sequence(int)


class JudgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judge

    jam = factory.SubFactory(JamFactory)
    user = factory.SubFactory(UserFactory)
    # Accepted: JudgeFactory(pending=True) for an invitation not accepted yet.
    accepted_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(accepted_at=None)


class PrizeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prize

    jam = factory.SubFactory(JamFactory)
    name = factory.Sequence(lambda n: f"Prize {n}")
    order = factory.Sequence(int)


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    jam = factory.SubFactory(JamFactory)
    name = factory.Sequence(lambda n: f"Track {n}")
    description = "Entries about one thing."
    order = factory.Sequence(int)
