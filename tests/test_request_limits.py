"""Requests refused before any view acts on them, over real sockets to a real server:

- a form body that did not arrive whole (a cut connection, a Content-Length lie) saves
  nothing (hackathon/requests.py);
- an anonymous or oversized upload is answered before its body is read, and nothing of
  it reaches a temporary file (submissions/middleware.py);
- a NUL anywhere in the input is a 400, never PostgreSQL's 500.

The live server is Django's threaded WSGI server (pytest-django's `live_server`); the
gunicorn runs are the production server, on PostgreSQL.
"""

from __future__ import annotations

import io
import re
import socket
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from outbox.models import OutboxItem
from submissions.middleware import ENTRY_FORM_MAX_BYTES
from submissions.models import Entry, Team
from tests.factories import EntryFactory, JamFactory, TeamFactory, UserFactory
from tests.files import MB, slides
from tests.submissions.test_entries import stored_files
from tests.test_faults import gunicorn_app  # noqa: F401 - the app under gunicorn, a fixture

ORIGINAL = {
    "title": "Why Might Negative Name Mover Heads Exist?",
    "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "repository_url": "https://github.com/example/negative-heads",
}
# A syntactically valid CSRF cookie: with one, Django's CSRF check reads the form, so an
# upload without the gate in front would be spooled to disk.
CSRF_COOKIE = "a" * 32


# Raw HTTP ------------------------------------------------------------------------------


def _connect(base_url: str) -> tuple[socket.socket, str]:
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=15)
    return sock, f"{parts.hostname}:{parts.port}"


def _head(path: str, host: str, *, length: int, content_type: str, cookies: dict[str, str]) -> bytes:
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        f"Content-Type: {content_type}",
        f"Content-Length: {length}",
        f"Cookie: {cookie}",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_head(sock: socket.socket) -> tuple[int, dict[str, str]]:
    """The status and headers of the response, read as soon as they come."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return status, {name.lower(): value for name, value in headers.items()}


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def post_cut_short(base_url: str, path: str, body: bytes, *, send: int, claim: int, cookies: dict) -> str:
    """Promise `claim` bytes, send the first `send` of `body`, then close our side (as a
    client that gives up does; the server reads the end of the body) and read the answer."""
    sock, host = _connect(base_url)
    with sock:
        sock.sendall(
            _head(path, host, length=claim, content_type=f"multipart/form-data; boundary={BOUNDARY}", cookies=cookies)
        )
        sock.sendall(body[:send])
        sock.shutdown(socket.SHUT_WR)
        return _read_all(sock).decode("utf-8", "replace")


def post_headers_only(base_url: str, path: str, *, claim: int, cookies: dict, start: bytes = b"") -> tuple[int, dict]:
    """Promise `claim` bytes, send only `start` of them, and read the answer while the rest
    is still owed: an answer can only come from a server that does not wait for the body."""
    sock, host = _connect(base_url)
    with sock:
        sock.sendall(
            _head(path, host, length=claim, content_type=f"multipart/form-data; boundary={BOUNDARY}", cookies=cookies)
        )
        sock.sendall(start)
        return _read_head(sock)


def status_of(raw: str) -> int:
    return int(raw.split(" ", 2)[1])


# The scene ---------------------------------------------------------------------------


def submitted_entry(jam, person) -> Entry:
    team = TeamFactory(jam=jam, name="Negative Heads", created_by=person)
    return EntryFactory(team=team, authors="Arthur Conmy", **ORIGINAL)


def signed_in(base_url: str, person, path: str) -> tuple[dict[str, str], dict[str, str]]:
    """A session for `person`, and the entry form's hidden fields as the server serves them."""
    client = Client()
    client.force_login(person)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    page = requests.get(base_url + path, cookies=cookies, timeout=15)
    assert page.status_code == 200, page.text[:500]
    cookies["csrftoken"] = page.cookies["csrftoken"]
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return cookies, {name: unescape(value) for name, value in hidden.items()}


def edit_body(hidden: dict[str, str]) -> tuple[bytes, int]:
    """The edit the attack sent: a new title, the slides, then blank links. Returns the
    body and where the middle of the slides is in it."""
    data = {
        "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"],
        "version": hidden["version"],
        "upload_ticket": hidden.get("upload_ticket", ""),
        "title": "A title the edit never finished sending",
        "team_name": "Negative Heads",
        "authors": "Arthur Conmy",
        "abstract": "We form a theory of why Negative Name Mover Heads form in GPT-2 Small.",
        "slides": slides(size=400_000),
        "video_url": "",
        "repository_url": "",
        "action": "submit",
    }
    body = encode_multipart(BOUNDARY, data)
    return body, body.index(b"%PDF") + 200_000


def assert_unchanged(entry: Entry) -> None:
    version = entry.version
    entry.refresh_from_db()
    assert {name: getattr(entry, name) for name in ORIGINAL} == ORIGINAL
    assert entry.version == version
    assert not entry.slides
    assert not OutboxItem.objects.exists()  # no "changed" email, no file job
    assert stored_files() == []


# A body that did not arrive whole ---------------------------------------------------------


@pytest.fixture(params=["live_server", "gunicorn"])
def server_url(request) -> str:
    """Django's threaded WSGI server; gunicorn as in production (PostgreSQL only)."""
    if request.param == "live_server":
        return request.getfixturevalue("live_server").url
    return request.getfixturevalue("gunicorn_app")


@pytest.mark.django_db(transaction=True)
def test_an_edit_cut_off_halfway_through_the_slides_changes_nothing(server_url, running_jam):
    person = UserFactory(display_name="Arthur Conmy")
    entry = submitted_entry(running_jam, person)
    path = f"/jams/{running_jam.slug}/submit/"
    cookies, hidden = signed_in(server_url, person, path)
    body, middle_of_slides = edit_body(hidden)

    raw = post_cut_short(server_url, path, body, send=middle_of_slides, claim=len(body), cookies=cookies)

    assert status_of(raw) == 400
    assert "Your browser sent only part of this form" in unescape(raw)
    assert_unchanged(entry)


@pytest.mark.django_db(transaction=True)
def test_a_content_length_lie_changes_nothing(server_url, running_jam):
    person = UserFactory(display_name="Arthur Conmy")
    entry = submitted_entry(running_jam, person)
    path = f"/jams/{running_jam.slug}/submit/"
    cookies, hidden = signed_in(server_url, person, path)
    body, _ = edit_body(hidden)

    raw = post_cut_short(server_url, path, body, send=len(body), claim=len(body) + 1000, cookies=cookies)

    assert status_of(raw) == 400
    assert f"({len(body):,} of {len(body) + 1000:,} bytes)" in unescape(raw)
    assert_unchanged(entry)


@pytest.mark.django_db(transaction=True)
def test_the_same_edit_sent_whole_is_saved(live_server, running_jam):
    """The control: the body above, all of it, is an ordinary save."""
    person = UserFactory(display_name="Arthur Conmy")
    entry = submitted_entry(running_jam, person)
    path = f"/jams/{running_jam.slug}/submit/"
    cookies, hidden = signed_in(live_server.url, person, path)
    body, _ = edit_body(hidden)

    raw = post_cut_short(live_server.url, path, body, send=len(body), claim=len(body), cookies=cookies)

    entry.refresh_from_db()
    assert status_of(raw) == 302
    assert entry.title == "A title the edit never finished sending"
    assert entry.slides


def test_a_short_urlencoded_body_is_refused_too(client, running_jam):
    """Any form, not only multipart: the team form, promised 200 bytes and given 20."""
    person = UserFactory()
    client.force_login(person)

    body = b"name=Half+a+team+name"

    response = client.generic(
        "POST",
        f"/jams/{running_jam.slug}/team/",
        body,
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="200",
        **{"wsgi.input": io.BytesIO(body)},
    )

    assert response.status_code == 400
    assert not Team.objects.exists()


# Uploads refused before their body --------------------------------------------------------


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read
    readinto = read


def never_read(client: Client, path: str, *, length: int):
    return client.generic(
        "POST", path, b"-", content_type=MULTIPART_CONTENT, CONTENT_LENGTH=str(length), **{"wsgi.input": Unreadable()}
    )


@pytest.fixture
def upload_temp_dir(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_60_mb_upload_is_sent_to_log_in_before_its_body(live_server, running_jam, upload_temp_dir):
    path = f"/jams/{running_jam.slug}/submit/"
    start = encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": CSRF_COOKIE, "slides": slides()})[:60_000]

    status, headers = post_headers_only(
        live_server.url, path, claim=60 * MB, cookies={"csrftoken": CSRF_COOKIE}, start=start
    )

    assert status == 302
    assert headers["location"] == f"/accounts/login/?next={path}"
    assert list(upload_temp_dir.iterdir()) == []
    assert not Entry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_members_upload_over_the_limit_is_a_413_before_its_body(live_server, running_jam, upload_temp_dir):
    person = UserFactory()
    TeamFactory(jam=running_jam, created_by=person)
    path = f"/jams/{running_jam.slug}/submit/"
    cookies, hidden = signed_in(live_server.url, person, path)
    start = encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"], "slides": slides()})

    status, _ = post_headers_only(live_server.url, path, claim=ENTRY_FORM_MAX_BYTES + 1, cookies=cookies, start=start)

    assert status == 413
    assert list(upload_temp_dir.iterdir()) == []
    assert not Entry.objects.exists()


def test_the_gate_answers_without_reading_the_body(client, running_jam):
    submit = f"/jams/{running_jam.slug}/submit/"
    presign = f"/jams/{running_jam.slug}/submit/upload/"
    anonymous = [never_read(client, submit, length=60 * MB), never_read(client, presign, length=1000)]
    person = UserFactory()
    TeamFactory(jam=running_jam, created_by=person)
    client.force_login(person)

    too_large = [
        never_read(client, submit, length=ENTRY_FORM_MAX_BYTES + 1),
        never_read(client, presign, length=16 * 1024 + 1),
    ]

    assert [r.status_code for r in anonymous] == [302, 403]
    assert anonymous[1].json() == {"error": "Please log in to upload files."}
    assert [r.status_code for r in too_large] == [413, 413]
    assert "slides and the project image may be up to 10 MB each. Nothing was saved." in unescape(
        too_large[0].content.decode()
    )
    assert too_large[1].json()["error"].startswith("This request is 16.0 KB")


def test_both_files_at_their_largest_fit_under_the_entry_forms_limit():
    """Slides and an image of 10 MB each, with every text field at its longest, as a browser
    frames them: the gate must let that through."""
    data = {
        "csrfmiddlewaretoken": "x" * 64,
        "version": "12345",
        "upload_ticket": "x" * 200,
        "title": "é" * 200,
        "team_name": "é" * 100,
        "authors": "é" * 500,
        "abstract": "€" * 5000,
        "slides": _named(b"x" * (10 * MB), "slides.pdf"),
        "image": _named(b"x" * (10 * MB), "image.png"),
        "video_url": "https://example.com/" + "v" * 480,
        "repository_url": "https://example.com/" + "r" * 480,
        "action": "submit",
    }

    body = encode_multipart(BOUNDARY, data)

    assert 20 * MB < len(body) < ENTRY_FORM_MAX_BYTES


def _named(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def member_client_with_team(client, running_jam):
    person = UserFactory()
    TeamFactory(jam=running_jam, created_by=person)
    client.force_login(person)
    return client


# NUL -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nul_in_the_gallery_search_is_a_400_not_a_500(client):
    jam = JamFactory.judging()
    EntryFactory(team=TeamFactory(jam=jam), title="Probing")

    response = client.get(f"/jams/{jam.slug}/entries/?q=%00")
    normal = client.get(f"/jams/{jam.slug}/entries/?q=probing")

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert normal.status_code == 200


@pytest.mark.django_db
def test_nul_in_the_address_is_a_400(client, running_jam):
    team = TeamFactory(jam=running_jam)

    in_path = client.get(f"/jams/{running_jam.slug}/team/join/{team.invite_token}%00/")
    in_other_param = client.get(f"/jams/{running_jam.slug}/entries/?sort=%00")

    assert in_path.status_code == 400
    assert in_other_param.status_code == 400


@pytest.mark.django_db
def test_nul_in_the_session_cookie_is_a_400(client, running_jam):
    client.cookies["sessionid"] = "abc\x00defghijklmnop"  # sent as "abc\000...", which Django unquotes

    response = client.get(f"/jams/{running_jam.slug}/submit/")

    assert response.status_code == 400


@pytest.mark.django_db
def test_nul_in_a_form_value_saves_nothing(client, running_jam):
    client.force_login(UserFactory())

    response = client.post(f"/jams/{running_jam.slug}/team/", {"name": "Null\x00Heads"})

    assert response.status_code == 400
    assert not Team.objects.exists()
