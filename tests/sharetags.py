"""A page's share preview tags, read from its <head> with the standard library's parser."""

from __future__ import annotations

from html.parser import HTMLParser


class _HeadReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, list[str]] = {}
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False
        elif self.in_head and tag == "meta" and ("property" in values or "name" in values):
            key = values.get("property") or values["name"]
            self.tags.setdefault(key, []).append(values.get("content", ""))
        elif self.in_head and tag == "link" and values.get("rel") == "canonical":
            self.tags.setdefault("canonical", []).append(values.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def share_tags(response) -> dict[str, str]:
    """{"og:title": ..., "twitter:card": ..., "canonical": ...}: each tag in the head once
    (a tag given twice fails here, since a page must say one thing)."""
    reader = _HeadReader()
    reader.feed(response.content.decode())
    twice = {key: values for key, values in reader.tags.items() if len(values) > 1}
    assert twice == {}, f"tags given more than once: {twice}"
    return {key: values[0] for key, values in reader.tags.items()}


SHARE_KEYS = {
    "canonical",
    "description",
    "og:type",
    "og:site_name",
    "og:title",
    "og:description",
    "og:url",
    "og:image",
    "og:image:width",
    "og:image:height",
    "og:image:alt",
    "twitter:card",
}
