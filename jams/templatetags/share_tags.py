"""{% jam_share_meta jam %} and {% jam_results_share_meta jam url %}: a page's share preview
tags (templates/_share_meta.html), for the head's `meta` block."""

from __future__ import annotations

from django import template

from jams.models import Jam
from jams.share_cards import jam_share_meta as jam_meta
from jams.share_cards import results_share_meta

register = template.Library()


@register.inclusion_tag("_share_meta.html")
def jam_share_meta(jam: Jam) -> dict:
    return {"share": jam_meta(jam)}


@register.inclusion_tag("_share_meta.html")
def jam_results_share_meta(jam: Jam, url: str) -> dict:
    return {"share": results_share_meta(jam, url=url)}
