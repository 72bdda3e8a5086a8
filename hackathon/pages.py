"""Pages that show several apps' data, composed above the apps.

jams is the base and never imports the apps built on it (../shared/STYLE.md), so the jam
page, which shows the latest entries (submissions), the prizes, criteria and the judge's
link (judging) beside the jam's own parts, is put together here. Its URL stays
/jams/<slug>/ under the name jams:detail (hackathon/urls.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from jams.cache import SITE, jam_scope, public_page, versions_get, versions_token
from jams.models import Jam
from jams.selectors import jam_get_for_page, signup_for, signup_summary, testimonial_list
from judging.models import Criterion, Prize
from judging.selectors import judge_for
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
