"""The report in a real browser: every page renders, no broken image or link, no
console error. Screenshots of the index and one chapter page are saved under the
report's ``screenshots/``.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them);
skips, saying why, when they are missing.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="chromium and chromedriver are not installed (apt-get install chromium "
        "chromium-driver; .ci/run does it)",
    ),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the browser closing a connection early is not a report problem


@pytest.fixture(scope="module")
def served(executed: Path) -> Iterator[tuple[str, Path]]:
    root = executed.resolve()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _pages(root: Path) -> list[str]:
    return [
        "index.html",
        *sorted(str(p.relative_to(root)) for p in root.glob("notebooks/*/*.html")),
        *_manuscripts(root),
    ]


def _manuscripts(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.glob("manuscript/*/manuscript-*.html"))


def _check_page(driver: object, base: str, page: str) -> list[str]:
    url = urllib.parse.urljoin(base, page)
    driver.get(url)
    problems = []
    state = driver.execute_script("return document.readyState")
    text = driver.execute_script("return document.body ? document.body.innerText.length : 0")
    if state != "complete" or not text:
        problems.append(f"{page}: did not render (readyState {state}, {text} characters)")
    broken = driver.execute_script(
        "return Array.from(document.images)"
        ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    problems += [f"{page}: broken image {src}" for src in broken]
    links = driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
    )
    for link in sorted(set(links)):
        target = urllib.parse.urldefrag(link).url
        if not target.startswith(base):
            continue  # external links are not ours to test offline
        try:
            with urllib.request.urlopen(target, timeout=10) as response:
                if response.status != 200:
                    problems.append(f"{page}: link {link} answers {response.status}")
        except OSError as exc:
            problems.append(f"{page}: broken link {link} ({exc})")
    for entry in driver.get_log("browser"):
        if entry["level"] == "SEVERE":
            problems.append(f"{page}: console error {entry['message']}")
    return problems


def test_every_page_renders_without_broken_images_links_or_errors(
    served: tuple[str, Path], browser: object
) -> None:
    base, root = served
    pages = _pages(root)
    assert len(pages) > 1
    problems = [p for page in pages for p in _check_page(browser, base, page)]
    assert problems == []


# TeX left as text: "$W_{it}$", "$$...$$", "\\(...\\)" (a "$" next to a digit is money).
RAW_MATH = r"\$\$.+?\$\$|\$(?!\s)[^$\n]+?(?<!\s)\$(?!\d)|\\\(.+?\\\)|\\\[.+?\\\]"


def _math_problems(driver: object, base: str, page: str, tex: list[str]) -> list[str]:
    """Raw TeX in the rendered Markdown of ``page``; no typeset <math> although it has math.

    ``tex`` is the math the page's notebook holds (nbconvert's parser found it).
    """
    import re

    driver.get(urllib.parse.urljoin(base, page))
    rendered = driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-RenderedMarkdown'))"
        ".map(e => e.innerText).join('\\n')"
    )
    problems = [f"{page}: raw math {m!r}" for m in re.findall(RAW_MATH, rendered)]
    problems += [f"{page}: raw math {t!r}" for t in tex if t in rendered]
    # Typeset, not hidden: each <math> takes room on the page.
    sizes = driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-RenderedMarkdown math'))"
        ".map(m => m.getBoundingClientRect().width * m.getBoundingClientRect().height)"
    )
    if tex and not sizes:
        problems.append(f"{page}: {len(tex)} formulas but no <math> element")
    problems += [f"{page}: a <math> element takes no room" for size in sizes if not size > 0]
    return problems


def _page_formulas(root: Path, page: str) -> list[str]:
    """The TeX of the formulas in the Markdown of the notebook beside ``page``."""
    import nbformat

    from inertia.pipeline.mathml import formulas, markdown_sources

    notebook = root / Path(page).with_suffix(".ipynb")
    if not notebook.is_file():
        return []
    found = formulas(markdown_sources(nbformat.read(notebook, as_version=4)))
    return sorted(tex for _, tex in found)


def test_math_is_typeset_as_mathml_in_every_chapter(
    served: tuple[str, Path], browser: object
) -> None:
    base, root = served
    pages = [p for p in _pages(root) if p.startswith("notebooks/")]
    with_math = {page: _page_formulas(root, page) for page in pages}
    assert any(with_math.values()), "no chapter has math: the check would check nothing"
    problems = [p for page in pages for p in _math_problems(browser, base, page, with_math[page])]
    assert problems == []


def test_screenshots_of_the_index_and_a_chapter(served: tuple[str, Path], browser: object) -> None:
    base, root = served
    shots = root / "screenshots"
    shots.mkdir(exist_ok=True)
    chapter = next(p for p in _pages(root) if "03_inertia_evidence" in p or "01_data" in p)
    for page, name in (("index.html", "index.png"), (chapter, "chapter.png")):
        browser.get(urllib.parse.urljoin(base, page))
        browser.save_screenshot(str(shots / name))
        assert (shots / name).stat().st_size > 10_000


def test_the_manuscripts_render_their_math_and_resolve_every_cross_reference(
    served: tuple[str, Path], browser: object
) -> None:
    """Each manuscript page, as a reader sees it: no raw TeX left in the rendered text,
    MathML laid out, every in-page link (cross-references, citations, contents) lands on
    an element of the page, every figure loaded; screenshots of the first screens."""
    base, root = served
    pages = _manuscripts(root)
    runs = {p.split("/")[1] for p in pages}
    assert {"simulated", "zh"} <= runs, pages
    shots = root / "screenshots"
    shots.mkdir(exist_ok=True)
    for page in pages:
        browser.get(urllib.parse.urljoin(base, page))
        text = browser.execute_script("return document.body.innerText")
        assert "$" not in text, f"{page}: raw TeX math in the rendered text"
        assert "\\" not in text and "??" not in text, page
        sizes = browser.execute_script(
            "return Array.from(document.querySelectorAll('math'))"
            ".map(m => m.getBoundingClientRect().width)"
        )
        assert len(sizes) >= 10 and min(sizes) > 0, f"{page}: MathML not laid out ({sizes[:5]})"
        dangling = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
            ".map(a => a.getAttribute('href').slice(1))"
            ".filter(id => !document.getElementById(decodeURIComponent(id)))"
        )
        assert dangling == [], f"{page}: links to missing targets {dangling}"
        references = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href^=\"#fig-\"], "
            "a[href^=\"#tbl-\"], a[href^=\"#eq-\"], a[href^=\"#sec-\"]')).length"
        )
        assert references >= 15, f"{page}: only {references} cross-references"
        broken = browser.execute_script(
            "return Array.from(document.images)"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert broken == [] and browser.execute_script("return document.images.length") >= 5
        name = page.replace("/", "-").replace(".html", ".png")
        browser.save_screenshot(str(shots / name))
        assert (shots / name).stat().st_size > 10_000
