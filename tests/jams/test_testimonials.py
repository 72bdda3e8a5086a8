"""Testimonials belong to one jam, to a host (every jam it hosts), or to the site (the home
page); a jam page shows its own and its host's."""

from html import unescape

import pytest
from django.db import IntegrityError

from jams import models as jam_models
from tests.factories import JamFactory, TestimonialFactory, UserFactory
from tests.pagehtml import read

pytestmark = pytest.mark.django_db


def shown(response) -> str:
    return read(response).text("testimonials") if b'data-testid="testimonials"' in response.content else ""


def test_jam_page_shows_its_own_and_its_hosts_testimonials_only(client):
    jam = JamFactory.running(host="Apart Research")
    other = JamFactory.running(host="ARENA")
    TestimonialFactory(jam=jam, quote="Our own jam.")
    TestimonialFactory(host="Apart Research", quote="Every Apart jam.")
    TestimonialFactory(jam=other, quote="Another jam.")
    TestimonialFactory(host="ARENA", quote="Another host.")
    TestimonialFactory(quote="The whole site.")
    TestimonialFactory(jam=jam, quote="Not published.", is_published=False)

    response = client.get(jam.get_absolute_url())

    assert [t.quote for t in response.context["testimonials"]] == ["Our own jam.", "Every Apart jam."]
    text = shown(response)
    assert "Our own jam." in text
    assert "Every Apart jam." in text
    for elsewhere in ("Another jam.", "Another host.", "The whole site.", "Not published."):
        assert elsewhere not in response.content.decode()


def test_home_page_shows_the_site_wide_testimonials_only(client):
    jam = JamFactory.running(host="Apart Research")
    TestimonialFactory(quote="The whole site.")
    TestimonialFactory(jam=jam, quote="One jam.")
    TestimonialFactory(host="Apart Research", quote="One host.")

    response = client.get("/")

    assert [t.quote for t in response.context["testimonials"]] == ["The whole site."]
    assert "The whole site." in shown(response)
    assert "One jam." not in response.content.decode()
    assert "One host." not in response.content.decode()


def test_a_jam_without_testimonials_shows_no_section(client):
    TestimonialFactory(quote="The whole site.")
    jam = JamFactory.running()

    response = client.get(jam.get_absolute_url())

    assert b'id="testimonials"' not in response.content


def test_a_testimonial_for_both_a_jam_and_a_host_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        TestimonialFactory(jam=JamFactory(), host="ARENA")


def test_admin_offers_the_jams_hosts_and_refuses_a_jam_and_a_host_together(client):
    jam = JamFactory(host="ARENA")
    JamFactory(host="Apart Research")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    form_page = client.get("/admin/jams/testimonial/add/")
    response = client.post(
        "/admin/jams/testimonial/add/",
        {"name": "Luca", "event": "AI Trends", "quote": "Q.", "jam": jam.pk, "host": "ARENA", "order": 0},
    )

    choices = [value for value, _label in form_page.context["adminform"].form.fields["host"].widget.choices]
    assert choices == ["", "ARENA", "Apart Research"]
    assert response.status_code == 200
    assert "Pick a jam or a host, not both" in response.content.decode()
    assert not jam_models.Testimonial.objects.exists()


def test_admin_list_says_where_each_testimonial_shows(client):
    jam = JamFactory(title="ARENA Interpretability Hackathon", host="ARENA")
    TestimonialFactory(name="On a jam", jam=jam)
    TestimonialFactory(name="On a host", host="Apart Research")
    TestimonialFactory(name="On the site")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = unescape(client.get("/admin/jams/testimonial/").content.decode())

    assert "ARENA Interpretability Hackathon's page" in html
    assert "every Apart Research jam" in html
    assert "the home page" in html
