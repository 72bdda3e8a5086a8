"""Pages that show several apps' data, composed above the apps.

jams is the base and never imports the apps built on it (../shared/STYLE.md), so the jam
page, which shows the latest entries (submissions), the prizes, criteria and the judge's
link (judging) beside the jam's own parts, is put together here. Its URL stays
/jams/<slug>/ under the name jams:detail (hackathon/urls.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from jams.cache import SITE, jam_scope, public_page, versions_get, versions_token
from jams.models import Jam, Phase, SignUp
from jams.selectors import jam_get_for_page, signup_for, signup_summary, testimonial_list
from judging.models import Criterion, Prize
from judging.selectors import judge_for
from submissions.models import Entry, Team, TeamMembership
from submissions.selectors import entry_list_latest, entry_of_member


@dataclass
class CriterionShown:
    name: str
    description: str
    weight: Decimal
    share: int  # percent of the total weight, rounded
    scale_low: int
    scale_high: int


def criteria_shown(*, jam: Jam) -> list[CriterionShown]:
    """The jam's criteria with each one's share of the weighted score."""
    criteria = list(Criterion.objects.filter(jam=jam).order_by("order", "id"))
    total = sum((c.weight for c in criteria), Decimal(0))
    return [
        CriterionShown(
            name=c.name,
            description=c.description,
            weight=c.weight.normalize(),
            share=round(100 * c.weight / total) if total else 0,
            scale_low=c.scale_low,
            scale_high=c.scale_high,
        )
        for c in criteria
    ]


@public_page(scopes=lambda slug: [jam_scope(slug)])
def jam_detail(request: HttpRequest, slug: str) -> HttpResponse:
    jam = jam_get_for_page(slug=slug)
    now = timezone.now()
    changes_at = jam.changes_after(now)
    versions = versions_get([jam_scope(jam.slug), SITE])
    context = {
        "jam": jam,
        "phase": jam.phase_at(now),
        "now": now,
        # The header: per person, rendered on every request (anonymous visitors get the
        # whole page from the cache, so these are for signed-in people only).
        "signup": signup_for(jam=jam, user=request.user),
        "accepts_signups": jam.accepts_signups_at(now),
        "accepts_submissions": jam.accepts_submissions_at(now),
        "is_judge": judge_for(jam=jam, user=request.user) is not None,
        "my_entry": SimpleLazyObject(lambda: entry_of_member(jam=jam, user=request.user)),
        # The body below the header is the same for everyone: it is rendered once per
        # version of the jam (and phase) and cached; these run only when it is.
        "body_key": f"{versions_token(versions)}:{changes_at}",
        "testimonials": SimpleLazyObject(lambda: list(testimonial_list())),
        "latest_entries": SimpleLazyObject(lambda: entry_list_latest(jam=jam)),
        "signups": SimpleLazyObject(lambda: signup_summary(jam=jam)),
        "prizes": SimpleLazyObject(lambda: list(Prize.objects.filter(jam=jam).order_by("order", "id"))),
        "criteria": SimpleLazyObject(lambda: criteria_shown(jam=jam)),
    }
    response = render(request, "jams/jam_detail.html", context)
    response.changes_at = changes_at
    return response


# My jams -------------------------------------------------------------------------------


@dataclass
class MyJam:
    jam: Jam
    phase: Phase
    team: Team | None
    entry: Entry | None
    next_label: str  # what happens next, or how the jam ended
    next_at: datetime | None

    @property
    def entry_state(self) -> str:
        if self.team is None:
            return "No team yet"
        if self.entry is None:
            return "No entry yet"
        if not self.entry.is_submitted:
            return "Draft"
        return "Submitted late" if self.entry.is_late else "Submitted"


NEXT_MOMENT = {
    Phase.UPCOMING: ("Starts", "starts_at"),
    Phase.RUNNING: ("Submissions due", "submission_deadline"),
    Phase.GRACE: ("Late submissions close", "submissions_close_at"),
    Phase.JUDGING: ("Judging ends", "judging_ends_at"),
}


def my_jams_list(*, user, now: datetime) -> list[MyJam]:
    """Each jam the person signed up to, with their team, their entry's state and what
    comes next; three queries however many jams."""
    signups = SignUp.objects.filter(user=user).select_related("jam").order_by("-jam__starts_at", "-id")
    teams = {m.jam_id: m.team for m in TeamMembership.objects.filter(user=user).select_related("team")}
    entries = {
        e.team_id: e
        for e in Entry.objects.filter(team__in=list(teams.values())).only("id", "jam_id", "team_id", "state", "is_late")
    }
    rows = []
    for signup in signups:
        jam = signup.jam
        phase = jam.phase_at(now)
        team = teams.get(jam.pk)
        if phase in NEXT_MOMENT:
            label, attribute = NEXT_MOMENT[phase]
            next_label, next_at = label, getattr(jam, attribute)
        else:
            next_label, next_at = ("Results are out" if jam.results_published else "Finished"), None
        entry = entries.get(team.pk) if team else None
        rows.append(MyJam(jam=jam, phase=phase, team=team, entry=entry, next_label=next_label, next_at=next_at))
    return rows


@login_required
def my_jams(request: HttpRequest) -> HttpResponse:
    rows = my_jams_list(user=request.user, now=timezone.now())
    return render(request, "my_jams.html", {"rows": rows})
