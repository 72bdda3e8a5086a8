"""An entry's share preview: its page's OpenGraph and Twitter card tags, and its card, a
1200 x 630 picture with the entry's title, its team and its thumbnail.

As for a jam (jams/share_cards.py, which draws and records both): the worker draws it,
in the public storage under a new name each time, recorded on the entry with the
fingerprint of what it shows. The job is recorded when the entry is saved, when its
thumbnails are made (thumbnails.py) and when an organizer changes its state, title or
team name. Drafts never get a card: a submitted entry moved back to a draft loses its
card, and its page no tags.
"""

from __future__ import annotations

import io

from django.db.models import Q
from PIL import Image

from jams.card_drawing import CardContent, render_card
from jams.share_cards import (
    ATTEMPTS,
    SITE_NAME,
    ShareMeta,
    absolute_url,
    card_record,
    fingerprint,
    jam_card_url,
    plain_text,
    trimmed,
)
from outbox.services import outbox_add

from .models import Entry
from .thumbnails import _read, is_public


def entry_share_meta(entry: Entry) -> ShareMeta | None:
    """The tags of a submitted entry's page; None for a draft. Until the entry has a card
    its jam's stands in (or the site's default)."""
    if not entry.is_submitted:
        return None
    title = entry.title or "Untitled entry"
    return ShareMeta(
        title=title,
        description=trimmed(plain_text(entry.abstract) or f"An entry to {entry.jam.title} by {entry.team.name}."),
        url=absolute_url(entry.get_absolute_url()),
        image=absolute_url(entry.share_card.url) if entry.share_card else jam_card_url(entry.jam),
        image_alt=f"{title}, by {entry.team.name}",
        type="article",
    )


def _picture_name(entry: Entry) -> str:
    """The thumbnail the card shows: the public one of the entry's current image, if made."""
    ready = entry.thumbnails_ready and is_public(entry.thumbnail_card.name)
    return entry.thumbnail_card.name if ready else ""


def entry_card_content(entry: Entry, picture: Image.Image | None = None) -> CardContent:
    return CardContent(
        kicker=SITE_NAME,
        title=entry.title or "Untitled entry",
        details=(f"by {entry.team.name}",),
        picture=picture,
    )


def entry_card_fingerprint(entry: Entry) -> str:
    return fingerprint(entry_card_content(entry), picture=_picture_name(entry))


def entry_share_card_due(entry: Entry) -> bool:
    """Whether the entry's card lags what it should show: a submitted entry's title, team
    name or thumbnail changed, or a draft still has one (no I/O; reads the team)."""
    if not entry.is_submitted:
        return bool(entry.share_card)
    return not entry.share_card or entry.share_card_of != entry_card_fingerprint(entry)


def entry_share_card_record(*, entry: Entry, force: bool = False) -> bool:
    """In the transaction of a change to the entry: record the job that draws its card
    anew, if what the card shows changed (always with `force`). Returns whether it did."""
    if not (force or entry_share_card_due(entry)):
        return False
    outbox_add(
        kind="Share card",
        handler="submissions.share_cards.entry_share_card_make",
        args={"entry_id": entry.pk},
        jam_id=entry.jam_id,
        is_email=False,
    )
    return True


def entry_share_card_make(*, entry_id: int) -> bool:
    """Draw a submitted entry's card and record it, unless the recorded one shows the
    same; drop a draft's card.

    Idempotent: returns False, doing nothing, when the entry is gone or its card is
    current. The old card is deleted once the new record commits, and the jam's cached
    pages are marked stale. Storage errors propagate for the outbox's retries."""
    for _ in range(ATTEMPTS):
        entry = Entry.objects.select_related("jam", "team").filter(pk=entry_id).first()
        if entry is None or not entry_share_card_due(entry):
            return False
        picture = _picture_name(entry)
        unchanged = Q(
            title=entry.title,
            team__name=entry.team.name,
            state=entry.state,
            thumbnail_card=entry.thumbnail_card.name or "",
            thumbnails_of=entry.thumbnails_of,
        )
        if entry.is_submitted:
            card, mark = _render(entry, picture), entry_card_fingerprint(entry)
        else:
            card = mark = None
        if card_record(entry, card=card, fingerprint=mark, unchanged=unchanged, jam=entry.jam):
            return True
    raise RuntimeError(f"Entry {entry_id} kept changing while its share card was drawn.")


def _render(entry: Entry, picture_name: str) -> bytes:
    picture = None
    if picture_name:
        picture = Image.open(io.BytesIO(_read(picture_name)))
        picture.load()
    return render_card(entry_card_content(entry, picture))
