"""The Content-Security-Policy (django-csp), with the file store's origin added.

The policy itself is in settings (CONTENT_SECURITY_POLICY): our own scripts and styles
only, no inline ones, frames only from the YouTube and Vimeo players. Images and the
browser's direct uploads also come from, and go to, the S3 store, whose origin depends on
the storage settings in force: this middleware adds it to `img-src` and `connect-src`.
The policy is the same for every visitor (no nonces), so a cached page keeps its header.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.files.storage import storages
from storages.backends.s3 import S3Storage


def storage_origins() -> list[str]:
    """Where the browser fetches stored files from and posts direct uploads to."""
    origins: list[str] = []
    for alias in ("default", "public"):
        if alias not in settings.STORAGES:
            continue
        storage = storages[alias]
        if not isinstance(storage, S3Storage):
            continue
        if storage.custom_domain:
            origins.append(f"{storage.url_protocol}//{storage.custom_domain}")
            continue
        if storage.endpoint_url:
            endpoint = urlsplit(storage.endpoint_url)
            origins.append(f"{endpoint.scheme}://{endpoint.netloc}")
            origins.append(f"{endpoint.scheme}://{storage.bucket_name}.{endpoint.netloc}")  # virtual-host style
        else:
            region = f".{storage.region_name}" if storage.region_name else ""
            origins.append(f"https://{storage.bucket_name}.s3{region}.amazonaws.com")
            origins.append(f"https://{storage.bucket_name}.s3.amazonaws.com")
    return list(dict.fromkeys(origins))


class StorageAwareCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origins = storage_origins()
        if origins:
            update = dict(parts.update or {})
            for directive in ("img-src", "connect-src"):
                update[directive] = [*update.get(directive, ()), *origins]
            parts.update = update
        return parts
