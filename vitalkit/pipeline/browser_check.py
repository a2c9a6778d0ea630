"""Open a run's reports in headless Chromium with the network off: do the figures render?

Every report of a run is opened twice, in its run folder and copied alone into an empty
folder, by a headless Chromium whose proxy points nowhere (no network: plotly.js must come
from the run's ``assets/``). After the page's scripts have run, the DOM is read back
(``--dump-dom``): a figure counts as rendered when plotly has drawn it (its ``div`` carries the
``js-plotly-plot`` class). In its run folder every figure must render; copied alone, a report
must either render every figure or show its notice that plotly.js is missing
(``#vk-plotly-missing``), never empty space. Screenshots of the index page and of one stage
report copied alone are written beside the table.

This is a check a person runs on a finished run (``vitalkit check-reports RUN``); it needs a
Chromium on the machine (``apt-get install chromium``), which the test machine does not have.

Examples
--------
>>> rendered_figures('<div class="plotly-graph-div js-plotly-plot"></div><div class="plotly-graph-div">')
(1, 2)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from vitalkit.errors import DataError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Executable names tried, in order."""

NO_NETWORK = ("--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>")
"""Every request other than ``file://`` goes to a closed local port."""

NOTICE_ID = "vk-plotly-missing"
"""The report template's notice shown when plotly.js cannot be loaded."""


def find_browser() -> str | None:
    """Path of a Chromium-like browser on ``PATH``, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _command(browser: str, *args: str, budget_ms: int = 15000) -> list[str]:
    return [
        browser,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        *NO_NETWORK,
        f"--virtual-time-budget={budget_ms}",
        *args,
    ]


def dump_dom(browser: str, page: Path, timeout_s: float = 120) -> str:
    """The page's DOM after its scripts ran (network off)."""
    out = subprocess.run(
        _command(browser, "--dump-dom", page.resolve().as_uri()),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if out.returncode != 0:
        raise DataError(page, f"{Path(browser).name} failed ({out.returncode}): {out.stderr[-300:]}")
    return out.stdout


def screenshot(browser: str, page: Path, png: Path, size: tuple[int, int] = (1400, 2000)) -> Path:
    """A PNG of ``page`` at ``size`` (width, height) pixels, network off."""
    png.parent.mkdir(parents=True, exist_ok=True)
    page = page.resolve()
    subprocess.run(
        _command(
            browser, f"--window-size={size[0]},{size[1]}", f"--screenshot={png}", page.resolve().as_uri()
        ),
        capture_output=True,
        timeout=120,
        check=False,
    )
    if not png.is_file():
        raise DataError(page, f"no screenshot written to {png}")
    return png


def rendered_figures(dom: str) -> tuple[int, int]:
    """``(figures plotly drew, figure divs)`` in a dumped DOM."""
    divs = re.findall(r'class="([^"]*\bplotly-graph-div\b[^"]*)"', dom)
    return sum("js-plotly-plot" in c for c in divs), len(divs)


def notice_shown(dom: str) -> bool:
    """Whether the 'plotly.js is missing' notice is visible (present and not ``hidden``)."""
    tag = re.search(rf'<div[^>]*id="{NOTICE_ID}"[^>]*>', dom)
    return bool(tag) and "hidden" not in tag.group(0)


def check_run_reports(
    run_dir: str | Path, out_dir: str | Path | None = None, browser: str | None = None
) -> pd.DataFrame:
    """Open every report of a finished run in place and copied alone; write screenshots.

    Parameters
    ----------
    run_dir : str or Path
        A run folder (``reports/<run-id>``) with ``index.html``.
    out_dir : str or Path, optional
        Where ``browser_check.csv`` and the screenshots go (default ``<run>/browser_check``).
    browser : str, optional
        Browser executable (default: :func:`find_browser`).

    Returns
    -------
    pandas.DataFrame
        One row per report: figures, rendered in the run folder, rendered alone, notice shown
        alone, size in KB and ``ok``.
    """
    run = Path(run_dir)
    if not (run / "index.html").is_file():
        raise DataError(run, "not a run folder (no index.html)")
    browser = browser or find_browser()
    if browser is None:
        tried = ", ".join(BROWSERS)
        raise DataError(
            "browser", f"no Chromium found (tried {tried}); install one: apt-get install chromium"
        )
    out = Path(out_dir) if out_dir else run / "browser_check"
    pages = [run / "index.html", *sorted(run.glob("*/report.html"))]
    rows = []
    with tempfile.TemporaryDirectory(prefix="vitalkit-alone-") as tmp:
        shot_alone = None
        for page in pages:
            rel = str(page.relative_to(run))
            drawn, figures = rendered_figures(dump_dom(browser, page))
            alone = Path(tmp) / rel.replace("/", "__")
            shutil.copyfile(page, alone)
            dom_alone = dump_dom(browser, alone)
            drawn_alone, _ = rendered_figures(dom_alone)
            notice = notice_shown(dom_alone)
            rows.append(
                {
                    "report": rel,
                    "figures": figures,
                    "rendered_in_run": drawn,
                    "rendered_alone": drawn_alone,
                    "notice_alone": notice,
                    "size_kb": round(page.stat().st_size / 1024, 1),
                    "ok": drawn == figures and (drawn_alone == figures or notice),
                }
            )
            if shot_alone is None and page.name == "report.html" and figures:
                shot_alone = screenshot(browser, alone, out / f"alone_{page.parent.name}.png", (1400, 1200))
        screenshot(browser, run / "index.html", out / "index.png")
    table = pd.DataFrame(rows).set_index("report")
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "browser_check.csv")
    return table
