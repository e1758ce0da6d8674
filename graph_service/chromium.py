"""Headless Chromium for the research report: PDF, screenshots and the rendered DOM.

Uses the system's ``chromium`` (Debian's package; ``scripts/setup`` installs it when tests
need it), found on ``PATH`` or at ``GS_CHROMIUM``. No browser is ever downloaded. Runs with
``--no-sandbox`` only when running as root (CI containers), where the sandbox cannot start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

TIMEOUT_S = 120


def chromium() -> str | None:
    """The Chromium executable, or None when there is none."""
    configured = os.environ.get("GS_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(page: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("no chromium on PATH (apt-get install chromium)")
    flags = ["--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # root in a container: the sandbox cannot start
    # a fixed executable and fixed flags; the only argument is a local file URI
    return subprocess.run(
        [binary, *flags, *arguments, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    )


def print_pdf(page: Path, pdf: Path) -> Path:
    _run(page, f"--print-to-pdf={pdf.resolve()}", "--no-pdf-header-footer")
    return pdf


def screenshot(page: Path, png: Path, width: int = 1200, height: int = 1500) -> Path:
    _run(page, f"--screenshot={png.resolve()}", f"--window-size={width},{height}")
    return png


def dump_dom(page: Path) -> tuple[str, str]:
    """The DOM after the page ran (stdout) and Chromium's log (stderr, console messages)."""
    done = _run(
        page, "--dump-dom", "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0"
    )
    return done.stdout, done.stderr
