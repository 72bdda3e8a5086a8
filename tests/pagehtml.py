"""A page's elements, read with the standard library's HTML parser: each element's tag and
attributes by id, and the text and links inside each element with an id or a data-testid."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Page:
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)  # by id
    texts: dict[str, str] = field(default_factory=dict)  # by id or data-testid
    links: dict[str, list[str]] = field(default_factory=dict)  # hrefs inside, by id or data-testid

    def classes(self, element_id: str) -> list[str]:
        return (self.attrs[element_id].get("class") or "").split()

    def text(self, name: str) -> str:
        return " ".join(self.texts[name].split())


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.open: list[list[str]] = []  # the names of each open element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        names = [n for n in (values.get("id"), values.get("data-testid")) if n]
        if "id" in values:
            self.page.attrs[values["id"]] = values
        if tag == "a" and "href" in values:
            for name in self._inside():
                self.page.links[name].append(values["href"])
        if tag in VOID:
            return
        for name in names:
            self.page.texts.setdefault(name, "")
            self.page.links.setdefault(name, [])
        self.open.append(names)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for name in self._inside():
            self.page.texts[name] += data

    def _inside(self) -> list[str]:
        return [name for names in self.open for name in names]


def read(response) -> Page:
    reader = _Reader()
    reader.feed(response.content.decode())
    return reader.page
