from __future__ import annotations

from types import SimpleNamespace

import pytest

from judging.models import Assignment, Award, Review
from submissions.models import Entry
from tests.factories import (
    EntryFactory,
    JamFactory,
    JudgeFactory,
    PrizeFactory,
    SignUpFactory,
    TeamFactory,
    UserFactory,
)


def person(name: str):
    return UserFactory(display_name=name.title(), email=f"{name}@example.com")


@pytest.fixture
def scene(db):
    """One jam with someone in each audience, and people who must not be reached."""
    jam = JamFactory.judging(title="Interpretability Jam", timezone="Europe/London")
    p = SimpleNamespace(jam=jam)
    for name in ("alice", "bob", "bea", "carl", "dora", "dan", "erin", "olga", "jo", "jack", "pat"):
        setattr(p, name, person(name))
    SignUpFactory(jam=jam, user=p.alice)  # no team
    olga = SignUpFactory(jam=jam, user=p.olga).user  # no team, but no announcements
    olga.announcements_opt_out = True
    olga.save()
    drafting = TeamFactory(jam=jam, created_by=p.bob, members=[p.bea])
    EntryFactory(team=drafting, state=Entry.State.DRAFT, submitted_at=None)
    TeamFactory(jam=jam, created_by=p.carl)  # a team, no entry yet
    p.winning = EntryFactory(team=TeamFactory(jam=jam, created_by=p.dora, members=[p.dan]))
    p.other = EntryFactory(team=TeamFactory(jam=jam, created_by=p.erin))
    Award.objects.create(prize=PrizeFactory(jam=jam), entry=p.winning)
    behind, done, pending = (JudgeFactory(jam=jam, user=p.jo), JudgeFactory(jam=jam, user=p.jack),
                             JudgeFactory(jam=jam, user=p.pat, pending=True))  # fmt: skip
    for judge, entry in [(behind, p.winning), (behind, p.other), (done, p.winning), (pending, p.other)]:
        Assignment.objects.create(judge=judge, entry=entry)
    Review.objects.create(judge=behind, entry=p.winning)
    Review.objects.create(judge=done, entry=p.winning)
    # Someone of another jam, in every audience there.
    SignUpFactory(jam=JamFactory.judging(), user=UserFactory(email="elsewhere@example.com"))
    return p
