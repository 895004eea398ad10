"""`ehsg serve` end to end in a real browser: Playwright driving Debian's chromium, JavaScript off."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")
pytest.importorskip("starlette", reason="the web extra is not installed: pip install 'ehsg[web]'")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed", allow_module_level=True)

from docx import Document  # noqa: E402
import openpyxl  # noqa: E402

from conftest import EXAMPLE, REPO  # noqa: E402

CORPUS = REPO / "tests" / "data" / "corpus"
WORKSHOP = REPO / "examples" / "workshop"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "ehsg.cli", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp)
    assert f"http://127.0.0.1:{port}/" in proc.stdout.readline()
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True, base_url=server,
                                  viewport={"width": 1100, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Screenshots of every page, kept in $EHSG_SCREENSHOTS when set, so a person can look at them."""
    folder = Path(os.environ.get("EHSG_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_download(page, click, tmp_path) -> Path:
    with page.expect_download() as d:
        click()
    target = tmp_path / d.value.suggested_filename
    d.value.save_as(target)
    return target


def test_check_the_example_and_download_the_word_submission(page, shots, tmp_path):
    page.goto("/")
    page.screenshot(path=shots / "1-start.png", full_page=True)
    assert page.locator("h1").count() == 1
    page.get_by_label("Upload a filled workbook").set_input_files(EXAMPLE)
    page.get_by_role("button", name="Check workbook").click()
    page.wait_for_url("**/check")
    page.screenshot(path=shots / "2-results.png", full_page=True)
    body = page.locator("main").inner_text()
    assert "Earned Autonomy" in body and "1 of 9 Earned Autonomy minimum scores are met." in body
    assert "The choice obeys the priority rule." in body
    docx = save_download(page, page.get_by_role("link", name="Download the Word submission (.docx)").click, tmp_path)
    assert docx.suffix == ".docx"
    text = "\n".join(p.text for p in Document(docx).paragraphs)
    assert "Sefton" in text and "Earned Autonomy" in text
    export = save_download(page, page.get_by_role("link", name="CSV export for other government departments").click,
                           tmp_path)
    assert "What is working well" not in export.read_text(encoding="utf-8-sig")   # scores only


def test_a_hostile_file_shows_its_problem(page, shots):
    page.goto("/")
    page.get_by_label("Upload a filled workbook").set_input_files(CORPUS / "zip-bomb.xlsx")
    page.get_by_role("button", name="Check workbook").click()
    page.screenshot(path=shots / "3-hostile.png", full_page=True)
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert "workbook-too-large" in page.locator("main").inner_text()
    summary.get_by_role("link").first.click()                # the summary link goes to the problem's row
    assert page.url.endswith("#problem-0")


def test_a_workbook_with_errors_shows_them_by_sheet_and_offers_a_draft(page, shots, tmp_path):
    page.goto("/")
    page.get_by_label("Upload a filled workbook").set_input_files(CORPUS / "score-three.xlsx")
    page.get_by_role("button", name="Check workbook").click()
    page.screenshot(path=shots / "4-errors.png", full_page=True)
    table = page.locator("table", has=page.locator("caption", has_text="5 Family voice and experience"))
    assert "score-not-number" in table.inner_text()
    docx = save_download(page, page.get_by_role("link", name="Download a draft Word submission (.docx)").click, tmp_path)
    assert "DRAFT" in "\n".join(p.text for p in Document(docx).paragraphs)


def test_keyboard_reaches_the_upload_and_the_button(browser, server):
    # Script is on here only so the test can ask the browser what has focus; the page itself has none.
    context = browser.new_context(base_url=server)
    page = context.new_page()
    page.goto("/")
    reached = []
    for _ in range(20):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
    context.close()
    assert reached[0] == "Skip to main content"
    assert "workbook" in reached and "Check workbook" in reached
    assert reached.index("workbook") < reached.index("Check workbook")


def test_workshop_blank_merge_and_pack(page, shots, tmp_path):
    page.goto("/workshop")
    page.screenshot(path=shots / "5-workshop.png", full_page=True)
    page.get_by_label("Area name").fill("Sefton")
    page.get_by_label("Year of the self-assessment").fill("2023")
    blank = save_download(page, page.get_by_role("button", name="Download a blank partner workbook").click, tmp_path)
    wb = openpyxl.load_workbook(blank)
    assert "Respondent" in wb.sheetnames
    page.get_by_label("Upload the partners' workbooks").set_input_files(sorted(WORKSHOP.glob("*.xlsx")))
    page.get_by_role("button", name="Merge workbooks").click()
    page.get_by_text("partners merged").wait_for(timeout=120_000)  # the progress page refreshes itself, no script
    page.screenshot(path=shots / "6-workshop-results.png", full_page=True)
    assert page.locator("tr.flagged").count() >= 1
    pack = save_download(page, page.get_by_role("link", name="Download the discussion pack (Word, .docx)").click,
                         tmp_path)
    assert Document(pack).paragraphs
    merged = save_download(page, page.get_by_role("link", name="Download the consolidated workbook (.xlsx)").click,
                           tmp_path)
    assert openpyxl.load_workbook(merged).sheetnames


def test_compare_two_areas(page, shots, tmp_path):
    other = tmp_path / "knowsley-2022.xlsx"
    shutil.copy(EXAMPLE, other)
    wb = openpyxl.load_workbook(other)
    for row in wb["Area"].iter_rows(min_row=2):
        if row[0].value == "Area":
            row[1].value = "Knowsley"
    ws = wb["9 Data"]
    header = next(r for r in ws.iter_rows(max_row=10) if any(c.value == "Score" for c in r))
    score_col = next(c.column for c in header if c.value == "Score")
    ws.cell(row=header[0].row + 1, column=score_col).value = 5     # 9.1: Knowsley 5, Sefton 3
    wb.save(other)
    page.goto("/compare")
    page.get_by_label("Upload two or more files").set_input_files([EXAMPLE, other])
    page.get_by_label("Different areas").check()
    page.get_by_role("button", name="Compare files").click()
    page.screenshot(path=shots / "7-compare.png", full_page=True)
    assert "Sefton, Knowsley" in page.locator("h1").inner_text()
    row = page.locator("tr", has=page.locator("th", has_text="9.1")).inner_text()
    assert row.split()[-3:] == ["3", "5", "−2"]   # Sefton's point of view: 2 below Knowsley
    assert page.locator("img.chart").evaluate("img => img.naturalWidth") > 0
    doc = save_download(page, page.get_by_role("link", name="Download the comparison document (Word, .docx)").click,
                        tmp_path)
    assert Document(doc).paragraphs


def test_an_upload_over_50_mb_is_refused_with_a_page(page, tmp_path):
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as f:
        f.truncate(51 * 1024 * 1024)
    page.goto("/")
    page.get_by_label("Upload a filled workbook").set_input_files(big)
    with page.expect_response("**/check") as response:
        page.get_by_role("button", name="Check workbook").click()
    assert response.value.status == 413
    assert "Files too large" in page.locator("h1").inner_text()


def test_import_a_word_submission(page, shots, tmp_path, guide):
    pytest.importorskip("ehsg.importer", reason="this ehsg has no importer")
    from ehsg.submission import build_submission

    docx = build_submission(EXAMPLE, tmp_path / "Sefton submission.docx", guide).path
    page.goto("/")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Upload a submission made on the national form").set_input_files(docx)
    page.get_by_role("button", name="Import submission").click()
    page.screenshot(path=shots / "8-import.png", full_page=True)
    assert "31 of 31 scores" in page.locator("main").inner_text()
    workbook = save_download(page, page.get_by_role("link", name="Download the workbook (.xlsx)").click, tmp_path)
    assert openpyxl.load_workbook(workbook).sheetnames
    page.get_by_role("link", name="Check the imported workbook").click()
    assert "Earned Autonomy" in page.locator("main").inner_text()
