"""The chat page in a real browser: Debian's Chromium driven by Playwright.

Opens the page that scripts/run.sh serves (the servers fixture), and checks
what a person sees: the greeting with its disclaimer and quick replies, an
answer to a question, the same conversation after a reload (and replies still
arriving: the socket.io session-room fix), and the emergency advice for a red
flag, unmistakable. A screenshot goes to results/web_chat.png.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
RESULTS = ROOT / "results"
QUESTION = "Spasm or twitch: what's the difference?"
ANSWER = "A twitch is a tiny, brief flicker"
EMERGENCY = "emergency number"  # the browser sends its locale, so the number may be named
TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        # The same idempotent step `make test` runs first.
        subprocess.run(["make", "-s", "browser"], cwd=ROOT, timeout=900, check=False)
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not at /usr/bin/chromium and `make browser` could not install it "
            "(apt-get install chromium needs root and Debian's package archive)."
        )
    if not (ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js").is_file():
        pytest.fail("the chat widget is not installed: run `make web` (make test does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def test_a_person_chats_reloads_and_gets_emergency_advice(servers, browser):
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    remote, blocked = [], []
    page.on(
        "request",
        lambda r: urlsplit(r.url).hostname not in ("localhost", "127.0.0.1") and remote.append(r.url),
    )
    page.on("requestfailed", lambda r: r.failure == "csp" and blocked.append(r.url))
    try:
        page.goto(servers.web_url)

        # The greeting, with its disclaimer, and buttons as quick replies.
        greeting = page.locator(".rw-response", has_text="not a doctor").first
        greeting.wait_for()
        assert "emergency number" in page.locator(".rw-messages-container").inner_text()
        page.locator(".rw-reply", has_text="Check my symptoms").first.wait_for()
        header = page.locator(".rw-header")
        assert header.is_visible() and header.inner_text().split("\n")[0] == "Spasm or twitch?"
        assert "not a doctor" in header.inner_text()

        # A question (the greeting's quick reply) and its answer.
        page.locator(".rw-reply", has_text=QUESTION).first.click()
        page.locator(".rw-client", has_text=QUESTION).wait_for()
        page.locator(".rw-response", has_text=ANSWER).first.wait_for()

        # A reload keeps the conversation, and the session still gets replies.
        page.reload()
        page.locator(".rw-response", has_text=ANSWER).first.wait_for()
        page.locator(".rw-client", has_text=QUESTION).wait_for()
        assert page.locator(".rw-response", has_text="not a doctor").count() == 1, (
            "no second greeting: the reloaded page continues the session"
        )

        # Typed, like a person in trouble would.
        page.locator("textarea.rw-new-message").fill("I can't breathe")
        page.keyboard.press("Enter")
        emergency = page.locator(".rw-response.triage-emergency", has_text=EMERGENCY).first
        emergency.wait_for()
        background = emergency.evaluate("element => getComputedStyle(element).backgroundColor")
        assert background == "rgb(176, 0, 32)", "the emergency advice stands out in red"
        shown = page.locator(".rw-client, .rw-response").all_inner_texts()
        asked = max(i for i, text in enumerate(shown) if "I can't breathe" in text)
        assert EMERGENCY in shown[asked + 1], f"the emergency text comes first: {shown[asked:]}"

        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / "web_chat.png"), full_page=True)
    finally:
        context.close()
    # The widget's bundled CSS imports a Google font; the page's CSP stops it.
    assert set(remote) <= set(blocked), f"the page fetched from elsewhere: {set(remote) - set(blocked)}"


def test_clear_conversation_erases_it_here_and_on_the_server(servers, browser):
    """The page's button: a confirmation, then the server erases the conversation
    and the page drops rasa-webchat's stored copy and starts a new session."""
    from tests.security.helpers import event_count, wait_until

    context = browser.new_context(viewport={"width": 900, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(servers.web_url)
        page.locator(".rw-response", has_text="not a doctor").first.wait_for()
        page.locator("textarea.rw-new-message").fill("my calf cramps at night")
        page.keyboard.press("Enter")
        page.locator(".rw-client", has_text="my calf cramps at night").wait_for()
        page.wait_for_function("() => (localStorage.getItem('chat_session') || '').includes('calf cramps')")
        old_session = page.evaluate("() => JSON.parse(localStorage.getItem('chat_session')).session_id")
        conversation = f"socketio:{old_session}"
        wait_until(lambda: event_count(servers.db_path, conversation) > 0, what="the conversation is stored")

        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            page.locator("#clear-conversation").click()
        page.locator("#notice", has_text="erased").wait_for()
        page.locator(".rw-response", has_text="not a doctor").first.wait_for()
        assert page.locator(".rw-client", has_text="my calf cramps").count() == 0, "the old messages are gone"
        stored = page.evaluate("() => localStorage.getItem('chat_session') || ''")
        assert "calf cramps" not in stored and old_session not in stored
        wait_until(lambda: event_count(servers.db_path, conversation) == 0, what="erased on the server")
    finally:
        context.close()
