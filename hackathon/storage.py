"""S3 storage (STORAGES["default"] and ["public"] when a bucket is named): django-storages'
S3Storage, with its hot calls on ONE boto3 client per process.

django-storages keeps a boto3 session and resource per thread (a threading.local in
`S3Storage.connection`), about 14 MB each, made on each thread's first S3 call: with
gunicorn's workers x threads that is hundreds of MB the first time every thread touches
S3 (the upload surge of `make bench`). boto3 clients are thread-safe, sessions and
resources are not, so `s3_client` makes one client per process per storage configuration
and every thread shares it. The direct uploads (presign, HEAD, ranged GET, copy, delete,
the purge's list) and this class's `url`, `delete`, `exists` and `size` go through it;
reading and writing files (`open`, `save`) stay on django-storages' own API.

A public storage (querystring_auth off) builds its URLs as plain strings: django-storages
would make a per-thread unsigned session just to print `endpoint/bucket/key`.

What an object is stored and served as never comes from its uploader. Every name we store
ends with an extension our code chose from the file's content (uploads.Detected for
slides and images, thumbnails and slide pages are JPEGs), so the type comes from the name
through a fixed table of safe types (`content_type_for`): anything else is
application/octet-stream, never the Content-Type the browser declared (django-storages
would store that). Anything that is not a picture is also stored with
`Content-Disposition: attachment`.

Every S3 call has bounded time-outs and retries (`connect_timeout`, `read_timeout`,
`max_attempts`), well under gunicorn's 30 s worker time-out, so a hung S3 fails the
request in seconds (the entry form answers 503 and keeps what was typed) instead of
holding the worker until it is killed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

import boto3
import botocore.session
from botocore import UNSIGNED
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.loaders import Loader, create_loader
from storages.backends.s3 import S3Storage as BaseS3Storage
from storages.backends.s3 import _filter_download_params
from storages.utils import clean_name

# Time-outs and retries of every S3 call (both django-storages' and the shared client's):
# a call that gets no answer fails after at most MAX_ATTEMPTS x (CONNECT or READ) seconds
# plus one short back-off, 20 s by default: under gunicorn's 30 s worker time-out.
S3_CONNECT_TIMEOUT = 3
S3_READ_TIMEOUT = 10
S3_MAX_ATTEMPTS = 2

# The types we store and serve, by the extension our code gave the name.
SAFE_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".key": "application/vnd.apple.keynote",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"
# Shown in the page (img tags, a click on the project image); everything else downloads.
INLINE_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def content_type_for(name: str) -> str:
    """The type an object of this name is stored and served as: from the fixed table,
    else application/octet-stream. Never text/html, SVG or anything a browser runs."""
    return SAFE_CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), FALLBACK_CONTENT_TYPE)


def download_parameters(name: str, *, content_type: str | None = None, disposition: str | None = None) -> dict:
    """get_object's response overrides for a presigned download: the safe type, and
    `attachment` for anything that is not a picture (or the given disposition, such as
    `attachment; filename="deck.pdf"`). S3 answers with these whatever the object's own
    metadata says."""
    content_type = content_type or content_type_for(name)
    parameters = {"ResponseContentType": content_type}
    if disposition or content_type not in INLINE_CONTENT_TYPES:
        parameters["ResponseContentDisposition"] = disposition or "attachment"
    return parameters


_clients: dict[tuple, BaseClient] = {}
_clients_lock = threading.Lock()
# botocore's data files, parsed (endpoints.json for every AWS service, the S3 model and
# its endpoint rules: about 11 MB of dicts), shared by every session this process makes.
# Read-only once loaded. `botocore_preload` fills it in gunicorn's master, so the workers
# share one copy (copy-on-write) instead of each parsing its own on its first S3 call.
_loader: Loader | None = None


def _forget_clients() -> None:
    # A forked child (gunicorn with preload_app, Celery's prefork pool) must not share the
    # parent's client: its connection pool holds the parent's sockets.
    # (The data loader is kept: it holds no connection.)
    global _clients_lock
    _clients.clear()
    _clients_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_clients)


def s3_client(storage: BaseS3Storage) -> BaseClient:
    """The process's boto3 S3 client for this storage's settings (endpoint, region, keys,
    signature version, addressing style, ...), made on first use.

    Thread-safe: a boto3 client may be used from many threads at once (its connection
    pool holds `max_pool_connections`, 10 by default, more than gunicorn's threads per
    worker); only making it (a boto3 Session, which is not thread-safe) is done under a
    lock, once. Never use the storage's `connection` (a resource) across threads."""
    key = _client_key(storage)
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _session(storage).client(
                    "s3",
                    region_name=storage.region_name,
                    use_ssl=storage.use_ssl,
                    endpoint_url=storage.endpoint_url,
                    config=storage.client_config,
                    verify=storage.verify,
                )
    return client


def _session(storage: BaseS3Storage) -> boto3.session.Session:
    """A boto3 session with the storage's credentials (as django-storages makes it), on
    the process's shared data loader. Called under the lock."""
    core = _core_session()
    if storage.session_profile:
        return boto3.session.Session(profile_name=storage.session_profile, botocore_session=core)
    return boto3.session.Session(
        aws_access_key_id=storage.access_key,
        aws_secret_access_key=storage.secret_key,
        aws_session_token=storage.security_token,
        botocore_session=core,
    )


def _core_session() -> botocore.session.Session:
    global _loader
    if _loader is None:
        _loader = create_loader()
    core = botocore.session.Session()
    core.register_component("data_loader", _loader)
    return core


def botocore_preload() -> None:
    """Parse botocore's data for S3 clients into the shared loader now: called in
    gunicorn's master before it forks the workers (gunicorn.conf.py), without Django's
    settings. The client made for it is unsigned (no credentials looked up) and thrown
    away; it never opens a connection."""
    with _clients_lock:
        _core_session().create_client("s3", region_name="us-east-1", config=Config(signature_version=UNSIGNED))


def _client_key(storage: BaseS3Storage) -> tuple:
    """What makes two storages' clients interchangeable: the default and the public
    storage differ only in location, ACL and URLs, so they share one client."""
    config = storage.client_config
    return (
        storage.endpoint_url,
        storage.region_name,
        storage.use_ssl,
        str(storage.verify),
        storage.access_key,
        storage.secret_key,
        storage.security_token,
        storage.session_profile,
        # botocore's Config has no __eq__; its options (signature version, addressing
        # style, proxies, timeouts, ...) are plain values.
        repr(sorted(vars(config).items())) if config is not None else None,
    )


# A bucket name usable as a host name label (what botocore requires for virtual hosting).
_DNS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


class S3Storage(BaseS3Storage):
    """django-storages' S3Storage, sharing one client per process (`s3_client`), with
    bounded time-outs and the stored type taken from the name (`content_type_for`)."""

    def __init__(self, **settings):
        super().__init__(**settings)
        # Merged into whatever client_config there is: django-storages' default one (the
        # addressing style and signature version of the options) or one given.
        self.client_config = self.client_config.merge(
            Config(
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                retries={"total_max_attempts": self.max_attempts, "mode": "standard"},
            )
        )

    def get_default_settings(self):
        return {
            **super().get_default_settings(),
            "connect_timeout": S3_CONNECT_TIMEOUT,
            "read_timeout": S3_READ_TIMEOUT,
            "max_attempts": S3_MAX_ATTEMPTS,
        }

    def write_parameters(self, name: str, content_type: str | None = None) -> dict:
        """What an object is stored with: the storage's object_parameters, its ACL, the
        safe type of its name (or the given one, detected from the content) and
        `Content-Disposition: attachment` unless it is a picture. A private storage's
        objects (presigned URLs) are `Cache-Control: private`: no shared cache (a CDN, a
        proxy) keeps a draft's file, and a browser keeps it as long as its URL lives."""
        content_type = content_type or content_type_for(name)
        parameters = {**self.get_object_parameters(name), "ContentType": content_type}
        if self.querystring_auth:
            parameters.setdefault("CacheControl", f"private, max-age={self.querystring_expire}")
        if content_type not in INLINE_CONTENT_TYPES:
            parameters.setdefault("ContentDisposition", "attachment")
        if self.default_acl:
            parameters.setdefault("ACL", self.default_acl)
        return parameters

    def _get_write_parameters(self, name, content=None):
        # django-storages would store `content.content_type`: for an upload, the type the
        # browser declared (text/html, image/svg+xml, ...). Never that, nor a ContentEncoding
        # guessed from the name.
        return self.write_parameters(name)

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def url(self, name, parameters=None, expire=None, http_method=None):
        if self.custom_domain:
            # Already a plain string in django-storages (or a CloudFront signature).
            return super().url(name, parameters, expire, http_method)
        key = self._key(name)
        if not self.querystring_auth:
            url = None if parameters or http_method else self._plain_url(key)
            return url or super().url(name, parameters, expire, http_method)
        return s3_client(self).generate_presigned_url(
            "get_object",
            Params={**(parameters or {}), "Bucket": self.bucket_name, "Key": key},
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )

    def _plain_url(self, key: str) -> str | None:
        """The unsigned URL botocore would give this key, without botocore: path style
        `<endpoint>/<bucket>/<key>` or virtual-host style `<bucket>.<endpoint host>/<key>`
        (on AWS itself, the region's s3 endpoint). None for what this does not model
        (automatic addressing style, a region left to boto3, a bucket name that is not a
        host name, dual-stack, FIPS or accelerated endpoints), left to django-storages."""
        config = self.client_config
        s3_options = (config.s3 if config else None) or {}
        if config and (config.use_dualstack_endpoint or config.use_fips_endpoint):
            return None
        if s3_options.get("use_accelerate_endpoint"):
            return None
        style = s3_options.get("addressing_style")
        quoted = quote(key, safe="/~")  # as botocore quotes a key in the path
        if self.endpoint_url:
            parts = urlsplit(self.endpoint_url)
            scheme, host, path = parts.scheme, parts.netloc, parts.path.rstrip("/")
        elif self.region_name:
            scheme, path = ("https" if self.use_ssl else "http"), ""
            host = "s3.amazonaws.com" if self.region_name == "us-east-1" else f"s3.{self.region_name}.amazonaws.com"
        else:
            return None
        if style == "path":
            return f"{scheme}://{host}{path}/{quote(self.bucket_name)}/{quoted}"
        if style == "virtual" and _DNS_BUCKET.match(self.bucket_name) and not _is_ip(_hostname(host)):
            return f"{scheme}://{self.bucket_name}.{host}{path}/{quoted}"
        return None

    def delete(self, name):
        try:
            s3_client(self).delete_object(Bucket=self.bucket_name, Key=self._key(name))
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] != 404:
                raise

    def exists(self, name):
        key = self._key(name)
        params = _filter_download_params(self.get_object_parameters(key))
        try:
            s3_client(self).head_object(Bucket=self.bucket_name, Key=key, **params)
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return False
            raise
        return True

    def size(self, name):
        key = self._key(name)
        try:
            return s3_client(self).head_object(Bucket=self.bucket_name, Key=key)["ContentLength"]
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {key}") from None
            raise


def _hostname(netloc: str) -> str:
    return urlsplit(f"//{netloc}").hostname or ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
