"""Share previews: the tags that make a link to a jam unfurl with a title, a description and
a picture in chat apps and social sites, and the jam's card, that picture.

The card is drawn by the worker (an outbox job recorded in the transaction of the change
that affects it: the jam admin's save) and kept in the public storage under a new name
each time, so its URL is stable and cacheable for good. The jam records the card's name
and a fingerprint of what it shows; a job that finds the fingerprint current does
nothing. Until a jam has a card, its pages show the site's default card
(static/img/share-default.png), so og:image is never empty.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from html import unescape

import nh3
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.templatetags.static import static

from outbox.services import outbox_add

from .cache import pages_changed
from .card_drawing import DESIGN, CardContent, render_card, uses_bundled_font
from .markdown import render_markdown
from .models import Jam, public_storage
from .times import format_jam_time

logger = logging.getLogger(__name__)

SITE_NAME = "Alignment Jams"
DEFAULT_CARD = "img/share-default.png"
DESCRIPTION_LENGTH = 200
# A job that lost a race with another write (see _record) reads the row again this often.
ATTEMPTS = 3


# The tags ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareMeta:
    """What a page's OpenGraph and Twitter card tags say (templates/_share_meta.html)."""

    title: str
    description: str
    url: str  # canonical, absolute
    image: str  # absolute
    image_alt: str
    type: str = "website"
    site_name: str = SITE_NAME


def absolute_url(url: str) -> str:
    """A URL as a link shared elsewhere needs it: with the site's scheme and host
    (settings.SITE_URL), unless it has its own (a file on S3)."""
    if url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + "/" + url.lstrip("/")


def plain_text(markdown_text: str) -> str:
    """Markdown as the plain words a reader sees, on one line."""
    text = nh3.clean(str(render_markdown(markdown_text)), tags=set())
    return " ".join(unescape(text).split())


def trimmed(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """At most `limit` characters, cut at a word with an ellipsis if it must be."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-–—") + "…"


def default_card_url() -> str:
    return absolute_url(static(DEFAULT_CARD))


def jam_card_url(jam: Jam) -> str:
    """The jam's card, or the default one until the worker has drawn it."""
    return absolute_url(jam.share_card.url) if jam.share_card else default_card_url()


def jam_description(jam: Jam) -> str:
    return trimmed(jam.tagline or plain_text(jam.description) or f"A hackathon hosted by {jam.host}.")


def jam_share_meta(jam: Jam) -> ShareMeta:
    return ShareMeta(
        title=jam.title,
        description=jam_description(jam),
        url=absolute_url(jam.get_absolute_url()),
        image=jam_card_url(jam),
        image_alt=f"{jam.title}, hosted by {jam.host}",
    )


def results_share_meta(jam: Jam, *, url: str) -> ShareMeta:
    """The results page: the jam's card, and what the page holds."""
    if jam.results_published:
        description = f"The winners of {jam.title}, hosted by {jam.host}."
    else:
        description = f"The results of {jam.title} are not out yet."
    return ShareMeta(
        title=f"Results of {jam.title}",
        description=trimmed(description),
        url=absolute_url(url),
        image=jam_card_url(jam),
        image_alt=f"{jam.title}, hosted by {jam.host}",
    )


# The card ------------------------------------------------------------------------------


def jam_card_content(jam: Jam) -> CardContent:
    return CardContent(
        kicker=SITE_NAME,
        title=jam.title,
        details=(
            # The one format, each with its own offset (a summer-time change may fall between).
            f"Starts {format_jam_time(jam.starts_at, jam)}",
            f"Submissions due {format_jam_time(jam.submission_deadline, jam)}",
        ),
        footer=f"Hosted by {jam.host}",
    )


def fingerprint(content: CardContent, *, picture: str = "") -> str:
    """A hash of everything a card shows (`picture` names the picture's file) and of how
    it is drawn: equal fingerprints, equal cards."""
    shown = [DESIGN, uses_bundled_font(), content.kicker, content.title, content.details, content.footer, picture]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()


def jam_card_fingerprint(jam: Jam) -> str:
    return fingerprint(jam_card_content(jam))


def jam_share_card_due(jam: Jam) -> bool:
    """Whether the jam's card lags what it should show (no I/O)."""
    return not jam.share_card or jam.share_card_of != jam_card_fingerprint(jam)


def jam_share_card_record(*, jam: Jam) -> bool:
    """In the transaction of a change to the jam: record the job that draws its card anew,
    if what the card shows changed. Returns whether it did."""
    if not jam_share_card_due(jam):
        return False
    outbox_add(
        kind="Share card",
        handler="jams.share_cards.jam_share_card_make",
        args={"jam_id": jam.pk},
        jam_id=jam.pk,
        is_email=False,
    )
    return True


def jam_share_card_make(*, jam_id: int) -> bool:
    """Draw the jam's card and record it, unless the recorded one shows the same.

    Idempotent: returns False, doing nothing, when the jam is gone or its card is current.
    A new card gets a new name; the old one is deleted once the new one's record commits,
    and the jam's cached pages are marked stale (their og:image changes). Storage errors
    propagate for the outbox's retries."""
    for _ in range(ATTEMPTS):
        jam = Jam.objects.filter(pk=jam_id).first()
        if jam is None or not jam_share_card_due(jam):
            return False
        unchanged = Q(
            title=jam.title,
            host=jam.host,
            timezone=jam.timezone,
            starts_at=jam.starts_at,
            submission_deadline=jam.submission_deadline,
        )
        card = render_card(jam_card_content(jam))
        if card_record(jam, card=card, fingerprint=jam_card_fingerprint(jam), unchanged=unchanged, jam=jam):
            return True
    raise RuntimeError(f"Jam {jam_id} kept changing while its share card was drawn.")


def card_record(row, *, card: bytes | None, fingerprint: str | None, unchanged: Q, jam: Jam) -> bool:
    """Store a row's new card (a jam's or an entry's; None drops its card) and record it
    with its fingerprint, if neither what it shows (`unchanged`) nor the row's card changed
    since the row was read. Returns whether it did; if not, the new file is deleted and
    the caller reads the row again. The old card is deleted once the record commits, and
    the jam's cached pages are marked stale, since they name the card."""
    name = None
    if card is not None:
        field = type(row)._meta.get_field("share_card")
        name = public_storage().save(field.generate_filename(row, "share-card.png"), ContentFile(card))
    old = row.share_card.name if row.share_card else None
    same_card = Q(share_card=old) if old else Q(share_card__isnull=True) | Q(share_card="")
    with transaction.atomic():
        rows = type(row).objects.filter(unchanged, same_card, pk=row.pk)
        updated = rows.update(share_card=name, share_card_of=fingerprint)
        if updated:
            pages_changed(jam=jam)
            if old:
                transaction.on_commit(lambda: delete_quietly(old))
    if not updated and name:
        delete_quietly(name)
    return bool(updated)


def delete_quietly(name: str) -> None:
    """Delete a card that no page names any more; a failure only leaves a file behind."""
    try:
        public_storage().delete(name)
    except Exception as error:  # noqa: BLE001 - the new card is recorded; this is tidying
        logger.warning("Could not delete the share card %s: %s", name, error)
