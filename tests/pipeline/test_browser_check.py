"""The report check: figures counted from the DOM, the notice read, every report opened twice.

The browser is a stand-in script here (the test machine has no Chromium): it "renders" a
page's figures only when ``assets/plotly.min.js`` lies beside the page's folder, as plotly
would, writes the page's DOM, and writes a PNG for ``--screenshot``.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vitalkit.errors import DataError
from vitalkit.pipeline.browser_check import check_run_reports, notice_shown, rendered_figures

FAKE_BROWSER = r"""#!/usr/bin/env python3
import sys
from pathlib import Path
from urllib.parse import urlparse, unquote

args = sys.argv[1:]
page = Path(unquote(urlparse(args[-1]).path))
shot = [a for a in args if a.startswith("--screenshot=")]
if shot:
    Path(shot[0].split("=", 1)[1]).write_bytes(b"\x89PNG fake")
    sys.exit(0)
html = page.read_text()
has_plotly = any((p / "assets" / "plotly.min.js").is_file() for p in (page.parent, page.parent.parent))
if has_plotly:
    html = html.replace('class="plotly-graph-div"', 'class="plotly-graph-div js-plotly-plot"')
else:
    html = html.replace('id="vk-plotly-missing" hidden', 'id="vk-plotly-missing"')
print(html)
"""

STAGE = '<div id="vk-plotly-missing" hidden>notice</div>{figs}'
FIG = '<div class="plotly-graph-div"></div>'


def _run(tmp_path: Path, notice: bool = True) -> Path:
    run = tmp_path / "smoke-1"
    (run / "assets").mkdir(parents=True)
    (run / "assets" / "plotly.min.js").write_text("// plotly")
    (run / "index.html").write_text(STAGE.format(figs=FIG * 2))
    for stage, n in (("01_explore", 3), ("04_evaluate", 1)):
        (run / stage).mkdir()
        page = STAGE.format(figs=FIG * n) if notice else FIG * n
        (run / stage / "report.html").write_text(page)
    return run


@pytest.fixture
def browser(tmp_path: Path) -> str:
    path = tmp_path / "fake-chromium"
    path.write_text(FAKE_BROWSER)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_figures_and_notice_are_read_from_the_dom() -> None:
    assert rendered_figures(FIG + FIG.replace('div"', 'div js-plotly-plot"')) == (1, 2)
    assert rendered_figures("<p>no figures</p>") == (0, 0)
    assert notice_shown('<div id="vk-plotly-missing" class="vk-notice">x</div>')
    assert not notice_shown('<div id="vk-plotly-missing" class="vk-notice" hidden>x</div>')
    assert not notice_shown("<div>no notice at all</div>")


def test_every_report_is_opened_in_place_and_alone(tmp_path: Path, browser: str) -> None:
    run = _run(tmp_path)
    table = check_run_reports(run, out_dir=tmp_path / "check", browser=browser)
    assert table.index.tolist() == ["index.html", "01_explore/report.html", "04_evaluate/report.html"]
    assert table["figures"].tolist() == [2, 3, 1] and table["rendered_in_run"].tolist() == [2, 3, 1]
    assert table["rendered_alone"].sum() == 0 and table["notice_alone"].all() and table["ok"].all()
    assert (tmp_path / "check" / "browser_check.csv").is_file()
    assert sorted(p.name for p in (tmp_path / "check").glob("*.png")) == ["alone_01_explore.png", "index.png"]


def test_a_report_that_goes_blank_when_copied_alone_fails(tmp_path: Path, browser: str) -> None:
    run = _run(tmp_path, notice=False)
    table = check_run_reports(run, out_dir=tmp_path / "check", browser=browser)
    assert table.loc["index.html", "ok"] and not table.loc["01_explore/report.html", "ok"]
    (run / "assets" / "plotly.min.js").unlink()  # figures no longer render even in the run
    table = check_run_reports(run, out_dir=tmp_path / "check", browser=browser)
    assert not table["ok"].any()


def test_bad_run_folder_or_missing_browser_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DataError, match="not a run folder"):
        check_run_reports(tmp_path)
    run = _run(tmp_path)
    monkeypatch.setattr("vitalkit.pipeline.browser_check.find_browser", lambda: None)
    with pytest.raises(DataError, match="no Chromium found"):
        check_run_reports(run)
