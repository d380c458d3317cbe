"""HTML pages printed to PDF by headless Chromium, byte-reproducibly.

One printer serves the manuscript (:mod:`inertia.pipeline.paper`) and the
README of the replication package (:mod:`inertia.pipeline.package`). Chromium
is Debian's (``.ci/run`` installs it for the browser test); it embeds a subset
of every font it uses. The CJK font of the lock (``noto-cjk-sans-otc``)
reaches it through a fontconfig file, because Chromium's font sanitiser
refuses a font collection (``.ttc``) given by ``@font-face``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from inertia.errors import InertiaError
from inertia.io import atomic_write

#: Browsers that print to PDF, first found wins.
BROWSERS = ("chromium", "chromium-browser")
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}")


def browser() -> str | None:
    """The path of the first of :data:`BROWSERS` on ``PATH``, or None.

    Returns
    -------
    str or None
    """
    return next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)


def print_pdf(page: Path, out: Path, *, timeout: float = 180) -> None:
    """Print the HTML file ``page`` to the PDF ``out`` (written atomically).

    The PDF's creation and modification dates are set to 1980-01-01 (same
    length, so the cross-reference offsets stay right) and the tag tree is
    off (its node ids change from run to run), so the same page and browser
    give the same bytes.

    Parameters
    ----------
    page : Path
        The HTML file; images and style sheets it links resolve from its folder.
    out : Path
        The PDF to write.
    timeout : float
        Seconds before the browser is given up.

    Raises
    ------
    InertiaError
        When no browser is installed, or the browser writes no PDF.
    """
    import noto_cjk_sans_otc

    program = browser()
    if program is None:
        raise InertiaError(
            f"No browser to print {page.name} to PDF: install Debian's chromium "
            "(apt-get install chromium; .ci/run does it)."
        )
    with tempfile.TemporaryDirectory(prefix="inertia-print-") as scratch:
        pdf = Path(scratch) / "page.pdf"
        fonts = Path(scratch) / "fonts.conf"
        fonts.write_text(
            '<?xml version="1.0"?><fontconfig>'
            '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
            f"<dir>{Path(noto_cjk_sans_otc.FONT_PATH).parent}</dir>"
            f"<cachedir>{Path(scratch) / 'fontconfig'}</cachedir></fontconfig>",
            encoding="utf-8",
        )
        command = [
            program,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            "--disable-pdf-tagging",
            f"--user-data-dir={Path(scratch) / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.resolve().as_uri(),
        ]
        try:
            env = {**os.environ, "FONTCONFIG_FILE": str(fonts)}
            subprocess.run(command, capture_output=True, timeout=timeout, check=False, env=env)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InertiaError(f"{program} could not print {page} to PDF: {exc}") from None
        if not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            raise InertiaError(f"{program} wrote no PDF of {page}.")
        fixed = _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:19800101000000", pdf.read_bytes())
    atomic_write(out, lambda tmp: tmp.write_bytes(fixed))
