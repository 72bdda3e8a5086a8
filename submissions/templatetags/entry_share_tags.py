"""{% entry_share_meta entry %}: a submitted entry's share preview tags, nothing for a draft."""

from __future__ import annotations

from django import template

from submissions.models import Entry
from submissions.share_cards import entry_share_meta as entry_meta

register = template.Library()


@register.inclusion_tag("_share_meta.html")
def entry_share_meta(entry: Entry) -> dict:
    return {"share": entry_meta(entry)}
