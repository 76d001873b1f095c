"""The chat page in a real browser: Debian's Chromium driven by Playwright.

Opens the page that scripts/run.sh serves (the servers fixture), and checks
what a person sees and can do:

- the greeting, an answer, the same conversation after a reload (and replies
  still arriving: the socket.io session-room fix), and the emergency advice
  for a red flag, unmistakable: red, a heading, an alert;
- accessibility: axe-core (npm, pinned in package-lock.json, injected from
  node_modules: nothing from the network) finds no serious or critical
  violation on the greeting, an FAQ answer, a check-in question with buttons
  and the emergency advice; every control is reached with Tab, shows its
  focus and works with Enter; Escape closes the erase dialog; new bot
  messages go to a live region;
- phones (375x667, 390x844): no horizontal scroll, the input on screen, the
  emergency advice whole without scrolling the page, the disclaimer once;
- the clinician summary with its date, time zone and version, copied and
  printed (only the summary is printed);
- "Start over" (a restart, nothing erased) and "Clear conversation" (erased).

Screenshots of these states are the README's (docs/screenshots/): with
UPDATE_SCREENSHOTS=1 the tests write them, otherwise they check that each one
is there, viewport-sized, small and shown in the README. A full-page
screenshot of the first test goes to results/web_chat.png.
"""
from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator, List
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.replies import CHECK_IN_OPENER
from tests.security.helpers import event_count, rows, wait_until
from tests.servers import ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
RESULTS = ROOT / "results"
SCREENSHOTS = ROOT / "docs" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
SCREENSHOT_MAX_BYTES = 150_000
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
GREETING = "I'm the spasm-vs-twitch assistant"
DISCLAIMER = "cannot diagnose"  # the page's safety note (both forms)
QUESTION = "Spasm or twitch: what's the difference?"
ANSWER = "A twitch is a tiny, brief flicker"
FIRST_QUESTION = "how long does one episode last"
EMERGENCY = "emergency number"  # the browser sends its locale, so the number may be named
SUMMARY = "A summary you can show a doctor:"
DESKTOP = {"width": 900, "height": 1000}
PHONES = [{"width": 375, "height": 667}, {"width": 390, "height": 844}]
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
    for needed in (ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js", AXE):
        if not needed.is_file():
            pytest.fail(f"{needed.relative_to(ROOT)} is not installed: run `make web` (make test does).")
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


@contextmanager
def opened(browser, servers, viewport=DESKTOP, goto=True, **options) -> Iterator:
    """A new browser context (no stored conversation) on the chat page."""
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        if goto:
            page.goto(servers.web_url)
        yield page
    finally:
        context.close()


def greeted(page) -> None:
    page.locator(".rw-response", has_text=GREETING).first.wait_for()
    page.locator(".rw-reply", has_text="Check my symptoms").first.wait_for()


def say(page, text: str) -> None:
    page.locator("textarea.rw-new-message").fill(text)
    page.keyboard.press("Enter")
    page.locator(".rw-client", has_text=text).last.wait_for()


def serious_violations(page) -> List[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the browser's debugging protocol: the page's CSP
        # (script-src 'self') does not apply, and nothing is fetched.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [f"{v['id']} ({v['impact']}): {v['nodes'][:3]}" for v in violations
            if v["impact"] in ("serious", "critical")]


def session_id(page) -> str:
    return page.evaluate("() => JSON.parse(localStorage.getItem('chat_session')).session_id")


# ------------------------------------------------------------------ screenshots
def png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def screenshot(page, name: str) -> None:
    """docs/screenshots/<name>.png: written with UPDATE_SCREENSHOTS=1 (the viewport,
    reduced to a 128-colour palette), otherwise checked."""
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size
    if UPDATE_SCREENSHOTS:
        from PIL import Image

        image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        image.quantize(colors=128, dither=Image.Dither.NONE).save(path, optimize=True)
    redo = "run `UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/channels/test_web_browser.py`"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: {redo}"
    data = path.read_bytes()
    assert png_size(data) == (viewport["width"], viewport["height"]), f"{name}: not the viewport's size; {redo}"
    assert len(data) <= SCREENSHOT_MAX_BYTES, f"{name}: {len(data)} bytes"
    assert f"docs/screenshots/{name}.png" in (ROOT / "README.md").read_text(), f"{name} is not in the README"


# ------------------------------------------------------------------ the tests
def test_a_person_chats_reloads_and_gets_emergency_advice(servers, browser):
    remote, blocked = [], []
    with opened(browser, servers, goto=False) as page:
        page.on(
            "request",
            lambda r: urlsplit(r.url).hostname not in ("localhost", "127.0.0.1") and remote.append(r.url),
        )
        page.on("requestfailed", lambda r: r.failure == "csp" and blocked.append(r.url))
        page.goto(servers.web_url)

        # The greeting, with buttons as quick replies; the disclaimer once, above the chat.
        greeted(page)
        header = page.locator(".rw-header")
        assert header.is_visible() and header.inner_text().split("\n")[0] == "Spasm or twitch?"
        assert "not a doctor" in header.inner_text()
        assert page.get_by_text(DISCLAIMER).filter(visible=True).count() == 1
        repeat = page.locator(".rw-response.page-disclaimer")
        assert "not a doctor" in repeat.inner_text() and not repeat.is_visible(), (
            "the greeting's own disclaimer is there, hidden: the page shows it"
        )
        screenshot(page, "desktop-greeting")

        # A question (the greeting's quick reply) and its answer.
        page.locator(".rw-reply", has_text=QUESTION).first.click()
        page.locator(".rw-client", has_text=QUESTION).wait_for()
        page.locator(".rw-response", has_text=ANSWER).first.wait_for()

        # A reload keeps the conversation, and the session still gets replies.
        page.reload()
        page.locator(".rw-response", has_text=ANSWER).first.wait_for()
        page.locator(".rw-client", has_text=QUESTION).wait_for()
        assert page.locator(".rw-response", has_text=GREETING).count() == 1, (
            "no second greeting: the reloaded page continues the session"
        )

        # Typed, like a person in trouble would.
        say(page, "I can't breathe")
        emergency = page.locator(".rw-response.triage-emergency", has_text=EMERGENCY).first
        emergency.wait_for()
        background = emergency.evaluate("element => getComputedStyle(element).backgroundColor")
        assert background == "rgb(176, 0, 32)", "the emergency advice stands out in red"
        shown = page.locator(".rw-client, .rw-response:visible").all_inner_texts()
        asked = max(i for i, text in enumerate(shown) if "I can't breathe" in text)
        assert EMERGENCY in shown[asked + 1], f"the emergency text comes first: {shown[asked:]}"

        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / "web_chat.png"), full_page=True)
    # The widget's bundled CSS imports a Google font; the page's CSP stops it.
    assert set(remote) <= set(blocked), f"the page fetched from elsewhere: {set(remote) - set(blocked)}"


def test_axe_finds_nothing_serious_and_new_messages_are_announced(servers, browser):
    with opened(browser, servers) as page:
        greeted(page)
        assert page.evaluate("() => document.documentElement.lang") == "en"
        assert serious_violations(page) == [], "greeting"

        # An FAQ answer, read out by the live region.
        page.locator(".rw-reply", has_text=QUESTION).first.click()
        page.locator(".rw-response", has_text=ANSWER).first.wait_for()
        announcer = page.locator("#announcer")
        assert announcer.get_attribute("aria-live") == "polite"
        page.wait_for_function(f"() => document.getElementById('announcer').textContent.includes({ANSWER!r})")
        assert serious_violations(page) == [], "FAQ answer"

        # A check-in question with buttons.
        say(page, CHECK_IN_OPENER)
        page.locator(".rw-response", has_text=FIRST_QUESTION).wait_for()
        page.locator(".rw-reply", has_text="Minutes").wait_for()
        assert serious_violations(page) == [], "check-in question"

        # The emergency advice: an alert with a heading, not colour alone.
        say(page, "I can't breathe")
        emergency = page.locator(".rw-response.triage-emergency", has_text=EMERGENCY).first
        emergency.wait_for()
        assert emergency.get_attribute("role") == "alert"
        heading = emergency.locator("h3.triage-heading")
        assert heading.inner_text() == "Emergency: get help now" and heading.is_visible()
        assert page.get_by_role("alert").filter(has_text=EMERGENCY).count() == 1
        assert page.get_by_role("heading", name="Emergency: get help now").count() == 1
        assert serious_violations(page) == [], "emergency advice"


def focused(page) -> dict:
    return page.evaluate(
        """() => {
          const e = document.activeElement, s = getComputedStyle(e);
          return {id: e.id, cls: e.className && e.className.baseVal === undefined ? e.className : '',
                  tag: e.tagName, text: (e.innerText || '').trim().slice(0, 60),
                  name: e.getAttribute('aria-label') || '', role: e.getAttribute('role') || '',
                  outline: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth)};
        }"""
    )


def test_every_control_works_from_the_keyboard_with_visible_focus(servers, browser):
    with opened(browser, servers) as page:
        greeted(page)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        stops = []
        for _ in range(14):
            page.keyboard.press("Tab")
            stops.append(focused(page))
        names = [stop["id"] or stop["name"] or stop["text"] for stop in stops]
        for control in ("start-over", "clear-conversation", "rw-messages", QUESTION, "Check my symptoms",
                        "What else can you tell me?", "Your message"):
            assert control in names, f"{control!r} not reached by Tab: {names}"
        assert next(stop for stop in stops if stop["id"] == "rw-messages")["name"] == "Conversation"
        assert any(stop["tag"] == "SUMMARY" for stop in stops), "the privacy note opens by keyboard"
        unseen = [name for name, stop in zip(names, stops) if stop["outline"] < 2 and stop["tag"] != "BODY"]
        assert unseen == [], f"focus not visible on {unseen}"
        replies = [stop for stop in stops if "rw-reply" in stop["cls"]]
        assert replies and all(stop["role"] == "button" for stop in replies)

        # Enter on a quick reply sends it; focus goes to the message box.
        page.locator(".rw-reply", has_text=QUESTION).focus()
        page.keyboard.press("Enter")
        page.locator(".rw-client", has_text=QUESTION).wait_for()
        page.locator(".rw-response", has_text=ANSWER).first.wait_for()
        assert focused(page)["name"] == "Your message"

        # The send button, once there is something to send.
        page.keyboard.type("what causes cramps?")
        page.keyboard.press("Tab")
        send = focused(page)
        assert send["name"] == "Send" and send["outline"] >= 2, send
        page.keyboard.press("Enter")
        page.locator(".rw-client", has_text="what causes cramps?").wait_for()

        # Clear conversation: Enter opens the dialog, Escape closes it and erases nothing.
        conversation = f"socketio:{session_id(page)}"
        stored = event_count(servers.db_path, conversation)
        page.locator("#clear-conversation").focus()
        page.keyboard.press("Enter")
        dialog = page.locator("#confirm-erase")
        dialog.wait_for()
        assert focused(page)["id"] == "confirm-erase-no", "focus moves into the dialog, on the safe choice"
        page.keyboard.press("Tab")
        assert focused(page)["id"] == "confirm-erase-yes"
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")
        assert focused(page)["id"] == "clear-conversation", "focus goes back to the button"
        page.wait_for_timeout(1000)
        assert page.locator(".rw-client", has_text=QUESTION).is_visible()
        assert event_count(servers.db_path, conversation) >= stored > 0, "Escape erased nothing"


@pytest.mark.parametrize("viewport", PHONES, ids=lambda v: f"{v['width']}x{v['height']}")
def test_phones_see_the_input_and_the_whole_emergency_advice_without_scrolling(servers, browser, viewport):
    small = viewport["width"] == 375
    with opened(browser, servers, viewport=viewport, is_mobile=True, has_touch=True) as page:
        greeted(page)
        fits = page.evaluate(
            "() => [document.documentElement.scrollWidth, innerWidth, document.documentElement.scrollHeight, innerHeight]"
        )
        assert fits[0] <= fits[1], f"horizontal scroll: {fits}"
        assert fits[2] <= fits[3], f"the page itself scrolls: {fits}"
        # The short disclaimer, once; the long one and the widget's header are not spent on a phone.
        assert page.locator(".safety-compact").is_visible() and not page.locator(".safety-full").is_visible()
        assert page.get_by_text(DISCLAIMER).filter(visible=True).count() == 1
        assert not page.locator(".rw-header").is_visible()
        assert_on_screen(page, page.locator("textarea.rw-new-message"), "the input")
        if small:
            screenshot(page, "phone-greeting")

        say(page, CHECK_IN_OPENER)
        page.locator(".rw-reply", has_text="Minutes").wait_for()
        assert_on_screen(page, page.locator(".rw-reply", has_text="Longer"), "the question's buttons")
        if not small:
            screenshot(page, "phone-check-in")

        say(page, "I can't breathe")
        emergency = page.locator(".rw-response.triage-emergency", has_text=EMERGENCY).first
        emergency.wait_for()
        page.locator(".rw-response.triage-emergency", has_text="get help first").wait_for()
        page.wait_for_timeout(500)  # the widget's own scrolling is done
        assert page.evaluate("() => [scrollX, scrollY]") == [0, 0]
        messages = page.locator(".rw-messages-container").bounding_box()
        box = emergency.bounding_box()
        assert box["y"] >= messages["y"] - 1, f"the advice starts above the chat: {box} {messages}"
        assert box["y"] + box["height"] <= messages["y"] + messages["height"] + 1, (
            f"the advice ends below the chat: {box} {messages}"
        )
        assert_on_screen(page, page.locator("textarea.rw-new-message"), "the input")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        assert serious_violations(page) == [], "emergency advice on a phone"
        if small:
            screenshot(page, "phone-emergency")


def assert_on_screen(page, locator, what: str) -> None:
    box = locator.bounding_box()
    size = page.viewport_size
    assert box and box["x"] >= 0 and box["y"] >= 0, f"{what} is off screen: {box}"
    assert box["x"] + box["width"] <= size["width"] + 1 and box["y"] + box["height"] <= size["height"] + 1, (
        f"{what} is off screen: {box} in {size}"
    )
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    covered = locator.evaluate(
        "(e, [x, y]) => !e.contains(document.elementFromPoint(x, y))", list(centre)
    )
    assert not covered, f"{what} is covered"


# Answers that lead to a self-care assessment (the first of these among a question's buttons).
CHECK_IN_ANSWERS = ["Minutes", "Mild", "No, just there", "No", "Days", "Exercise"]


def finish_check_in(page) -> None:
    """The check-in from its opener to the assessment, answered with the buttons."""
    say(page, CHECK_IN_OPENER)
    summary = page.locator(".rw-response.assessment-summary")
    for _ in range(15):
        page.wait_for_function(
            "() => document.querySelector('.rw-response.assessment-summary') || document.querySelector('.rw-reply')"
        )
        if summary.count():
            return
        titles = page.locator(".rw-reply").all_inner_texts()
        choice = next((answer for answer in CHECK_IN_ANSWERS if answer in titles), titles[0])
        clients = page.locator(".rw-client").count()
        page.locator(".rw-reply", has_text=re.compile(f"^{re.escape(choice)}$")).first.click()
        page.wait_for_function("n => document.querySelectorAll('.rw-client').length > n", arg=clients)
    raise AssertionError("no assessment after 15 answers")


def test_the_summary_carries_date_time_and_version_and_can_be_copied_and_printed(servers, browser):
    zone = "Europe/Paris"
    with opened(browser, servers, timezone_id=zone, permissions=["clipboard-read", "clipboard-write"]) as page:
        greeted(page)
        assert not page.locator("#copy-summary").is_visible(), "no summary yet, nothing to copy"
        finish_check_in(page)
        summary = page.locator(".rw-response.assessment-summary")
        summary.wait_for()
        text = summary.inner_text()
        made = re.search(r"Made: (\d{4}-\d\d-\d\d) at (\d\d:\d\d) \(Europe/Paris, UTC\+0[12]:00\)", text)
        assert made, text
        when = datetime.strptime(" ".join(made.groups()), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
        assert abs(datetime.now(ZoneInfo(zone)) - when) < timedelta(minutes=3), "the browser's time, in its zone"
        version = (ROOT / "VERSION").read_text().strip()
        assert f"version {version}" in text

        # Copy: the summary as plain lines.
        page.get_by_role("button", name="Copy summary").click()
        page.locator("#notice", has_text="copied").wait_for()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        lines = copied.split("\n")
        assert lines[0] == SUMMARY and "- Where: calf" in lines and lines[-2].startswith("- Made: ")
        assert lines[-1].startswith("- By: the spasm-vs-twitch assistant, version " + version)
        page.locator(".rw-response", has_text="If anything changes").wait_for()
        summary.evaluate("element => element.scrollIntoView({block: 'start'})")
        screenshot(page, "desktop-summary")

        # Print or save as PDF: the print dialog opens on the summary alone.
        page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
        page.get_by_role("button", name="Print or save as PDF").click()
        assert page.evaluate("() => window.printed") == 1
        page.emulate_media(media="print")
        assert not page.locator("#webchat").is_visible() and not page.locator(".page-header").is_visible()
        printed = page.locator("#printable-summary")
        assert printed.is_visible() and printed.locator("pre").inner_text() == copied
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "one page"
        screenshot(page, "print-summary")


def test_start_over_restarts_without_erasing(servers, browser):
    with opened(browser, servers) as page:
        greeted(page)
        say(page, CHECK_IN_OPENER)
        page.locator(".rw-response", has_text=FIRST_QUESTION).wait_for()
        session = session_id(page)
        conversation = f"socketio:{session}"
        wait_until(lambda: event_count(servers.db_path, conversation) > 0, what="the conversation is stored")
        before = event_count(servers.db_path, conversation)

        page.locator("#start-over").focus()
        page.keyboard.press("Enter")
        page.locator("#notice", has_text="Started over").wait_for()
        page.locator(".rw-response:visible", has_text=GREETING).wait_for()
        assert page.locator(".rw-client:visible").count() == 0, "the old messages are off the screen"
        assert page.locator(".rw-response:visible", has_text=FIRST_QUESTION).count() == 0

        def restarted() -> bool:
            types = [t for (t,) in rows(servers.db_path, "SELECT type_name FROM events WHERE sender_id = ? "
                                                          "ORDER BY id", conversation)]
            return "restart" in types and "bot" in types[types.index("restart"):]

        wait_until(restarted, what="restarted, then greeted, on the server")
        assert event_count(servers.db_path, conversation) > before, "nothing was erased"
        stored = "\n".join(d for (d,) in rows(servers.db_path, "SELECT data FROM events WHERE sender_id = ?",
                                              conversation))
        assert CHECK_IN_OPENER in stored, "the record of the conversation is kept"

        # The check-in is over: a question mid check-in is answered and then the
        # check-in's question asked again; after the restart it is not.
        say(page, "what is a muscle twitch?")
        page.locator(".rw-response:visible", has_text="twitch").last.wait_for()
        page.wait_for_timeout(2000)
        assert page.locator(".rw-response:visible", has_text=FIRST_QUESTION).count() == 0, "the check-in went on"

        page.reload()
        page.locator(".rw-response", has_text=GREETING).first.wait_for()
        page.locator(".rw-client", has_text="what is a muscle twitch?").wait_for()
        assert session_id(page) == session, "the same session"
        assert page.locator(".rw-client", has_text=CHECK_IN_OPENER).count() == 0
        assert page.locator(".rw-response", has_text=GREETING).count() == 1
        kept = json.loads(page.evaluate("() => localStorage.getItem('chat_session')"))["conversation"]
        assert CHECK_IN_OPENER not in json.dumps(kept), "this browser's copy starts at the restart"


def test_clear_conversation_erases_it_here_and_on_the_server(servers, browser):
    """The page's button: a confirmation, then the server erases the conversation
    and the page drops rasa-webchat's stored copy and starts a new session."""
    with opened(browser, servers) as page:
        greeted(page)
        say(page, "my calf cramps at night")
        page.wait_for_function("() => (localStorage.getItem('chat_session') || '').includes('calf cramps')")
        old_session = session_id(page)
        conversation = f"socketio:{old_session}"
        wait_until(lambda: event_count(servers.db_path, conversation) > 0, what="the conversation is stored")

        page.locator("#clear-conversation").click()
        page.get_by_role("dialog", name="Erase this conversation?").wait_for()
        with page.expect_navigation():
            page.get_by_role("button", name="Erase it").click()
        page.locator("#notice", has_text="erased").wait_for()
        greeted(page)
        assert page.locator(".rw-client", has_text="my calf cramps").count() == 0, "the old messages are gone"
        stored = page.evaluate("() => localStorage.getItem('chat_session') || ''")
        assert "calf cramps" not in stored and old_session not in stored
        wait_until(lambda: event_count(servers.db_path, conversation) == 0, what="erased on the server")


def test_the_browsers_locale_names_that_countrys_emergency_number(servers, browser):
    """The page sends navigator.language; an Australian browser is told 000 (and 112)."""
    with opened(browser, servers, locale="en-AU") as page:
        greeted(page)
        say(page, "I can't breathe")
        emergency = page.locator(".rw-response.triage-emergency", has_text=EMERGENCY).first
        emergency.wait_for()
        text = emergency.inner_text()
        assert "000 (the emergency number in Australia; 112 also works from a mobile phone" in text, text
        assert "if you are somewhere else, your local emergency number" in text, text
