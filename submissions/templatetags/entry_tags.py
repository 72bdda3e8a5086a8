from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from django import template

from submissions.thumbnails import thumbnail_url
from submissions.uploads import display_name

register = template.Library()

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
VIMEO_ID = re.compile(r"^\d{5,12}$")


@register.filter
def video_embed_url(url: str) -> str:
    """The player URL for a YouTube or Vimeo link, or "" for any other link."""
    if not url:
        return ""
    parsed = urlparse(url)
    host = (parsed.hostname or "").removeprefix("www.").removeprefix("m.")
    video_id = ""
    if host == "youtu.be":
        video_id = parsed.path.lstrip("/").split("/")[0]
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if parsed.path == "/watch":
            video_id = parse_qs(parsed.query).get("v", [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = parsed.path.split("/")[2]
    if video_id and YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if host in ("vimeo.com", "player.vimeo.com"):
        vimeo_id = parsed.path.rstrip("/").split("/")[-1]
        if VIMEO_ID.match(vimeo_id):
            return f"https://player.vimeo.com/video/{vimeo_id}"
    return ""


register.filter("file_basename", display_name)


@register.filter
def thumbnail_src(file) -> str:
    """The URL of a thumbnail: stable and cacheable once its entry is submitted."""
    return thumbnail_url(file.name) if file else ""


@register.filter
def slide_page_src(name: str) -> str:
    """The URL of a slide's page image: stable and cacheable once its entry is submitted."""
    return thumbnail_url(name) if name else ""
