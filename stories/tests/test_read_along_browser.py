"""The read-along page in headless Chromium: words light up while the audio plays, and
tapping a word seeks to it. Skipped where Chromium is not installed (CI installs it)."""

import os
import shutil

import pytest

from stories import pipeline
from stories.access import signed_url
from stories.models import InputKind, Story
from stories.tests.factories import KidFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM and os.environ.get("CI") != "true", reason="Chromium is not installed"
    ),
]


@pytest.fixture
def ready_story():
    kid = KidFactory(name="Ava")
    story = Story.objects.create(
        owner=kid.parent, kid=kid, input_kind=InputKind.TEXT, input_text="a paper boat on a pond"
    )
    return pipeline.run(story.id)


def test_words_light_up_in_time_and_tapping_a_word_seeks(live_server, ready_story):
    from playwright.sync_api import sync_playwright

    url = live_server.url + signed_url("stories:read-along", ready_story.id)
    stamps = ready_story.word_timestamps
    target = 40
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--autoplay-policy=no-user-gesture-required",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(url)
            assert page.locator(".w[data-start]").count() == len(stamps)
            # Predicates as functions: a string predicate is eval'ed, which the page's CSP forbids.
            page.wait_for_function("() => document.getElementById('narration').readyState >= 1")
            page.evaluate("document.getElementById('narration').muted = true")
            page.evaluate("document.getElementById('narration').play()")
            page.wait_for_function(
                "() => document.getElementById('narration').currentTime > 1.5", timeout=15000
            )
            state = page.evaluate(
                """() => {
                    const a = document.getElementById('narration');
                    const lit = document.querySelector('.w.now');
                    return {t: a.currentTime, lit: lit ? parseInt(lit.id.slice(1)) : -1,
                            said: document.querySelectorAll('.w.said').length};
                }"""
            )
            # Playing: either a word is lit whose window holds the playhead, or we are in a pause.
            if state["lit"] >= 0:
                word = stamps[state["lit"]]
                assert word["start"] - 0.3 <= state["t"] <= word["end"] + 0.3
            assert state["said"] >= 1

            page.click(f"#w{target}")
            page.wait_for_function(
                f"() => Math.abs(document.getElementById('narration').currentTime - {stamps[target]['start']}) < 0.6",
                timeout=10000,
            )
            page.evaluate("document.getElementById('narration').pause()")
            after = page.evaluate(
                "() => ({t: document.getElementById('narration').currentTime,"
                " lit: (document.querySelector('.w.now') || {id: 'w-1'}).id})"
            )
            assert abs(after["t"] - stamps[target]["start"]) < 0.6
            assert after["lit"] in {f"w{target}", f"w{target + 1}", "w-1"}
        finally:
            browser.close()


@pytest.mark.parametrize("title", ["", "A story for Ava"], ids=["no-title", "fallback-title"])
def test_a_story_without_a_title_says_who_it_is_for_once(live_server, ready_story, tmp_path, title):
    from mira.testing import chromium_page

    Story.objects.filter(pk=ready_story.pk).update(title=title)
    url = live_server.url + signed_url("stories:read-along", ready_story.id)
    with chromium_page(live_server.url, width=1024) as page:
        page.goto(url)
        page.screenshot(path=tmp_path / "read-along-untitled.png", full_page=True)
        assert page.inner_text("h1") == "A story for Ava"
        assert page.inner_text("header").count("A story for Ava") == 1
        assert page.title() == "A story for Ava"


def test_a_titled_story_shows_title_then_dedication(live_server, ready_story, tmp_path):
    from mira.testing import chromium_page

    url = live_server.url + signed_url("stories:read-along", ready_story.id)
    with chromium_page(live_server.url, width=1024) as page:
        page.goto(url)
        assert page.inner_text("h1") == ready_story.title != ""
        assert page.inner_text("header .for") == "A story for Ava"
