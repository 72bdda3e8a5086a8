import pytest

from tests.factories import CriterionFactory, EntryFactory, JamFactory, JudgeFactory, UserFactory


@pytest.fixture
def judging_jam(db):
    """A jam whose deadline has passed and whose judging is open, with two criteria."""
    jam = JamFactory.judging(reviews_per_entry=2)
    CriterionFactory(jam=jam, name="Impact", weight=2, order=0)
    CriterionFactory(jam=jam, name="Rigour", weight=1, order=1)
    return jam


@pytest.fixture
def judge(judging_jam):
    return JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Jules Judge"))


@pytest.fixture
def entries(judging_jam):
    return [EntryFactory(team__jam=judging_jam, title=f"Entry {i}") for i in range(3)]


def score_form(jam, *values, feedback="Clear and careful.", note="", then="stay") -> dict:
    data = {"feedback": feedback, "private_note": note, "then": then}
    for criterion, value in zip(jam.criteria.order_by("order"), values, strict=False):
        data[f"criterion_{criterion.pk}"] = value
    return data
