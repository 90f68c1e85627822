import pytest
from django.test import Client

from stories import pipeline
from stories.access import access_token
from stories.models import InputKind, Story
from stories.readalong import paragraphs_with_times
from stories.tests.factories import KidFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def story():
    kid = KidFactory(name="Zoe")
    made = Story.objects.create(
        owner=kid.parent, kid=kid, input_kind=InputKind.TEXT, input_text="a snail on a trip"
    )
    return pipeline.run(made.id)


def test_owner_sees_the_page_with_one_timed_span_per_word(story):
    client = Client()
    client.force_login(story.owner)
    response = client.get(f"/stories/{story.id}/read/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="w"') == len(story.text.split())
    assert page.count("data-start=") == len(story.text.split())
    assert f"/stories/{story.id}/media/audio?t=" in page
    assert response["Cache-Control"] == "private, no-store"


def test_strangers_get_404_and_signed_links_work(story):
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(f"/stories/{story.id}/read/").status_code == 404
    assert Client().get(f"/stories/{story.id}/read/").status_code == 404
    assert Client().get(f"/stories/{story.id}/read/?t=forged").status_code == 404
    other = Story.objects.create(
        owner=story.owner, kid=story.kid, input_kind=InputKind.TEXT, input_text="x"
    )
    assert Client().get(f"/stories/{story.id}/read/?t={access_token(other.id)}").status_code == 404
    assert Client().get(f"/stories/{story.id}/read/?t={access_token(story.id)}").status_code == 200


def test_audio_supports_byte_ranges_for_seeking(story):
    url = f"/stories/{story.id}/media/audio?t={access_token(story.id)}"
    full = Client().get(url)
    size = int(full["Content-Length"])
    assert full["Accept-Ranges"] == "bytes"
    part = Client().get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{size}"
    assert len(b"".join(part.streaming_content)) == 100
    tail = Client().get(url, HTTP_RANGE="bytes=-10")
    assert tail["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"
    beyond = Client().get(url, HTTP_RANGE=f"bytes={size + 5}-")
    assert beyond.status_code == 416


def test_paragraph_mapping_keeps_word_order():
    stamps = [{"word": w, "start": i, "end": i + 0.5} for i, w in enumerate(["a", "b", "c", "d"])]
    paragraphs = paragraphs_with_times("a b\n\nc d", stamps)
    assert [[w["i"] for w in p] for p in paragraphs] == [[0, 1], [2, 3]]
    assert paragraphs[1][0]["start"] == 2
