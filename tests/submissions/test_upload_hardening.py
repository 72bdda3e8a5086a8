"""Uploads that can't hurt: stored and served with the type found in their content (on
moto's S3 over HTTP and on local disk), zip bombs refused from their declared sizes with
flat memory, PDFs carrying JavaScript refused, and a hung S3 answered with a 503 that
keeps the form, in seconds."""

from __future__ import annotations

import functools
import io
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
import zlib
from html import unescape

import pypdfium2 as pdfium
import pytest
import requests
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from hackathon.storage import S3_CONNECT_TIMEOUT, S3_MAX_ATTEMPTS, S3_READ_TIMEOUT, content_type_for, s3_client
from submissions.direct_uploads import S3RangeReader, _CheckedFile, upload_key_new
from submissions.models import Entry
from submissions.pdf_scripts import MAX_INFLATED, pdf_check_scripts
from submissions.uploads import validate_slides
from tests.factories import EntryFactory, TeamFactory
from tests.files import pdf_bytes, png_bytes, upload
from tests.services import ROOT, HungServer

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
TITLE = "Sparse Autoencoders Find Highly Interpretable Features"
ODP = b"application/vnd.oasis.opendocument.presentation"
GUNICORN_TIMEOUT = 30  # gunicorn.conf.py's default `timeout`


@pytest.fixture
def team(running_jam):
    return TeamFactory(jam=running_jam, name="Sparse Dictionary")


@pytest.fixture
def member_client(client, team):
    client.force_login(team.created_by)
    return client


def entry_form(**overrides) -> dict:
    return {
        "title": TITLE,
        "abstract": "We train sparse autoencoders on the residual stream of a small model.",
        "authors": "Hoagy Cunningham",
        "action": "draft",
        **overrides,
    }


def submit(client, jam, **overrides):
    return client.post(f"/jams/{jam.slug}/submit/", entry_form(**overrides))


def text(response) -> str:
    return unescape(response.content.decode())


def head(s3_server, key: str) -> dict:
    return s3_server.client().head_object(Bucket=s3_server.bucket, Key=key)


def download(client, entry: Entry, field: str) -> requests.Response:
    """What a click on the app's own download link gets: its redirect, followed."""
    response = client.get(f"/jams/{entry.jam.slug}/entries/{entry.pk}/{field}/")
    assert response.status_code == 302
    return requests.get(response["Location"], timeout=10)


# 1. Stored and served with the detected type ------------------------------------------------


HTML_IN_A_PDF = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def test_html_after_a_pdf_header_declared_text_html_is_stored_and_served_as_a_pdf_attachment(
    member_client, running_jam, s3_storage, s3_server
):
    response = submit(member_client, running_jam, slides=upload("talk.html", HTML_IN_A_PDF, "text/html"))

    entry = Entry.objects.get()
    stored = head(s3_server, entry.slides.name)
    served = download(member_client, entry, "slides")
    assert response.status_code == 302
    assert entry.slides.name.endswith("-talk.pdf")
    assert (stored["ContentType"], stored["ContentDisposition"]) == ("application/pdf", "attachment")
    assert stored["CacheControl"] == "private, max-age=300"
    assert served.content == HTML_IN_A_PDF
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"] == 'attachment; filename="talk.pdf"'


def test_a_picture_declared_svg_is_stored_and_served_as_png(member_client, running_jam, s3_storage, s3_server):
    data = png_bytes(320, 200)

    submit(member_client, running_jam, image=upload("cover.svg", data, "image/svg+xml"))

    entry = Entry.objects.get()
    stored = head(s3_server, entry.image.name)
    served = download(member_client, entry, "image")
    assert entry.image.name.endswith("-cover.png")
    assert stored["ContentType"] == "image/png"
    assert "ContentDisposition" not in stored  # a picture shows in the page
    assert served.content == data
    assert served.headers["Content-Type"] == "image/png"
    assert "Content-Disposition" not in served.headers


def test_the_download_names_the_type_whatever_the_objects_metadata_says(
    member_client, running_jam, s3_storage, s3_server
):
    submit(member_client, running_jam, slides=upload("talk.pdf", HTML_IN_A_PDF), image=upload("c.png", png_bytes()))
    entry = Entry.objects.get()
    s3 = s3_server.client()
    for name in (entry.slides.name, entry.image.name):  # metadata gone wrong (an old object, a bug)
        body = s3.get_object(Bucket=s3_server.bucket, Key=name)["Body"].read()
        s3.put_object(Bucket=s3_server.bucket, Key=name, Body=body, ContentType="text/html")

    slides, image = download(member_client, entry, "slides"), download(member_client, entry, "image")

    assert (slides.headers["Content-Type"], slides.headers["Content-Disposition"]) == (
        "application/pdf",
        'attachment; filename="talk.pdf"',
    )
    assert image.headers["Content-Type"] == "image/png"


def test_the_storage_never_stores_the_declared_type(s3_storage, s3_server):
    content = ContentFile(b"<svg onload=alert(1)>", name="x.svg")
    content.content_type = "image/svg+xml"  # what Django's UploadedFile carries from the browser

    name = storages["default"].save("jams/demo/x.svg", content)

    stored = head(s3_server, name)
    assert (stored["ContentType"], stored["ContentDisposition"]) == ("application/octet-stream", "attachment")


def test_public_thumbnails_are_pictures_cached_for_a_year(s3_storage, s3_server):
    name = storages["public"].save("jams/demo/card.jpg", ContentFile(b"\xff\xd8\xff jpeg"))

    stored = head(s3_server, f"public/{name}")
    assert stored["ContentType"] == "image/jpeg"
    assert stored["CacheControl"] == "public, max-age=31536000, immutable"
    assert "ContentDisposition" not in stored


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("deck.PDF", "application/pdf"),
        ("a/b/photo.jpeg", "image/jpeg"),
        ("x.html", "application/octet-stream"),
        ("x.svg", "application/octet-stream"),
        ("x.js", "application/octet-stream"),
        ("noextension", "application/octet-stream"),
    ],
)
def test_content_types_come_from_a_fixed_table(name, content_type):
    assert content_type_for(name) == content_type


def test_the_local_file_view_sends_the_type_nosniff_and_an_attachment(member_client, running_jam):
    submit(member_client, running_jam, slides=upload("talk.pdf", HTML_IN_A_PDF, "text/html"))
    entry = Entry.objects.get()

    response = member_client.get(f"/jams/{running_jam.slug}/entries/{entry.pk}/slides/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="talk.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == HTML_IN_A_PDF


def test_our_pages_and_redirects_send_nosniff(member_client, running_jam, s3_storage):
    submit(member_client, running_jam, slides=upload("talk.pdf", pdf_bytes()))
    entry = Entry.objects.get()

    page = member_client.get(f"/jams/{running_jam.slug}/submit/")
    redirect = member_client.get(f"/jams/{running_jam.slug}/entries/{entry.pk}/slides/")

    assert page["X-Content-Type-Options"] == "nosniff"
    assert redirect["X-Content-Type-Options"] == "nosniff"


# 2. Zip bombs ---------------------------------------------------------------------------------


def zip_of(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


@functools.cache
def odp_bomb() -> bytes:
    """The attack's file: a 408 KB .odp whose `mimetype` unpacks to 400 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo("mimetype")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            zeros = bytes(MB)
            for _ in range(400):
                member.write(zeros)
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def with_declared_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size changed, in its local and central headers
    (same width: nothing moves)."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<L", out, info.header_offset + 22, size)
    end = data.rfind(b"PK\x05\x06")
    position = struct.unpack_from("<L", data, end + 16)[0]  # the central directory's start
    while data[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, position + 28)
        if data[position + 46 : position + 46 + name_length] == name.encode():
            struct.pack_into("<L", out, position + 24, size)
        position += 46 + name_length + extra_length + comment_length
    return bytes(out)


def odp_with_mimetype_of(extra_zeros: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo("mimetype")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            member.write(ODP)
            zeros = bytes(MB)
            for _ in range(extra_zeros // MB):
                member.write(zeros)
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@functools.cache
def lying_odp_bomb() -> bytes:
    """`mimetype` says it is 47 bytes (the real one's size) but inflates to 64 MB and
    starts with the real mimetype: a reader trusting the declared size reads it all."""
    return with_declared_size(odp_with_mimetype_of(64 * MB), "mimetype", len(ODP))


def peak_memory_while(action) -> int:
    tracemalloc.start()
    try:
        action()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def refusal(file) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        validate_slides(file)
    return error.value


def refusal_and_peak(file) -> tuple[ValidationError, int]:
    """The refusal of these slides, and the most memory checking them took."""
    refused = []
    peak = peak_memory_while(lambda: refused.append(refusal(file)))
    return refused[0], peak


def test_the_attacks_odp_bomb_is_refused_from_its_declared_size_with_flat_memory():
    bomb = upload("deck.odp", odp_bomb())
    assert len(odp_bomb()) < 420 * 1024

    error, peak = refusal_and_peak(bomb)

    assert peak < 2 * MB, f"checking the bomb allocated {peak / MB:.1f} MB"
    assert error.code == "archive_too_large"
    assert error.messages == [
        "These slides would unpack to 400.0 MB, more than real slides ever do (at most 200.0 MB). "
        "Please save your slides again from your presentation program and upload that file."
    ]


def test_a_part_lying_about_its_size_is_refused_unread_with_flat_memory():
    bomb = upload("deck.odp", lying_odp_bomb())
    assert zipfile.ZipFile(io.BytesIO(lying_odp_bomb())).getinfo("mimetype").file_size == 47

    error, peak = refusal_and_peak(bomb)

    assert peak < 2 * MB, f"checking the bomb allocated {peak / MB:.1f} MB"
    assert error.code == "archive_damaged"
    assert error.messages[0].startswith(
        "A part of these slides (mimetype) says it unpacks to 47 bytes but is stored in"
    )


def test_a_part_packed_a_thousand_times_is_refused_under_the_total_limit():
    data = zip_of(("mimetype", ODP), ("Pictures/flat.bmp", bytes(50 * MB)))

    error = refusal(upload("deck.odp", data))

    assert error.code == "archive_too_large"
    assert error.messages[0].startswith("A part of these slides (Pictures/flat.bmp) would unpack from ")
    assert "to 50.0 MB, a packing no real presentation has." in error.messages[0]


def test_an_archive_of_too_many_parts_is_refused_before_they_are_listed():
    data = zip_of(("[Content_Types].xml", b"<Types/>"), *((f"ppt/s{n}.xml", b"") for n in range(10_001)))
    file = upload("deck.pptx", data)

    error, peak = refusal_and_peak(file)

    assert error.code == "archive_too_large"
    assert error.messages[0].startswith("These slides are an archive of 10,002 parts, far more than real slides")
    assert peak < 2 * MB


def test_a_mimetype_past_the_size_checks_is_read_a_few_bytes_only():
    """Sizes that pass the checks (30 KB stored, 40 KB declared), content that inflates to
    30 MB: only the first bytes of `mimetype` are inflated (the real mimetype, then zeros:
    not a presentation's)."""
    data = with_declared_size(odp_with_mimetype_of(30 * MB), "mimetype", 40 * 1024)

    error, peak = refusal_and_peak(upload("deck.odp", data))

    assert error.code == "file_type"
    assert peak < 2 * MB, f"reading mimetype allocated {peak / MB:.1f} MB"


def test_real_looking_presentations_still_pass():
    pictures = [(f"ppt/media/image{n}.png", png_bytes(400, 300, color)) for n, color in enumerate(["red", "blue"])]
    pptx = zip_of(
        ("[Content_Types].xml", b"<Types>" + b"<Default Extension='xml'/>" * 200 + b"</Types>"),
        *((f"ppt/slides/slide{n}.xml", b"<p:sld>" + b"<a:t>Features</a:t>" * 500 + b"</p:sld>") for n in range(300)),
        *pictures,
    )
    odp = zip_of(("mimetype", ODP), ("content.xml", b"<office:document-content/>" * 1000))
    key = zip_of(("Index/Document.iwa", bytes(range(256)) * 100), ("Data/image.png", png_bytes()))

    assert [validate_slides(upload(n, d)).kind for n, d in [("a.pptx", pptx), ("b.odp", odp), ("c.key", key)]] == [
        "pptx",
        "odp",
        "key",
    ]


def test_a_bomb_uploaded_straight_to_s3_is_refused_and_deleted(member_client, running_jam, team, s3_storage, s3_server):
    s3 = s3_server.client()
    key = upload_key_new(team_id=team.pk, filename="deck.odp")
    s3.put_object(Bucket=s3_server.bucket, Key=key, Body=odp_bomb())

    response = submit(member_client, running_jam, slides_key=key)

    assert response.status_code == 400
    assert "These slides would unpack to 400.0 MB" in text(response)
    assert f'value="{TITLE}"' in text(response)
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_server.bucket, Prefix=key)


# 3. PDFs carrying JavaScript ---------------------------------------------------------------------


def pdf(*objects: bytes) -> bytes:
    """A PDF of these objects, numbered from 1, with a classic cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(dictionary: bytes, data: bytes, length: bytes | None = None) -> bytes:
    length = length or b"%d" % len(data)
    return b"<< " + dictionary + b" /Length " + length + b" >>\nstream\n" + data + b"\nendstream"


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 150] /Contents 4 0 R >>"
CONTENT = stream(b"", b"BT /F1 12 Tf 20 100 Td (Sparse features) Tj ET")


def slides_pdf(catalog_extra: bytes = b"", *more: bytes) -> bytes:
    return pdf(b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>", PAGES, PAGE, CONTENT, *more)


def object_stream(*objects: bytes, filters: bytes = b"/Filter /FlateDecode", encode=zlib.compress) -> bytes:
    """A compressed object stream holding these objects (numbered from 10)."""
    bodies, header, offset = b"", b"", 0
    for number, body in enumerate(objects, start=10):
        header += b"%d %d " % (number, offset)
        bodies += body + b"\n"
        offset = len(bodies)
    return stream(b"/Type /ObjStm /N %d /First %d %s" % (len(objects), len(header), filters), encode(header + bodies))


JS_ACTION = b"<< /S /JavaScript /JS (app.alert('hi')) >>"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (slides_pdf(b"/OpenAction " + JS_ACTION), "/JavaScript"),
        (slides_pdf(b"/OpenAction 5 0 R", b"<< /S /JS /JS 6 0 R >>"), "/JS"),
        (slides_pdf(b"/Names << /JavaScript 5 0 R >>"), "/JavaScript"),
        (slides_pdf(b"/AA << /WC 5 0 R >>"), "/AA"),
        (slides_pdf(b"/OpenAction << /S /Launch /F (calc.exe) >>"), "/Launch"),
        (slides_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"), "/JavaScript"),
        (slides_pdf(b"/OpenAction 10 0 R", object_stream(JS_ACTION)), "/JavaScript"),
        (slides_pdf(b"/OpenAction 10 0 R", object_stream(b"<< /S /Named /N /NextPage /AA 11 0 R >>")), "/AA"),
        (slides_pdf(b"", object_stream(JS_ACTION, filters=b"", encode=bytes)), "/JavaScript"),  # uncompressed
        (slides_pdf(b"", object_stream(JS_ACTION).replace(b"/ObjStm", b"/Obj#53tm")), "/JavaScript"),
    ],
    ids=[
        "open-action",
        "js-by-reference",
        "document-scripts",
        "additional-actions",
        "launch",
        "escaped-names",
        "in-an-object-stream",
        "aa-in-an-object-stream",
        "uncompressed-object-stream",
        "escaped-object-stream-type",
    ],
)
def test_a_pdf_carrying_scripts_is_refused_naming_what_it_carries(data, name):
    error = refusal(upload("talk.pdf", data, "application/pdf"))

    assert error.code == "pdf_scripts"
    assert error.messages == [
        f"These slides are a PDF with JavaScript or automatic actions in it ({name}), which slides may not have. "
        "Export or print your slides to a new PDF and upload that file."
    ]


def test_the_crafted_pdf_is_one_a_reader_opens():
    document = pdfium.PdfDocument(slides_pdf(b"/OpenAction " + JS_ACTION))
    assert len(document) == 1
    document.close()


@pytest.mark.parametrize(
    "data",
    [
        object_stream(JS_ACTION, filters=b"/Filter [/ASCIIHexDecode /FlateDecode]", encode=lambda d: zlib.compress(d)),
        object_stream(JS_ACTION, filters=b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>"),
        object_stream(JS_ACTION, encode=lambda d: b"\x00garbled" + zlib.compress(d)),
        object_stream(JS_ACTION, encode=lambda d: zlib.compress(d)[:20]),
    ],
    ids=["another-filter", "predictor", "damaged", "cut-short"],
)
def test_an_object_stream_that_cant_be_read_is_refused(data):
    error = refusal(upload("talk.pdf", slides_pdf(b"", data)))

    assert error.code == "pdf_scripts"
    assert error.messages[0].startswith("We couldn't check this PDF for scripts")


def test_an_object_stream_bomb_is_refused_at_the_cap_with_flat_memory():
    bomb = zlib.compressobj(9)
    packed = b"".join(bomb.compress(bytes(MB)) for _ in range(MAX_INFLATED // MB + 8)) + bomb.flush()
    file = upload("talk.pdf", slides_pdf(b"", object_stream(b"", encode=lambda _: packed)))

    error, peak = refusal_and_peak(file)

    assert error.messages[0].startswith("We couldn't check this PDF for scripts")
    assert peak < 4 * MB, f"the scan allocated {peak / MB:.1f} MB"


@pytest.mark.parametrize(
    "data",
    [
        slides_pdf(b"/OpenAction [3 0 R /Fit] /PageMode /UseOutlines"),  # open at page 1: common
        slides_pdf(b"", stream(b"/Subtype /Image", b"\x00/JS (x) /AA << >> /Launch ")),  # bytes of an image
        slides_pdf(b"", stream(b"", b"random /JavaScript ( bytes", length=b"9 0 R")),  # indirect length
        slides_pdf(b"/JSX 1 /AAA 2 /Launcher 3"),  # other names
        slides_pdf(b"", object_stream(b"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://x.org) >> >>")),
        pdf_bytes(),
        pdf_bytes(10 * MB),
    ],
    ids=["fit-open-action", "stream-data", "indirect-length", "other-names", "object-stream", "pillow", "10-mb"],
)
def test_pdfs_without_scripts_pass(data):
    assert validate_slides(upload("talk.pdf", data)).kind == "pdf"


def test_the_scan_reads_each_byte_once_in_bounded_pieces():
    reads = []

    class Counted(io.BytesIO):
        def read(self, size=-1):
            data = super().read(size)
            reads.append(len(data))
            return data

    data = pdf_bytes(9 * MB)
    pdf_check_scripts(Counted(data))

    assert max(reads) <= MB + 8192
    assert sum(reads) < len(data) * 1.02


def test_a_pdf_with_scripts_through_the_form_is_refused_and_the_text_kept(member_client, running_jam, s3_storage):
    response = submit(member_client, running_jam, slides=upload("talk.pdf", slides_pdf(b"/OpenAction " + JS_ACTION)))

    assert response.status_code == 400
    assert "These slides are a PDF with JavaScript or automatic actions in it (/JavaScript)" in text(response)
    assert f'value="{TITLE}"' in text(response)
    assert not Entry.objects.exists()


def test_a_pdf_with_scripts_uploaded_straight_to_s3_is_refused_and_deleted(
    member_client, running_jam, team, s3_storage, s3_server
):
    s3 = s3_server.client()
    key = upload_key_new(team_id=team.pk, filename="talk.pdf")
    s3.put_object(Bucket=s3_server.bucket, Key=key, Body=slides_pdf(b"/OpenAction 10 0 R", object_stream(JS_ACTION)))

    response = submit(member_client, running_jam, slides_key=key)

    assert response.status_code == 400
    assert "(/JavaScript)" in text(response)
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_server.bucket, Prefix=key)


def test_the_s3_check_of_a_pdf_reads_it_in_ranges_of_at_most_1_mb(team, s3_storage, s3_server):
    s3 = s3_server.client()
    key = upload_key_new(team_id=team.pk, filename="big.pdf")
    s3.put_object(Bucket=s3_server.bucket, Key=key, Body=pdf_bytes(5 * MB))
    ranges = []
    s3.meta.events.register("before-call.s3.GetObject", lambda params, **_: ranges.append(params["headers"]["Range"]))

    with _CheckedFile(S3RangeReader(client=s3, bucket=s3_server.bucket, key=key, size=5 * MB)) as file:
        assert validate_slides(file).kind == "pdf"

    sizes = [int(end) - int(start) + 1 for start, end in (r.removeprefix("bytes=").split("-") for r in ranges)]
    assert max(sizes) <= MB
    assert sum(sizes) < 5 * MB * 1.05  # the file once, plus the small overlaps


# 4. A hung S3 ------------------------------------------------------------------------------------


class RecordingHungServer(HungServer):
    """Accepts every connection and never answers; keeps what it was sent, to tell which
    requests reached it (a PUT would have stored an object on a real S3)."""

    def __init__(self):
        super().__init__()
        self.received = bytearray()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection: socket.socket) -> None:
        try:
            while chunk := connection.recv(65536):
                self.received += chunk
        except OSError:
            return

    def methods(self) -> list[str]:
        lines = bytes(self.received).split(b"\r\n")
        verbs = ("GET", "HEAD", "PUT", "POST", "DELETE")
        return [line.split(b" ")[0].decode() for line in lines if line.split(b" ")[0].decode("latin-1") in verbs]


# Short time-outs for the test, on the same options as production's (2 x 10 s there).
TEST_TIMEOUTS = {"connect_timeout": 1, "read_timeout": 1, "max_attempts": 2}
BUDGET = 2 * 1 + 1 + 1.5  # attempts x read time-out, botocore's back-off (under 1 s), slack


@pytest.fixture
def hung_s3(s3_storage, s3_server, settings):
    """The default storage pointed at a server that never answers (AWS_S3_ENDPOINT_URL)."""
    with RecordingHungServer() as server:
        options = {**s3_server.storage_setting()["OPTIONS"], **TEST_TIMEOUTS}
        options["endpoint_url"] = f"http://127.0.0.1:{server.port}"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "hackathon.storage.S3Storage", "OPTIONS": options},
        }
        yield server


def timed(action):
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


def assert_503_and_kept(response, seconds: float, message: str) -> None:
    html = text(response)
    assert response.status_code == 503
    assert seconds < BUDGET, f"the hung S3 held the request {seconds:.1f} s"
    assert message in html
    assert f'value="{TITLE}"' in html
    assert "We train sparse autoencoders on the residual stream of a small model." in html


def test_a_hung_s3_gives_a_503_in_seconds_keeping_the_form_and_storing_nothing(member_client, running_jam, hung_s3):
    response, seconds = timed(
        lambda: submit(
            member_client, running_jam, slides=upload("talk.pdf", pdf_bytes()), image=upload("c.png", png_bytes())
        )
    )

    assert_503_and_kept(response, seconds, "We couldn't store your files just now, so nothing was saved.")
    assert not Entry.objects.exists()
    assert hung_s3.methods() == ["HEAD", "HEAD"]  # the name's check, tried twice; no PUT, no object


def test_a_hung_s3_changes_nothing_of_a_saved_entry(member_client, running_jam, team, hung_s3):
    entry = EntryFactory(team=team, jam=running_jam, title="Before", state=Entry.State.DRAFT, submitted_at=None)
    version = entry.version

    response, seconds = timed(
        lambda: submit(member_client, running_jam, version=version, slides=upload("talk.pdf", pdf_bytes()))
    )

    entry.refresh_from_db()
    assert_503_and_kept(response, seconds, "We couldn't store your files just now, so nothing was saved.")
    assert (entry.title, entry.version, entry.slides.name) == ("Before", version, "")
    assert "PUT" not in hung_s3.methods()


def test_a_direct_upload_checked_on_a_hung_s3_gives_a_503_and_is_left_for_the_purge(
    member_client, running_jam, team, s3_server, hung_s3
):
    s3 = s3_server.client()
    key = upload_key_new(team_id=team.pk, filename="talk.pdf")
    s3.put_object(Bucket=s3_server.bucket, Key=key, Body=pdf_bytes())  # the browser's upload, before S3 hung

    response, seconds = timed(lambda: submit(member_client, running_jam, slides_key=key))

    assert_503_and_kept(
        response, seconds, "We couldn't check your uploaded slides just now. Please try again in a minute."
    )
    assert not Entry.objects.exists()
    assert hung_s3.methods() == ["HEAD", "HEAD"]  # no DELETE waiting on the hung S3 too
    assert "Contents" in s3.list_objects_v2(Bucket=s3_server.bucket, Prefix=key)  # the hourly purge takes it


def test_every_s3_client_has_time_outs_under_the_worker_time_out(s3_storage):
    storage = storages["default"]
    theirs = storage.connection.meta.client  # django-storages' own (reading and writing files)
    ours = s3_client(storage)  # the shared one (direct uploads, url, exists, size, delete)

    for config in (theirs.meta.config, ours.meta.config):
        assert (config.connect_timeout, config.read_timeout) == (S3_CONNECT_TIMEOUT, S3_READ_TIMEOUT)
        assert config.retries == {"total_max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"}
        assert (config.s3, config.signature_version) == ({"addressing_style": "path"}, "s3v4")
    # A call that gets no answer gives up (tries x read time-out, plus a back-off under 1 s)
    # well before gunicorn kills the worker.
    assert S3_MAX_ATTEMPTS * S3_READ_TIMEOUT + 1 < GUNICORN_TIMEOUT


PROBE = """
import json, django
django.setup()
from django.core.files.storage import storages
config = storages["default"].client_config
print(json.dumps([config.connect_timeout, config.read_timeout, config.retries]))
"""


def test_the_production_settings_give_the_storage_its_time_outs():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hackathon.settings", "AWS_STORAGE_BUCKET_NAME": "jams"}
    env.update(AWS_S3_ENDPOINT_URL="http://127.0.0.1:9", AWS_S3_READ_TIMEOUT="7")
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [3, 7, {"total_max_attempts": 2, "mode": "standard"}]
