"""Card images for the gallery, made from an entry's project image by a Celery task.

Thumbnails of a submitted entry live in the public storage (STORAGES["public"]): stable,
unsigned URLs with a year-long immutable Cache-Control, so browsers and CDNs keep them.
Their names start with `public/` in the entry's fields. A draft's thumbnails stay in the
private default storage. Every name is new (a random part), so a URL never changes meaning.
"""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from jams.cache import pages_changed

from .models import Entry
from .uploads import MAX_IMAGE_PIXELS, entry_upload_to

logger = logging.getLogger(__name__)

CARD_SIZE = (640, 360)
SMALL_SIZE = (320, 180)
PUBLIC_PREFIX = "public/"


def is_public(name: str) -> bool:
    return name.startswith(PUBLIC_PREFIX)


def _storage_of(name: str) -> tuple[Storage, str]:
    """The storage a thumbnail's name points into, and its name there."""
    if is_public(name):
        return storages["public"], name.removeprefix(PUBLIC_PREFIX)
    return _private_storage(), name


def _private_storage() -> Storage:
    return Entry._meta.get_field("thumbnail_card").storage


def thumbnail_url(name: str) -> str:
    """A public thumbnail's stable URL, or a private one's short presigned URL."""
    storage, inner = _storage_of(name)
    return storage.url(inner)


def _save(entry: Entry, filename: str, data: bytes, *, public: bool) -> str:
    storage, prefix = (storages["public"], PUBLIC_PREFIX) if public else (_private_storage(), "")
    return prefix + storage.save(entry_upload_to(entry, filename), ContentFile(data))


def _read(name: str) -> bytes:
    storage, inner = _storage_of(name)
    with storage.open(inner, "rb") as file:
        return file.read()


def _delete(names: list[str]) -> None:
    for name in names:
        storage, inner = _storage_of(name)
        storage.delete(inner)


def render_thumbnail(image: Image.Image, size: tuple[int, int]) -> bytes:
    """Cover-crop to exactly `size` (no letterboxing), as a JPEG."""
    fitted = ImageOps.fit(image, size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    out = io.BytesIO()
    fitted.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def _open_upright(entry: Entry) -> Image.Image:
    with entry.image.open("rb") as source:
        data = source.read()
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as error:
        # Not worth retrying: uploads are checked, so this file was changed behind our back.
        raise ValueError(f"image of entry {entry.pk} is not a picture") from error
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise ValueError(f"image of entry {entry.pk} has {image.width}x{image.height} pixels")
    if getattr(image, "is_animated", False):
        image.seek(0)
    image = ImageOps.exif_transpose(image)
    return image.convert("RGB")


def entry_thumbnails_make(*, entry_id: int) -> bool:
    """Make the card and small thumbnails of an entry's image, or move them to where the
    entry's state says they belong: public once it is submitted, private while a draft.

    Idempotent: returns False, doing nothing, when the entry is gone, has no image, or
    already has thumbnails of its current image in the right place. Storage errors
    propagate for the task's retries; the previous thumbnails are deleted once the new
    ones are recorded. A recorded change marks the jam's cached pages stale.
    """
    entry = Entry.objects.select_related("jam").filter(pk=entry_id).first()
    if entry is None or not entry.image:
        return False
    public = entry.is_submitted
    old = [f.name for f in (entry.thumbnail_card, entry.thumbnail_small) if f]
    if entry.thumbnails_ready:
        if is_public(entry.thumbnail_card.name) == public:
            return False
        # Published (or withdrawn) as copies under new names: a URL never changes meaning.
        card, small = _read(entry.thumbnail_card.name), _read(entry.thumbnail_small.name)
    else:
        upright = _open_upright(entry)
        card, small = render_thumbnail(upright, CARD_SIZE), render_thumbnail(upright, SMALL_SIZE)
    new = [_save(entry, "thumb-card.jpg", card, public=public), _save(entry, "thumb-small.jpg", small, public=public)]
    with transaction.atomic():
        # Record them only if nothing changed meanwhile: the image, the thumbnails, the state.
        updated = Entry.objects.filter(
            pk=entry_id,
            image=entry.image.name,
            thumbnail_card=entry.thumbnail_card.name,
            state=entry.state,
        ).update(thumbnail_card=new[0], thumbnail_small=new[1], thumbnails_of=entry.image.name)
        if updated:
            pages_changed(jam=entry.jam)  # the gallery's card now has its picture
            if public or entry.share_card:
                _record_share_card(entry)  # its share card shows the thumbnail
    _delete(old if updated else new)
    return bool(updated)


def _record_share_card(entry: Entry) -> None:
    # Imported here: share_cards reads thumbnails with this module's helpers.
    from .share_cards import entry_share_card_record

    entry_share_card_record(entry=entry, force=True)
