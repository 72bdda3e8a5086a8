from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User

from .models import Jam, JamTimeChange, Phase, SignUp, Testimonial

PHASE_ORDER = [Phase.RUNNING, Phase.GRACE, Phase.UPCOMING, Phase.JUDGING, Phase.FINISHED]


def jam_list_with_counts() -> QuerySet[Jam]:
    return Jam.objects.annotate(signup_count=Count("signups"))


@dataclass
class JamsByPhase:
    running: list[Jam]
    upcoming: list[Jam]
    past: list[Jam]


def jams_by_phase(*, now: datetime | None = None) -> JamsByPhase:
    """Running jams first (in their grace period too; soonest deadline first), then upcoming
    (soonest start), then past."""
    now = now or timezone.now()
    running, upcoming, past = [], [], []
    for jam in jam_list_with_counts():
        phase = jam.phase_at(now)
        jam.current_phase = phase
        if phase in (Phase.RUNNING, Phase.GRACE):
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
    """The jam itself; what its page lists comes from the selectors below, evaluated only
    when the page's cached body has to be rendered."""
    return get_object_or_404(Jam, slug=slug)


@dataclass
class SignupSummary:
    count: int  # everyone signed up
    public_count: int  # those who show their name
    latest: list[SignUp]  # the newest names shown, newest first

    @property
    def more(self) -> int:
        """Named sign-ups beyond the latest shown."""
        return self.public_count - len(self.latest)

    @property
    def private(self) -> int:
        return self.count - self.public_count


def _public_signups(jam: Jam) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(jam=jam, show_in_list=True)
        .select_related("user")
        .only("id", "jam_id", "created_at", "user__id", "user__display_name")
        .order_by("-created_at", "-id")
    )


def signup_summary(*, jam: Jam, latest: int = 30) -> SignupSummary:
    counts = SignUp.objects.filter(jam=jam).aggregate(
        count=Count("id"), public_count=Count("id", filter=Q(show_in_list=True))
    )
    return SignupSummary(**counts, latest=list(_public_signups(jam)[:latest]))


def signup_list_public(*, jam: Jam) -> QuerySet[SignUp]:
    """Everyone who shows their name, newest first, for the paginated list."""
    return _public_signups(jam)


def testimonial_list_for_jam(*, jam: Jam) -> QuerySet[Testimonial]:
    """A jam page's testimonials: the jam's own and its host's (not the site-wide ones,
    which the home page shows)."""
    for_host = Q(host=jam.host) & ~Q(host="")
    return Testimonial.objects.filter(Q(jam=jam) | for_host, is_published=True)


def testimonial_list_for_site() -> QuerySet[Testimonial]:
    """The home page's testimonials: those tied to no jam and no host."""
    return Testimonial.objects.filter(jam__isnull=True, host="", is_published=True)


def signup_for(*, jam: Jam, user: User) -> SignUp | None:
    if not user.is_authenticated:
        return None
    return SignUp.objects.filter(jam=jam, user=user).first()


@dataclass
class TimeChanges:
    latest: list[JamTimeChange]
    more: bool  # older ones exist beyond `latest` (the announcements feed has them all)


def jam_time_changes_latest(*, jam: Jam, limit: int) -> TimeChanges:
    """The jam's newest time changes, newest first. One query, however many there are."""
    found = list(JamTimeChange.objects.filter(jam=jam).order_by("-changed_at", "-id")[: limit + 1])
    return TimeChanges(latest=found[:limit], more=len(found) > limit)
