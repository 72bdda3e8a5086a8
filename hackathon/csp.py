"""The Content-Security-Policy (django-csp), with the file store's origin added.

The policy itself is in settings (CONTENT_SECURITY_POLICY): our own scripts and styles
only, no inline ones, frames only from the YouTube and Vimeo players. Images and the
browser's direct uploads also come from, and go to, the S3 store, whose origin depends on
the storage settings in force: this middleware adds it to `img-src` and `connect-src`.
The policy is the same for every visitor (no nonces), so a cached page keeps its header.
"""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlsplit

from csp.constants import HEADER
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
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


# The header, built once: the policy is the same for every response unless a view asks for
# its own (django-csp's decorators) or uses a nonce. Built again when settings change.
_header: str | None = None


@receiver(setting_changed)
def _header_reset(**kwargs) -> None:
    global _header
    _header = None


_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


class StorageAwareCSPMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        global _header
        if getattr(request, "_csp_nonce", None) or any(hasattr(response, name) for name in _PER_RESPONSE):
            return super().process_response(request, response)
        if _header is None:
            _header = build_policy(**asdict(self.get_policy_parts(request, response)))
        if HEADER not in response and _header:
            response[HEADER] = _header
        return response

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origins = storage_origins()
        if origins:
            update = dict(parts.update or {})
            for directive in ("img-src", "connect-src"):
                update[directive] = [*update.get(directive, ()), *origins]
            parts.update = update
        return parts
