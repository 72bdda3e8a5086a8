"""A jam judged by comparing pairs, its judge and entries, for this folder's tests (they
stand in for the rubric jam's fixtures of tests/judging/conftest.py)."""

from __future__ import annotations

import pytest

from jams.models import Jam
from tests.factories import EntryFactory, JamFactory, JudgeFactory, UserFactory


@pytest.fixture
def jam(db):
    return JamFactory.judging(judging_mode=Jam.JudgingMode.PAIRWISE)


@pytest.fixture
def judge(jam):
    return JudgeFactory(jam=jam, user=UserFactory(display_name="Pat Pairs"))


@pytest.fixture
def entries(jam):
    return [EntryFactory(team__jam=jam, title=f"Entry {i}") for i in range(5)]
