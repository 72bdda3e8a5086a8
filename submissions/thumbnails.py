"""Card images for the gallery, made from an entry's project image by a Celery task."""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from jams.cache import pages_changed

from .models import Entry
from .uploads import MAX_IMAGE_PIXELS

logger = logging.getLogger(__name__)

CARD_SIZE = (640, 360)
SMALL_SIZE = (320, 180)


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
    """Make the card and small thumbnails of an entry's image, through the storage API.

    Idempotent: returns False, doing nothing, when the entry is gone, has no image, or
    already has thumbnails of its current image. Storage errors propagate for the task's
    retries; the previous thumbnails are deleted once the new ones are recorded.
    """
    entry = Entry.objects.select_related("jam").filter(pk=entry_id).first()
    if entry is None or not entry.image or entry.thumbnails_ready:
        return False
    image_name = entry.image.name
    upright = _open_upright(entry)
    card = render_thumbnail(upright, CARD_SIZE)
    small = render_thumbnail(upright, SMALL_SIZE)
    old = [f.name for f in (entry.thumbnail_card, entry.thumbnail_small) if f]
    storage = entry.thumbnail_card.storage
    entry.thumbnail_card.save("thumb-card.jpg", ContentFile(card), save=False)
    entry.thumbnail_small.save("thumb-small.jpg", ContentFile(small), save=False)
    new = [entry.thumbnail_card.name, entry.thumbnail_small.name]
    with transaction.atomic():
        # Record them only if the image is still the one they were made from.
        updated = Entry.objects.filter(pk=entry_id, image=image_name).update(
            thumbnail_card=new[0], thumbnail_small=new[1], thumbnails_of=image_name
        )
        if updated:
            pages_changed(jam=entry.jam)  # the gallery's card now has its picture
    for name in old if updated else new:
        storage.delete(name)
    return bool(updated)
