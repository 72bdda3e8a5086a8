from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User

from .models import Jam, Phase, SignUp, Testimonial

PHASE_ORDER = [Phase.RUNNING, Phase.UPCOMING, Phase.JUDGING, Phase.FINISHED]


def jam_list_with_counts() -> QuerySet[Jam]:
    return Jam.objects.annotate(signup_count=Count("signups"))


@dataclass
class JamsByPhase:
    running: list[Jam]
    upcoming: list[Jam]
    past: list[Jam]


def jams_by_phase(*, now: datetime | None = None) -> JamsByPhase:
    """Running jams first (soonest deadline first), then upcoming (soonest start), then past."""
    now = now or timezone.now()
    running, upcoming, past = [], [], []
    for jam in jam_list_with_counts():
        phase = jam.phase_at(now)
        jam.current_phase = phase
        if phase == Phase.RUNNING:
            running.append(jam)
        elif phase == Phase.UPCOMING:
            upcoming.append(jam)
        else:
            past.append(jam)
    running.sort(key=lambda j: j.submission_deadline)
    upcoming.sort(key=lambda j: j.starts_at)
    past.sort(key=lambda j: j.submission_deadline, reverse=True)
    return JamsByPhase(running=running, upcoming=upcoming, past=past)


def jam_get_for_page(*, slug: str) -> Jam:
    """A jam with everything its public page shows, in a fixed number of queries."""
    public_signups = (
        SignUp.objects.filter(show_in_list=True)
        .select_related("user")
        .only("id", "jam_id", "created_at", "user__id", "user__display_name")
    )
    queryset = jam_list_with_counts().prefetch_related(
        "resources",
        "speakers",
        Prefetch("signups", queryset=public_signups, to_attr="public_signups"),
    )
    return get_object_or_404(queryset, slug=slug)


def testimonial_list() -> QuerySet[Testimonial]:
    return Testimonial.objects.filter(is_published=True)


def signup_for(*, jam: Jam, user: User) -> SignUp | None:
    if not user.is_authenticated:
        return None
    return SignUp.objects.filter(jam=jam, user=user).first()
