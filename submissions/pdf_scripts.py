"""Whether a PDF carries JavaScript or actions that run things: a bounded scan of its bytes.

Refused: the names /JS and /JavaScript (a script, or the document's scripts), /AA (actions
run on opening a page, focusing a field, closing the document, ...) and /Launch (starting
another program). /OpenAction alone is common (open at page 1, fit to the window) and
only runs a script through /JS, which is found.

Not a PDF parser: it looks for those names where dictionaries are, outside stream data
(skipped by their /Length, or up to `endstream`), in either spelling a name may have
(`/J#53` is `/JS`), and inside compressed object streams (/Type /ObjStm, where modern
writers put dictionaries, the catalog's /OpenAction included), inflated in pieces with a
cap. An object stream it cannot read (another filter, encryption, damage) is refused
too: it could hide a script. The file is read once, front to back, in 1 MB pieces, so it
is never held whole (on S3, one ranged GET per piece).

What keeps a PDF harmless even if a crafted one got past this: slides are only ever
served as attachments with their detected type (and `nosniff` from our own server), and
our page images are rendered by PDFium, which runs no JavaScript.
"""

from __future__ import annotations

import re
import zlib
from typing import BinaryIO

CHUNK = 1024 * 1024
# How much of what comes before a stream is its dictionary, at most; also the overlap
# kept between pieces, so a name or keyword cut by a piece's end is seen whole.
LOOKBACK = 4096
MIN_AHEAD = 8192
# Object streams hold dictionaries only: a few hundred KB in a real file. More is a bomb.
MAX_INFLATED = 50 * 1024 * 1024
INFLATE_PIECE = 64 * 1024

FORBIDDEN = ("JavaScript", "JS", "AA", "Launch")
SCRIPTS_MESSAGE = (
    "These slides are a PDF with JavaScript or automatic actions in it ({name}), which slides "
    "may not have. Export or print your slides to a new PDF and upload that file."
)
UNREADABLE_MESSAGE = (
    "We couldn't check this PDF for scripts: part of it is packed in a way we don't read, or "
    "encrypted. Export or print your slides to a new PDF and upload that file."
)


class PdfRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _name_pattern(name: str) -> bytes:
    """A PDF name in any spelling: each character itself or #xx, any case of hex."""
    parts = []
    for char in name:
        hex_digits = "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{ord(char):02x}")
        parts.append(f"(?:{re.escape(char)}|#{hex_digits})")
    return "".join(parts).encode()


# A name ends at whitespace or a delimiter; `/JSX` is another name.
_END = rb"(?=[\x00\t\n\x0c\r ()<>\[\]{}/%])"
_FORBIDDEN = re.compile(rb"/(" + b"|".join(_name_pattern(n) for n in FORBIDDEN) + rb")" + _END)
# `stream` after a dictionary (not `endstream`), then its end of line.
_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_ENDSTREAM = re.compile(rb"[\x00\t\n\x0c\r ]*endstream")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_LENGTH = re.compile(rb"/Length[\x00\t\n\x0c\r ]+(\d+)(?!\d)(?![\x00\t\n\x0c\r ]+\d+[\x00\t\n\x0c\r ]+R)")
_DECODE_PARMS = re.compile(rb"/(?:DecodeParms|DP)" + _END)
_FILTER = re.compile(rb"/Filter[\x00\t\n\x0c\r ]*(\[[^\]]*\]|/[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_FLATE = (b"FlateDecode", b"Fl")


def pdf_check_scripts(file: BinaryIO) -> None:
    """Raise PdfRefused if the PDF carries JavaScript, automatic or launch actions, or an
    object stream that can't be checked. Reads the file once, 1 MB at a time."""
    try:
        _Scan(file).run()
    finally:
        file.seek(0)


class _Scan:
    def __init__(self, file: BinaryIO):
        self.file = file
        file.seek(0, 2)
        self.size = file.tell()
        self.buf = b""
        self.base = 0  # the file offset of buf[0]
        self.inflated = 0

    def _at(self, position: int, ahead: int = MIN_AHEAD) -> int:
        """buf's index of `position`, refilling buf (from LOOKBACK before it) unless it
        already holds `ahead` bytes from there or the file's end."""
        end = self.base + len(self.buf)
        if not (self.base <= position and (position + ahead <= end or end >= self.size)):
            start = max(0, position - LOOKBACK)
            self.file.seek(start)
            self.buf = self.file.read(max(CHUNK, position - start + ahead))  # one ranged GET on S3
            self.base = start
        return position - self.base

    def run(self) -> None:
        position = 0
        while position < self.size:
            i = self._at(position)
            at_end = self.base + len(self.buf) >= self.size
            match = _STREAM.search(self.buf, i)
            if match and (match.end() < len(self.buf) or at_end):
                self._check_names(self.buf, i, match.start())
                position = self._stream(match)
            else:
                self._check_names(self.buf, i, len(self.buf))
                if at_end:
                    return
                # Go on from a little before this piece's end: what it cut is seen whole.
                position = max(position + 1, self.base + len(self.buf) - LOOKBACK)

    def _check_names(self, data: bytes, start: int, end: int) -> None:
        found = _FORBIDDEN.search(data, start, end)
        if found:
            name = _ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), found[1]).decode("latin-1")
            raise PdfRefused(SCRIPTS_MESSAGE.format(name=f"/{name}"))

    def _stream(self, match: re.Match) -> int:
        """Check a stream whose keyword `match` found; return where the text after it starts."""
        dictionary = self._dictionary(match.start())
        data_start = self.base + match.end()
        if _is_object_stream(dictionary) and not self._object_stream(dictionary, data_start):
            return data_start  # uncompressed: its dictionaries are scanned as text like the rest
        return self._after_stream(dictionary, data_start)

    def _dictionary(self, keyword: int) -> bytes:
        """The stream's dictionary: what comes after the last `obj` before the keyword,
        with #xx escapes decoded."""
        before = self.buf[max(0, keyword - LOOKBACK) : keyword]
        header = before.rfind(b"obj")
        return _ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), before[header + 3 if header >= 0 else 0 :])

    def _object_stream(self, dictionary: bytes, data_start: int) -> bool:
        """Check a compressed object stream's dictionaries; False if it is not compressed.
        Only plain Flate is read (what writers use): another filter, or a predictor that
        would scramble the text, could hide a script, so it is refused."""
        found = _FILTER.search(dictionary)
        filters = re.findall(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)", found[1]) if found else []
        if not filters:
            return False
        if len(filters) != 1 or filters[0] not in _FLATE or _DECODE_PARMS.search(dictionary):
            raise PdfRefused(UNREADABLE_MESSAGE)
        self._inflate_and_check(data_start)
        return True

    def _inflate_and_check(self, position: int) -> None:
        inflater = zlib.decompressobj()
        carry = b""
        while not inflater.eof:
            if position >= self.size:
                raise PdfRefused(UNREADABLE_MESSAGE)  # cut short
            i = self._at(position, INFLATE_PIECE)
            packed = self.buf[i : i + INFLATE_PIECE]
            position += len(packed)
            while packed and not inflater.eof:
                try:
                    out = inflater.decompress(packed, INFLATE_PIECE)
                except zlib.error:
                    raise PdfRefused(UNREADABLE_MESSAGE) from None
                self.inflated += len(out)
                if self.inflated > MAX_INFLATED:
                    raise PdfRefused(UNREADABLE_MESSAGE)
                text = carry + out
                self._check_names(text, 0, len(text))
                carry = text[-LOOKBACK:]
                packed = inflater.unconsumed_tail

    def _after_stream(self, dictionary: bytes, data_start: int) -> int:
        """Where the stream's data ends: by its direct /Length when `endstream` follows
        there, else at the first `endstream` (never later than a reader's own end)."""
        length = _LENGTH.search(dictionary)
        if length:
            end = data_start + int(length[1])
            i = self._at(end, 64)
            closing = _ENDSTREAM.match(self.buf, i)
            if closing:
                return self.base + closing.end()
        position = data_start
        while position < self.size:
            i = self._at(position)
            found = self.buf.find(b"endstream", i)
            if found >= 0:
                return self.base + found + len(b"endstream")
            if self.base + len(self.buf) >= self.size:
                break
            position = max(position + 1, self.base + len(self.buf) - len(b"endstream"))
        return self.size


def _is_object_stream(dictionary: bytes) -> bool:
    return re.search(rb"/Type[\x00\t\n\x0c\r ]*/ObjStm" + _END, dictionary + b" ") is not None
