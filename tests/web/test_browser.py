"""The web app in a real browser: Playwright driving Debian's chromium (installed by
``scripts/setup``; no browser download) against the real app in its own uvicorn process on a
free loopback port, over the demo data. Every page is checked with axe-core (WCAG 2.1 A/AA
rules): no serious or critical violation. Every request that leaves the loopback interface is
blocked and counted: there must be none (every asset is served by the service).

Screenshots of the main pages (phone 360 px and desktop) are written to a temporary folder, or
to ``docs/screenshots/`` with ``GS_WRITE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "fixtures" / "axe.min.js"
CHROMIUM = os.environ.get("GS_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
SECRET = "browser-test-secret-" + "x" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class App:
    """The service in its own process, and the CLI on the same store."""

    def __init__(self, folder: Path) -> None:
        self.env = {
            **os.environ,
            "GS_EMBEDDED_PATH": str(folder / "demo.sqlite"),
            "GS_SECRET_KEY": SECRET,
        }
        for name in ("NEO4J_URI", "GS_NEO4J_URI"):
            self.env.pop(name, None)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (folder / "server.log").open("w")
        cli = [sys.executable, "-m", "graph_service.cli"]
        self.process = subprocess.Popen(
            [*cli, "serve", "--demo", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start: {(folder / 'server.log').read_text()}")
            time.sleep(0.2)

    def code(self, role: str, subject: str, *regions: str) -> str:
        """A sign-in code from the CLI, as an admin would make one."""
        args = [sys.executable, "-m", "graph_service.cli", "signin-code", role, subject]
        for region in regions:
            args += ["--region", region]
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, check=True)
        return done.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    running = App(tmp_path_factory.mktemp("web-app"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("GS_WRITE_SCREENSHOTS") == "1":
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


class Visit:
    """A browser context that refuses and records every request off the loopback."""

    def __init__(self, browser: Browser, viewport: dict[str, int], **options: Any) -> None:
        self.context: BrowserContext = browser.new_context(viewport=viewport, **options)  # type: ignore[arg-type]  # viewport is a ViewportSize dict
        self.outside: list[str] = []

        def guard(route: Any) -> None:
            url = route.request.url
            if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
                route.continue_()
            else:
                self.outside.append(url)
                route.abort()

        self.context.route("**/*", guard)
        self.page: Page = self.context.new_page()
        self.checked: list[str] = []

    def close(self) -> None:
        self.context.close()
        assert not self.outside, f"requests off the service: {self.outside}"


def axe_check(visit: Visit, label: str) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page: no serious or critical issue."""
    page = visit.page
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
          return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {label} ({page.url}): {bad}"
    visit.checked.append(label)


def fits(page: Page) -> None:
    """Nothing wider than the screen (no sideways scrolling on a phone)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def pictures_shown(page: Page) -> None:
    """Every picture of the page loaded (they need the session cookie) and is not empty."""
    page.wait_for_function(
        "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)",
        timeout=60_000,
    )


def sign_in(visit: Visit, app: App, code: str) -> None:
    page = visit.page
    page.goto(f"{app.base}/app/sign-in")
    page.get_by_label(re.compile("Sign-in code|Código de acceso")).fill(code)
    page.get_by_role("button", name=re.compile("^(Sign in|Entrar)$")).click()
    page.wait_for_url(re.compile(r"/app/(family|organizer|research|staff)"))


def test_family_journey_on_a_phone(app: App, browser: Browser, shots: Path) -> None:
    visit = Visit(browser, PHONE)
    page = visit.page
    page.goto(f"{app.base}/app/sign-in")
    axe_check(visit, "sign-in")
    page.screenshot(path=shots / "sign-in-phone.png", full_page=True)
    sign_in(visit, app, app.code("family", "mia"))

    expect(page.get_by_role("heading", level=1)).to_have_text("The Mia family")
    axe_check(visit, "family home")
    fits(page)
    page.screenshot(path=shots / "family-home-phone.png", full_page=True)

    # Peer suggestions, with their reasons.
    page.get_by_role("link", name="Peers").click()
    expect(page.get_by_role("heading", name="Why we suggest them").first).to_be_visible()
    expect(page.get_by_text("You are both working on").first).to_be_visible()
    axe_check(visit, "peers")
    fits(page)
    page.screenshot(path=shots / "family-peers-phone.png", full_page=True)

    # Record help given to a peer.
    page.get_by_role("link", name="My home").click()
    expect(page.get_by_role("heading", name="My goals and progress")).to_be_visible()
    page.get_by_label("Which family did you help?").select_option(label="The Ana family")
    page.get_by_label("What kind of help?").select_option("childcare")
    page.get_by_label("Hours (optional)").fill("2")
    page.get_by_role("button", name="Record help").click()
    expect(page.get_by_role("status")).to_contain_text("the help is recorded")
    expect(page.get_by_text("Waiting for confirmation")).to_be_visible()

    # Answer the invitation.
    page.get_by_role("button", name="Accept the invitation to Oakland Movers").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome to your cohort!")
    expect(page.locator("#cohort-h + p")).to_contain_text("Oakland Movers")
    axe_check(visit, "family home after writes")

    # Switch to Spanish; the choice stays on the next pages.
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", name="Mis metas y mi avance")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    axe_check(visit, "family home in Spanish")
    page.screenshot(path=shots / "family-home-es-phone.png", full_page=True)
    page.get_by_role("link", name="Familias afines").click()
    expect(page.get_by_role("heading", name="Por qué se la sugerimos").first).to_be_visible()

    # Sign out: the session is over.
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(re.compile("/app/sign-in"))
    page.goto(f"{app.base}/app/family")
    assert page.url.endswith("/app/sign-in")
    visit.close()


def test_organizer_journey_on_a_desktop(app: App, browser: Browser, shots: Path) -> None:
    visit = Visit(browser, DESKTOP)
    page = visit.page
    sign_in(visit, app, app.code("organizer", "olga", "oakland", "boston"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("at a glance")
    expect(page.get_by_role("img", name=re.compile("Families joining"))).to_be_visible()
    pictures_shown(page)
    axe_check(visit, "organizer overview")
    page.screenshot(path=shots / "organizer-overview-desktop.png", full_page=True)

    # A cohort proposal for the pool of newcomers, with its quality figures and who is left.
    page.get_by_role("link", name="Cohort proposals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohort proposals")
    page.get_by_label("Region", exact=True).select_option("oakland")
    page.get_by_role("button", name="Show").click()
    # The newcomers without a cohort (mia may have joined oak-1 in the family journey).
    expect(page.get_by_text("families in the pool")).to_contain_text(re.compile("[78] families"))
    axe_check(visit, "proposals form")
    page.get_by_role("button", name="Make a proposal").click()
    expect(page.get_by_role("heading", name="The proposal")).to_be_visible()
    expect(page.get_by_text("Existing ties kept")).to_be_visible()
    expect(page.get_by_role("heading", name="Left over")).to_be_visible()
    axe_check(visit, "proposal")
    page.screenshot(path=shots / "organizer-proposal-desktop.png", full_page=True)
    # The proposal is stored: listed with its answers, and withdrawn from the page.
    expect(page.get_by_role("heading", name="Stored proposals")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Withdraw prop-")).first.click()
    expect(page.get_by_role("status")).to_contain_text("withdrawn")
    axe_check(visit, "proposal withdrawn")

    page.get_by_role("link", name="Bridges").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bridges between regions")
    axe_check(visit, "bridges")

    page.get_by_role("link", name="Sign-in codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in codes")
    page.get_by_label("Family id").fill("ana")
    page.get_by_role("button", name="Issue a code").click()
    expect(page.locator("#issued-code")).to_have_text(re.compile(r"^[A-Z2-9]{10}$"))
    axe_check(visit, "sign-in codes")

    # Open a ripple picture: an image served with the session cookie.
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("at a glance")
    link = page.get_by_role("link", name=re.compile("Open the picture of the cascade")).first
    with page.expect_response(re.compile(r"/pictures/ripple/.*\.png")) as picture:
        link.click()
    assert picture.value.status == 200
    assert picture.value.headers["content-type"] == "image/png"
    visit.close()


def test_organizer_overview_on_a_phone(app: App, browser: Browser, shots: Path) -> None:
    visit = Visit(browser, PHONE)
    sign_in(visit, app, app.code("organizer", "olga", "oakland"))
    pictures_shown(visit.page)
    axe_check(visit, "organizer overview (phone)")
    fits(visit.page)
    visit.page.screenshot(path=shots / "organizer-overview-phone.png", full_page=True)
    visit.close()


def test_family_home_on_a_desktop_and_researcher_reports(
    app: App, browser: Browser, shots: Path
) -> None:
    visit = Visit(browser, DESKTOP)
    sign_in(visit, app, app.code("family", "ana"))
    visit.page.screenshot(path=shots / "family-home-desktop.png", full_page=True)
    visit.close()
    visit = Visit(browser, DESKTOP)
    sign_in(visit, app, app.code("researcher", "rita"))
    expect(visit.page.get_by_role("link", name="Download as CSV")).to_be_visible()
    axe_check(visit, "research reports")
    visit.page.screenshot(path=shots / "research-desktop.png")
    visit.close()


def test_reading_and_the_main_forms_work_without_javascript(app: App, browser: Browser) -> None:
    visit = Visit(browser, PHONE, java_script_enabled=False)
    page = visit.page
    sign_in(visit, app, app.code("family", "ben"))
    expect(page.get_by_role("heading", name="My goals and progress")).to_be_visible()
    page.get_by_label("Which family did you help?").select_option(label="The Ana family")
    page.get_by_label("What kind of help?").select_option("repairs")
    page.get_by_role("button", name="Record help").click()
    expect(page.get_by_role("status")).to_contain_text("the help is recorded")
    page.get_by_label(re.compile("Researchers may count my family")).uncheck()
    page.get_by_role("button", name="Save my consent").click()
    expect(page.get_by_role("status")).to_contain_text("Your consent is saved")
    expect(page.get_by_label(re.compile("Researchers may count my family"))).not_to_be_checked()
    visit.close()


def test_graphiql_and_api_docs_work_offline(app: App, browser: Browser) -> None:
    visit = Visit(browser, DESKTOP)
    page = visit.page
    page.goto(f"{app.base}/graphql")
    expect(page.get_by_test_id("graphiql-container")).to_be_visible(timeout=20_000)
    page.goto(f"{app.base}/docs")
    expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=20_000)
    visit.close()


def test_the_accessibility_check_catches_violations(browser: Browser) -> None:
    """The axe check is not vacuous: a page with an unlabelled field and image fails it."""
    visit = Visit(browser, PHONE)
    visit.page.set_content(
        '<html><head><title>t</title></head><body><main><img src="data:,">'
        '<input type="text"><p style="color:#eee;background:#fff">faint</p></main></body></html>'
    )
    with pytest.raises(AssertionError, match=r"image-alt|label|color-contrast"):
        axe_check(visit, "a bad page")
    visit.close()


def test_introduction_journey_on_a_phone(app: App, browser: Browser, shots: Path) -> None:
    """A family asks to be introduced to a peer from the Peers page; the peer accepts on its
    Introductions page; both then read each other's chosen contact detail."""
    asker = Visit(browser, PHONE)
    sign_in(asker, app, app.code("family", "ana"))
    page = asker.page
    page.goto(f"{app.base}/app/family/peers?scope=OTHER_REGIONS")
    card = page.locator("li.peer").first
    heading = card.get_by_role("heading", level=2).inner_text()
    peer_id = re.match(r"The (\w+) family", heading).group(1).lower()  # type: ignore[union-attr]  # demo names
    card.get_by_label("Contact detail to share if they agree").fill("ana-phone-555")
    card.get_by_role("button", name=re.compile("^Ask to be introduced")).click()
    expect(page.get_by_text("Your request is sent.")).to_be_visible()
    expect(page.get_by_text("ana-phone-555")).to_be_visible()  # what ana shared, to ana
    axe_check(asker, "introductions")
    fits(page)
    page.screenshot(path=shots / "family-introductions-phone.png", full_page=True)

    peer = Visit(browser, PHONE)
    sign_in(peer, app, app.code("family", peer_id))
    peer.page.goto(f"{app.base}/app/family/introductions")
    expect(peer.page.get_by_text("The Ana family")).to_be_visible()
    expect(peer.page.get_by_text("ana-phone-555")).to_have_count(0)  # nothing before a yes
    peer.page.get_by_label("Contact detail to share", exact=True).fill(f"{peer_id}-mail")
    peer.page.get_by_role("button", name="Accept").click()
    expect(peer.page.get_by_text("ana-phone-555")).to_be_visible()
    axe_check(peer, "introduction accepted")

    page.reload()
    expect(page.get_by_text(f"{peer_id}-mail")).to_be_visible()
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("Withdrawn. The contact details are hidden again.")).to_be_visible()
    expect(page.get_by_text(f"{peer_id}-mail")).to_have_count(0)
    asker.close()
    peer.close()


def test_journal_and_verification_journey(app: App, browser: Browser, shots: Path) -> None:
    """A family writes its starting point and this month's entry, sees it and corrects it (on
    a phone); staff see the report in the queue with its reason and verify it (desktop); the
    new pages in Spanish; the wrong role is refused."""
    visit = Visit(browser, PHONE)
    page = visit.page
    sign_in(visit, app, app.code("family", "eli"))
    page.get_by_role("link", name="My journal").first.click()
    expect(page.get_by_role("heading", name="Your starting point")).to_be_visible()
    axe_check(visit, "journal: starting point")
    fits(page)
    page.screenshot(path=shots / "family-journal-form-phone.png", full_page=True)
    page.get_by_label("People in your household").first.fill("3")
    page.get_by_label("Money earned from work this month").fill("1900")
    page.get_by_label("Savings today").fill("250")
    page.get_by_role("button", name="Save my starting point").click()
    expect(page.get_by_role("status")).to_contain_text("Your starting point is saved")

    # This month's entry starts from the last figures; a bad amount is shown at its field.
    expect(page.get_by_role("heading", name="This month's entry")).to_be_visible()
    page.get_by_label("Money earned from work this month").fill("about 2000")
    page.get_by_role("button", name="Send this month's entry").click()
    field = page.get_by_label("Money earned from work this month")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#entry-earnedIncomeCents-error")).to_contain_text("Write an amount")
    axe_check(visit, "journal: an error at its field")
    field.fill("2050")
    page.get_by_label("Was the rent paid on time?").select_option("yes")
    page.get_by_role("button", name="Send this month's entry").click()
    expect(page.get_by_role("status")).to_contain_text("this month's entry is in")
    expect(page.locator("ul.entries")).to_contain_text("$2,050.00")
    axe_check(visit, "journal: entry in")
    fits(page)
    page.screenshot(path=shots / "family-journal-phone.png", full_page=True)

    # A correction is a new version; a step toward the family's goal.
    page.get_by_role("link", name="Correct this month's entry").click()
    page.locator("#correct-savingsCents").fill("300")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status")).to_contain_text("saved as a new version")
    expect(page.get_by_text("2 versions")).to_be_visible()
    page.get_by_label("What did you do?").fill("Set up an automatic transfer to savings")
    page.get_by_label("Toward which of my goals? (optional)").select_option(
        label="Emergency savings"
    )
    page.get_by_role("button", name="Record this step").click()
    expect(page.get_by_role("status")).to_contain_text("Your step is recorded")
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", name="Mis entradas anteriores")).to_be_visible()
    axe_check(visit, "journal in Spanish")
    page.goto(f"{app.base}/app/staff")  # a family cannot open the staff page
    expect(page.get_by_text("Esta página no es para su cuenta.")).to_be_visible()
    visit.close()

    desktop = Visit(browser, DESKTOP)
    sign_in(desktop, app, app.code("family", "eli"))
    desktop.page.goto(f"{app.base}/app/family/journal")
    desktop.page.screenshot(path=shots / "family-journal-desktop.png", full_page=True)
    desktop.close()

    staff = Visit(browser, DESKTOP)
    page = staff.page
    sign_in(staff, app, _staff_code(app))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verification queue")
    entry = page.locator("li.card", has_text="Family eli")
    expect(entry).to_contain_text("random sample")
    axe_check(staff, "verification queue")
    page.screenshot(path=shots / "staff-queue-desktop.png", full_page=True)
    entry.get_by_label("Evidence seen").first.select_option("PAY_STUB")
    entry.get_by_role("button", name=re.compile("^Verified: eli--")).click()
    expect(page.get_by_role("status")).to_contain_text("the evidence supports the report")
    expect(page.locator("li.card", has_text="Family eli")).to_contain_text("Verified")
    axe_check(staff, "verification queue after a check")
    page.goto(f"{app.base}/app/family/journal")  # staff cannot open a family's journal
    expect(page.get_by_text("This page is not for your account.")).to_be_visible()
    page.goto(f"{app.base}/app/lang/es?next=/app/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cola de verificación")
    axe_check(staff, "verification queue in Spanish")
    staff.close()

    phone = Visit(browser, PHONE)
    sign_in(phone, app, _staff_code(app))
    fits(phone.page)
    axe_check(phone, "verification queue (phone)")
    phone.page.screenshot(path=shots / "staff-queue-phone.png", full_page=True)
    phone.close()


def _staff_code(app: App) -> str:
    return app.code("staff", "sam", "oakland")
