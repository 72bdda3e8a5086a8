"""Uploads straight from the browser to S3, when the default storage is S3.

The flow (the contract is written out in `views.entry_upload_presign`):

1. the browser asks our server for a presigned POST; the server picks the key, under the
   team's own prefix `uploads/teams/<team id>/` (a team has exactly one entry per jam, so
   this is the entry's prefix too, and it exists before the entry's first save);
2. the browser POSTs the file to S3 itself: no web worker is held during the transfer;
3. the entry form sends back only the key; `upload_check` accepts it only under that
   prefix, checks the size with a HEAD request and the content with ranged GETs (today's
   checks in uploads.py), and deletes the object if it fails them;
4. the entry service attaches the key to the FileField without copying the bytes through
   us (`upload_attach`), after setting the object's Content-Type to the detected type.

Why the type is set after the checks rather than pinned in the policy: when the browser
asks for the POST, all we know is the name it gives, which is the uploader's word. So the
policy pins `application/octet-stream` (S3 refuses any other, and browsers never render
it), and once the content is checked a copy of the object onto itself (inside S3) gives it
the detected type, `Content-Disposition: attachment` unless it is a picture, and the
storage's Cache-Control. Downloads name the type again (`download_parameters`).

Objects uploaded but never attached are deleted after 24 h by `uploads_purge_unattached`.
These helpers assume the default storage's `location` is empty, so a file's name is its
key (as in hackathon/settings.py). Every S3 call here goes through `s3_client`, the one
thread-safe boto3 client of the process, never django-storages' per-thread connection.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db.models import Q
from django.utils import timezone

from hackathon.storage import s3_client

from .models import Entry
from .uploads import MAX_UPLOAD_BYTES, Detected, safe_name, too_large_message, validate_image, validate_slides

logger = logging.getLogger(__name__)

UPLOADS_PREFIX = "uploads/"
PRESIGN_EXPIRES_SECONDS = 600
# The type the browser must send. The server never trusts it: after the checks the object
# gets the type found in its content (upload_attach).
UPLOAD_CONTENT_TYPE = "application/octet-stream"
# A key may be attached only this long after its upload; the purge deletes unattached
# objects only after 24 h, so the two never race over the same object.
ATTACH_WITHIN = timedelta(hours=12)
PURGE_AFTER = timedelta(hours=24)
# Ranged reads of 1 MB at most: a check holds about that much of an object in memory.
READ_CHUNK = 1024 * 1024

KEY_PATTERN = re.compile(r"^uploads/teams/(?P<team>\d+)/[0-9a-f]{16}-[A-Za-z0-9._-]{1,100}$")
LABELS = {"slides": "Slides", "image": "The project image"}
NAMES = {"slides": "slides", "image": "project image"}
STORAGE_ERRORS = (BotoCoreError, ClientError, OSError)
# The code of a refusal that is S3's fault, not the file's: the entry form answers 503.
STORAGE_UNAVAILABLE = "storage_unavailable"


def entry_storage() -> Storage:
    return Entry._meta.get_field("slides").storage


def direct_upload_enabled(storage: Storage | None = None) -> bool:
    from hackathon.storage import S3Storage

    return isinstance(storage or entry_storage(), S3Storage)


def team_upload_prefix(team_id: int) -> str:
    return f"{UPLOADS_PREFIX}teams/{team_id}/"


def upload_key_new(*, team_id: int, filename: str) -> str:
    """uploads/teams/<team id>/<16 hex>-<safe name>: unguessable, never overwriting."""
    return f"{team_upload_prefix(team_id)}{secrets.token_hex(8)}-{safe_name(filename)[:100]}"


def upload_presign(*, storage: Storage, team_id: int, filename: str) -> dict:
    """A presigned POST for one new object under the team's prefix: {url, fields, key}.

    The policy pins the exact key, a fixed Content-Type and a size of 1 byte to 10 MiB,
    and expires in 10 minutes. (S3 enforces the policy; moto does not, so `upload_check`
    checks the size again.)"""
    key = upload_key_new(team_id=team_id, filename=filename)
    post = s3_client(storage).generate_presigned_post(
        Bucket=storage.bucket_name,
        Key=key,
        Fields={"Content-Type": UPLOAD_CONTENT_TYPE},
        Conditions=[{"Content-Type": UPLOAD_CONTENT_TYPE}, ["content-length-range", 1, MAX_UPLOAD_BYTES]],
        ExpiresIn=PRESIGN_EXPIRES_SECONDS,
    )
    return {"url": post["url"], "fields": post["fields"], "key": key}


# Checking an uploaded object ---------------------------------------------------------------


@dataclass(frozen=True)
class UploadedKey:
    """An object uploaded straight to S3 that passed the checks, ready to attach."""

    key: str
    detected: Detected
    size: int


class S3RangeReader(io.RawIOBase):
    """A seekable, read-only view of one S3 object that fetches only the ranges read.

    The content checks read a zip's central directory at its end, a PDF front to back
    in 1 MB pieces (the script scan) or a PNG chunk by chunk, each with a ranged GET;
    the object is never held whole."""

    def __init__(self, *, client, bucket: str, key: str, size: int):
        super().__init__()
        self.client, self.bucket, self.key, self.size = client, bucket, key, size
        self.name = key
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer) -> int:
        if self.position >= self.size or not len(buffer):
            return 0
        end = min(self.position + len(buffer), self.position + READ_CHUNK, self.size) - 1
        response = self.client.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={self.position}-{end}")
        data = response["Body"].read()
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


class _CheckedFile(io.BufferedReader):
    """What uploads.validate_* expect of a file: read/seek plus `size` and `name`."""

    def __init__(self, raw: S3RangeReader):
        super().__init__(raw, buffer_size=64 * 1024)
        self.size = raw.size


def upload_check(*, storage: Storage, key: str, team_id: int, field: str, now: datetime | None = None) -> UploadedKey:
    """Accept an uploaded object for the team's entry, or raise ValidationError.

    Refuses keys outside the team's prefix (another team's too) and keys already attached
    to an entry, without touching their objects. Then checks the object that is ours:
    missing or too old to attach, empty or over 10 MiB (HEAD), and its content (ranged
    GETs, today's checks); a failed object is deleted. One that could not be checked
    because S3 failed (refused, hung past the client's time-outs) is left to the purge:
    deleting it would wait on the same failing S3, past the request's time budget."""
    _check_key_owner(key, team_id)
    if Entry.objects.filter(Q(slides=key) | Q(image=key)).exists():
        raise ValidationError(REUSED_MESSAGE, code="upload_reused")
    head = _head(storage, key, field)
    size = head["ContentLength"]
    try:
        if head["LastModified"] < (now or timezone.now()) - ATTACH_WITHIN:
            raise ValidationError(
                f"Your {NAMES[field]} upload is too old to attach. Please pick the file again.", code="upload_expired"
            )
        if size <= 0:
            raise ValidationError(f"Your {NAMES[field]} file is empty. Please pick another.", code="file_empty")
        detected = _check_content(storage, key, size, field)
    except ValidationError as error:
        if error.code != STORAGE_UNAVAILABLE:
            upload_delete(storage=storage, key=key)
        raise
    return UploadedKey(key=key, detected=detected, size=size)


REUSED_MESSAGE = "This upload is already attached to an entry. Please pick the file again to upload a new copy."


def _check_key_owner(key: str, team_id: int) -> None:
    match = KEY_PATTERN.match(key)
    if match is None:
        raise ValidationError(
            "This isn't a file uploaded for your entry. Please pick the file again.", code="upload_not_yours"
        )
    if int(match["team"]) != team_id:
        raise ValidationError(
            "This file was uploaded by another team, so it can't be attached to your entry. "
            "Please pick your own file again.",
            code="upload_other_team",
        )


def _head(storage: Storage, key: str, field: str) -> dict:
    try:
        return s3_client(storage).head_object(Bucket=storage.bucket_name, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise ValidationError(
                f"We can't find your uploaded {NAMES[field]}: the upload may have failed or expired. "
                "Please pick the file again.",
                code="upload_missing",
            ) from None
        raise _storage_trouble(field, error) from None
    except STORAGE_ERRORS as error:
        raise _storage_trouble(field, error) from None


def _storage_trouble(field: str, error: Exception) -> ValidationError:
    logger.warning("Checking an uploaded %s failed: %s", field, error)
    return ValidationError(
        f"We couldn't check your uploaded {NAMES[field]} just now. Please try again in a minute.",
        code=STORAGE_UNAVAILABLE,
    )


def _check_content(storage: Storage, key: str, size: int, field: str) -> Detected:
    if size > MAX_UPLOAD_BYTES:
        # Said before any GET: an oversized object is never read.
        raise ValidationError(too_large_message(label=LABELS[field], size=size), code="file_too_large")
    raw = S3RangeReader(client=s3_client(storage), bucket=storage.bucket_name, key=key, size=size)
    try:
        with _CheckedFile(raw) as file:
            # Images get the full validate_image, verify() included. The type, the pixel
            # count and the bomb guard need only the header, but verify() is what refuses a
            # truncated or corrupt PNG (it reads every chunk; for JPEG, WebP and GIF it
            # reads little more). Without it such a file would pass here and fail later in
            # the thumbnail worker, leaving "Preparing the image…" for good. The object is
            # at most 10 MiB (checked above) and read in ranges of at most 1 MB, so this
            # holds about 1 MB in memory, never the file (a PDF's script scan too).
            return validate_slides(file) if field == "slides" else validate_image(file)
    except STORAGE_ERRORS as error:
        raise _storage_trouble(field, error) from None


# Attaching, deleting, purging ----------------------------------------------------------------


def upload_attach(*, storage: Storage, uploaded: UploadedKey) -> None:
    """Give the object the content type found by the checks, never the browser's, with
    what the storage stores every object with (storage.write_parameters: attachment
    unless a picture, Cache-Control, ACL).

    A copy of the object onto itself with new metadata: S3 does it server-side, so the
    bytes never pass through us. Storage errors propagate."""
    s3_client(storage).copy_object(
        Bucket=storage.bucket_name,
        Key=uploaded.key,
        CopySource={"Bucket": storage.bucket_name, "Key": uploaded.key},
        MetadataDirective="REPLACE",
        **storage.write_parameters(uploaded.key, content_type=uploaded.detected.content_type),
    )


def uploads_delete_unattached(*, storage: Storage, keys: list[str]) -> None:
    """Delete these uploads, except any an entry holds by now (a racing save's)."""
    held = Entry.objects.filter(Q(slides__in=keys) | Q(image__in=keys)).values_list("slides", "image")
    attached = {name for pair in held for name in pair}
    for key in keys:
        if key not in attached:
            upload_delete(storage=storage, key=key)


def upload_delete(*, storage: Storage, key: str) -> None:
    try:
        storage.delete(key)
    except Exception as error:  # noqa: BLE001 - the purge removes it later
        logger.warning("Could not delete the upload %s: %s", key, error)


def uploads_purge_unattached(
    *, older_than: timedelta = PURGE_AFTER, now: datetime | None = None, storage: Storage | None = None
) -> list[str]:
    """Delete objects under uploads/ older than `older_than` that no entry has attached.

    Returns the deleted keys; does nothing when the storage is not S3."""
    storage = storage or entry_storage()
    if not direct_upload_enabled(storage):
        return []
    cutoff = (now or timezone.now()) - older_than
    client = s3_client(storage)
    deleted: list[str] = []
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket_name, Prefix=UPLOADS_PREFIX)
    for page in pages:
        old = [item["Key"] for item in page.get("Contents", []) if item["LastModified"] < cutoff]
        if not old:
            continue
        attached = set()
        for slides, image in Entry.objects.filter(Q(slides__in=old) | Q(image__in=old)).values_list("slides", "image"):
            attached.update((slides, image))
        doomed = [key for key in old if key not in attached]
        if doomed:
            client.delete_objects(
                Bucket=storage.bucket_name, Delete={"Objects": [{"Key": key} for key in doomed], "Quiet": True}
            )
            deleted.extend(doomed)
    if deleted:
        logger.info("Deleted %d uploads never attached to an entry.", len(deleted))
    return deleted
