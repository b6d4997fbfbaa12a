"""The one real-browser test: the app served by ``streamlit run`` and driven by Debian's chromium.

Opens every page through the sidebar navigation, waits for Streamlit to finish the run and for Plotly to
draw, fails on any exception box or traceback, and saves a full-page screenshot of each page in
``screenshots/`` (git-ignored). Then uploads two survey files through the Data page's real file input,
uses them, and checks the Team explorer heatmap of the upload: the teams shown are drawn, the team below
the anonymity threshold is nowhere on the page or in the figure data. A second test runs axe-core (WCAG 2.2
AA rules, from npm: ``tests/axe``, installed by ``npm ci``) on every page in the light theme, switches to the
dark theme with the sidebar's "Colour theme" control, and runs it on every page again, taking a screenshot of
each: no serious or critical violation is allowed except the few that Streamlit's own markup causes
(:data:`STREAMLIT_OWNED`, listed in the README's accessibility section).

Chromium is the system one (``/usr/bin/chromium``), never a browser downloaded by Playwright; the test is
skipped when it is absent. Run it alone with ``python -m pytest tests/test_browser.py -q``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from analytics import settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 900}
SERVER_START_TIMEOUT_S = 60
#: Bound on one Streamlit run seen from the browser (a page with the sample trust, or scoring an upload);
#: generous because the machine is shared.
RUN_TIMEOUT_MS = 90_000
#: Screenshots taller than this are cut (the viewport is set to the page's height to capture it whole).
MAX_SCREENSHOT_HEIGHT = 12_000

#: axe-core's browser bundle, installed by ``cd tests/axe && npm ci`` (.ci/run does it).
AXE_JS = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: The rules run: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_IMPACTS_FAILING = ("serious", "critical")
#: Violations in markup Streamlit draws and the project cannot change: (axe rule id, CSS selector of the
#: element, why). A node is excused only when its rule matches and it lies inside the selector.
STREAMLIT_OWNED = [
    ("list", '[data-testid="stSidebarNav"]',
     "Streamlit's navigation puts section headings (div) directly inside the <ul> of page links"),
    ("listitem", '[data-testid="stSidebarNav"]',
     "the same navigation wraps each <li> in a div, so axe finds no <ul> parent"),
]

#: (navigation title, screenshot name, whether the page draws at least one Plotly chart on the sample data)
PAGES = [
    ("Board assurance", "board", True),
    ("Team explorer", "team_explorer", True),
    ("Relationships", "relationships", True),
    ("Trends", "trends", True),
    ("Data", "data", False),
    ("Methods & data quality", "methods", False),
]

#: Teams of the small uploaded survey: (directorate, team, respondents). "Tiny Hub" has fewer responses
#: than the default anonymity threshold, so it must not appear anywhere.
UPLOAD_TEAMS = [("Medicine", "Ward A", 14), ("Medicine", "Ward B", 13), ("Surgery", "Theatres", 15),
                ("Surgery", "Day Unit", 12), ("Surgery", "Tiny Hub", 4)]
SUPPRESSED_TEAM = "Tiny Hub"
UPLOAD_CODES = ["q9f", "q9g", "q9h", "q9i", "q2a", "q2b", "q2c", "q26a", "q26b", "q26c"]

pytestmark = pytest.mark.browser


# --- server --------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(proc: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with code {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not answer on {url} within {SERVER_START_TIMEOUT_S} s:\n"
                f"{log_path.read_text(errors='replace')}")


def _start_server(tmp_dir: Path, name: str, *extra_args: str):
    """Start ``streamlit run app.py`` on a free port; returns (process, base url, log path)."""
    port = _free_port()
    log_path = tmp_dir / f"streamlit_{name}.log"
    log = open(log_path, "wb")
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               *extra_args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()
    return proc, f"http://127.0.0.1:{port}", log_path


def _stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium); "
                    "the real-browser test needs it and never downloads a browser")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the Python playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _server_fixture(tmp_path_factory, name: str, *extra_args: str):
    tmp_dir = tmp_path_factory.mktemp(f"server_{name}")
    proc, url, log_path = _start_server(tmp_dir, name, *extra_args)
    try:
        _wait_until_healthy(proc, int(url.rsplit(":", 1)[1]), log_path)
        yield url, log_path
    finally:
        _stop_server(proc)


@pytest.fixture(scope="module")
def app_url(browser, tmp_path_factory):
    yield from _server_fixture(tmp_path_factory, "light")


@pytest.fixture
def page_factory(browser):
    """New pages (tabs) in a fresh browser context; collects uncaught page errors."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(RUN_TIMEOUT_MS)
        page.page_errors = []
        page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


# --- waiting for Streamlit and Plotly --------------------------------------------------------------------

# True once the app has been idle for a few consecutive animation frames spread over >= 400 ms: the script
# is not running (stApp's data-test-script-state), no element is stale (left over from the previous run),
# no status widget ("Running...") or spinner is shown, and the connection is up.
_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const busy = !app
    || app.getAttribute('data-test-script-state') !== 'notRunning'
    || app.getAttribute('data-test-connection-state') !== 'CONNECTED'
    || document.querySelector('[data-testid="stStatusWidget"]')
    || document.querySelector('[data-stale="true"]')
    || document.querySelector('[data-testid="stSpinner"]')
    || document.querySelector('[data-testid="stSkeleton"]');
  const now = performance.now();
  if (busy) { window.__idleSince = null; return false; }
  if (window.__idleSince == null) { window.__idleSince = now; }
  return now - window.__idleSince >= 400;
}
"""

# Every visible Plotly chart element has drawn its SVG (hidden ones, e.g. in a collapsed expander, are skipped).
_PLOTS_DRAWN_JS = """
() => {
  const charts = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    .filter(el => el.offsetParent !== null && el.getBoundingClientRect().width > 0);
  return charts.length > 0 && charts.every(el => el.querySelector('.js-plotly-plot .main-svg'));
}
"""


def _wait_idle(page) -> None:
    page.evaluate("() => { window.__idleSince = null; }")
    page.wait_for_function(_IDLE_JS, polling=100, timeout=RUN_TIMEOUT_MS)


def _wait_for_page(page, title: str, has_chart: bool) -> None:
    page.get_by_role("heading", name=title, level=1).first.wait_for(state="visible")
    _wait_idle(page)
    if has_chart:
        page.wait_for_function(_PLOTS_DRAWN_JS, polling=200, timeout=RUN_TIMEOUT_MS)
        _wait_idle(page)


def _assert_no_error(page, where: str) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{where}: exception shown: {exceptions.first.inner_text()[:2000]}"
    main_text = page.locator('[data-testid="stApp"]').inner_text()
    assert "Traceback" not in main_text, f"{where}: a traceback is on the page"
    assert "This app has encountered an error" not in main_text, f"{where}: Streamlit's error page is shown"
    assert not page.page_errors, f"{where}: JavaScript errors: {page.page_errors}"


def _screenshot(page, name: str) -> Path:
    """Whole-page screenshot: Streamlit scrolls its main block, not the document, so the viewport is made
    as tall as the content for the shot."""
    SCREENSHOTS.mkdir(exist_ok=True)
    height = page.evaluate("""() => {
      const block = document.querySelector('[data-testid="stMainBlockContainer"]');
      const side = document.querySelector('[data-testid="stSidebarContent"]');
      return Math.max(block ? block.scrollHeight + 120 : 0, side ? side.scrollHeight : 0);
    }""")
    height = int(min(max(height, VIEWPORT["height"]), MAX_SCREENSHOT_HEIGHT))
    path = SCREENSHOTS / f"{name}.png"
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    try:
        page.wait_for_timeout(300)  # let Plotly's responsive resize settle
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)
    return path


_AXE_RUN_JS = """
async ([tags, impacts, owned]) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  const excused = (id, target) => {
    const el = document.querySelector(target.join(' '));
    return el != null && owned.some(([rule, selector]) => rule === id && el.closest(selector));
  };
  return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.filter(n => !excused(v.id, n.target))
      .map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                  summary: (n.failureSummary || '').slice(0, 300)}))
  })).filter(v => v.nodes.length > 0);
}
"""


def _axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the page as shown, without :data:`STREAMLIT_OWNED`."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    owned = [[rule, selector] for rule, selector, _ in STREAMLIT_OWNED]
    return page.evaluate(_AXE_RUN_JS, [AXE_TAGS, list(AXE_IMPACTS_FAILING), owned])


def _describe(violations: list[dict]) -> str:
    return "\n".join(f"  {v['impact']} {v['id']} ({v['help']}): {len(v['nodes'])} element(s), e.g. "
                     f"{v['nodes'][0]['target']}: {v['nodes'][0]['summary']}" for v in violations)


def _theme_background_is_dark(page) -> bool:
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor")
    channels = [int(c) for c in background[background.index("(") + 1:background.index(")")].split(",")[:3]]
    return sum(channels) < 3 * 100


def _open_page(page, title: str, has_chart: bool) -> None:
    page.locator('[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]').filter(
        has_text=title).first.click()
    _wait_for_page(page, title, has_chart)


def _plotly_json(page) -> str:
    """The data and layout of every Plotly figure on the page, as one JSON text."""
    return page.evaluate("""() => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'))
      .map(gd => ({data: gd.data, layout: gd.layout})))""")


def _text_outside_charts(page) -> str:
    """The main area's visible text, without the Plotly charts (whose data is checked on its own)."""
    return page.evaluate("""() => Array.from(
        document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]'))
      .filter(el => !el.querySelector('[data-testid="stPlotlyChart"], [data-testid="stVerticalBlock"]'))
      .map(el => el.innerText).join('\\n')""")


def _assert_only_labelled_suppressed(figures: list[dict], team: str) -> None:
    """``team`` (below the anonymity threshold) may appear in a heatmap only as a row label with no value:
    every score cell on its row is empty and every text about it says "fewer than k responses"; no other
    trace mentions it."""
    for figure in figures:
        for trace in figure["data"]:
            if team not in json.dumps(trace):
                continue
            assert trace.get("type") == "heatmap", f"{team!r} is in a {trace.get('type')} trace"
            rows = [i for i, label in enumerate(trace.get("y") or []) if team in str(label)]
            assert rows, f"{team!r} is in a heatmap trace but not as a row label"
            for i in rows:
                if trace.get("name") != "Suppressed":
                    assert all(v is None for v in trace["z"][i]), f"{team!r} has a score in {trace.get('name')}"
                for key in ("text", "hovertext", "customdata"):
                    cells = trace.get(key)
                    if isinstance(cells, list) and i < len(cells) and isinstance(cells[i], list):
                        for cell in cells[i]:
                            if team in str(cell):
                                assert "fewer than" in str(cell), f"{team!r} in {key}: {cell!r}"


# --- the uploaded survey ---------------------------------------------------------------------------------

def _small_survey_csv(path: Path) -> Path:
    """A survey export headed by NHS Staff Survey question codes, answers 1-5, with Directorate and Team
    columns; the year (2026) is in the file name."""
    rng = np.random.default_rng(2026)
    lines = [",".join(["Directorate", "Team", *[code.upper() for code in UPLOAD_CODES]])]
    for shift, (directorate, team, respondents) in enumerate(UPLOAD_TEAMS):
        for _ in range(respondents):
            answers = np.clip(2 + shift % 3 + rng.integers(-1, 2, size=len(UPLOAD_CODES)), 1, 5)
            lines.append(",".join([directorate, team, *map(str, answers)]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- tests -----------------------------------------------------------------------------------------------

def test_every_page_draws_and_an_upload_reaches_the_team_explorer(app_url, page_factory, tmp_path):
    url, log_path = app_url
    page = page_factory()
    page.goto(url + "/")
    _wait_for_page(page, "Board assurance", has_chart=True)
    assert page.locator(".js-plotly-plot").count() >= 1

    for title, _, has_chart in PAGES:
        _open_page(page, title, has_chart)
        _assert_no_error(page, title)
        if has_chart:
            assert page.locator(".js-plotly-plot .main-svg").count() >= 1, f"{title}: no Plotly chart drawn"

    # Upload through the real file input, then use the files.
    _open_page(page, "Data", has_chart=False)
    survey_csv = _small_survey_csv(tmp_path / "pulse_2026.csv")
    sample_2025 = ROOT / "sample_data" / "survey_2025.csv"
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Survey files")
    uploader.locator('input[type="file"]').set_input_files([str(survey_csv), str(sample_2025)])
    page.get_by_text(survey_csv.name).first.wait_for(state="visible")
    _wait_idle(page)
    _assert_no_error(page, "Data (after upload)")
    use_button = page.get_by_role("button", name="Preview these files")
    assert use_button.is_enabled(), "'Preview these files' stays disabled after a recognisable upload"
    use_button.click()
    sidebar = page.locator('[data-testid="stSidebarUserContent"]')
    sidebar.get_by_text("Preview of your uploads:").first.wait_for(state="visible")
    _wait_idle(page)
    _assert_no_error(page, "Data (after using the files)")
    sidebar_text = sidebar.inner_text()
    assert survey_csv.name in sidebar_text and sample_2025.name in sidebar_text
    _screenshot(page, "data_after_upload")

    _open_page(page, "Team explorer", has_chart=True)
    _assert_no_error(page, "Team explorer (upload)")
    heatmap = page.locator(".js-plotly-plot").filter(has=page.locator(".heatmaplayer"))
    heatmap.first.wait_for(state="visible")
    figures = json.loads(_plotly_json(page))
    figures_text = json.dumps(figures)
    for _, team, respondents in UPLOAD_TEAMS:
        if respondents >= settings.DEFAULT_MIN_GROUP_SIZE:
            assert team in figures_text, f"team {team!r} missing from the uploaded data's figures"
    _assert_only_labelled_suppressed(figures, SUPPRESSED_TEAM)
    text = _text_outside_charts(page)
    assert "Team explorer" in text
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if SUPPRESSED_TEAM in line:
            context = "\n".join(lines[max(0, i - 3):i + 4])
            assert "fewer than" in line, f"the suppressed team is shown without its label:\n{context}"
    _screenshot(page, "team_explorer_upload")
    assert "Traceback" not in log_path.read_text(errors="replace"), "the server logged a traceback"


def test_every_page_accessible_in_light_and_dark(app_url, page_factory):
    """axe-core on every page, light theme then dark (chosen with the sidebar control, as a user would):
    0 serious or critical violations outside :data:`STREAMLIT_OWNED`. Screenshots: ``light_<page>.png`` and
    ``dark_<page>.png``."""
    url, log_path = app_url
    page = page_factory()
    page.goto(url + "/")
    _wait_for_page(page, "Board assurance", has_chart=True)
    assert not _theme_background_is_dark(page), "the app does not open in the light theme"
    found: dict[str, list[dict]] = {}
    for theme in ("light", "dark"):
        if theme == "dark":
            page.locator('[data-testid="stSidebarUserContent"]').get_by_role("radio", name="Dark").click()
            # The theme change may reload the app: wait until its root is back and no longer white.
            page.wait_for_function("() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
                                   " return app !== null && getComputedStyle(app).backgroundColor"
                                   " !== 'rgb(255, 255, 255)'; }", timeout=RUN_TIMEOUT_MS)
            page.locator('[data-testid="stSidebarNav"]').first.wait_for(state="visible")
            _wait_idle(page)
            assert _theme_background_is_dark(page), "choosing Dark in the sidebar did not apply the dark theme"
        for title, name, has_chart in PAGES:
            _open_page(page, title, has_chart)
            _assert_no_error(page, f"{title} ({theme})")
            _screenshot(page, f"{theme}_{name}")
            if AXE_JS.exists():
                violations = _axe_violations(page)
                if violations:
                    found[f"{title} ({theme})"] = violations
    assert "Traceback" not in log_path.read_text(errors="replace"), "the server logged a traceback"
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed ({AXE_JS}); run: cd tests/axe && npm ci")
    assert not found, "serious or critical accessibility violations (axe-core, WCAG 2.2 AA):\n" + "\n".join(
        f"{where}:\n{_describe(violations)}" for where, violations in found.items())
