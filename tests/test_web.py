"""`ehsg serve`: every page and every refusal, through Starlette's test client and one real server process."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import openpyxl
import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install 'ehsg[web]'")
pytest.importorskip("multipart", reason="the web extra is not installed: pip install 'ehsg[web]'")

from docx import Document  # noqa: E402
with warnings.catch_warnings():  # Starlette suggests httpx2; httpx is what its test client still runs on here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from ehsg.web.app import MAX_UPLOAD, Guard, create_app  # noqa: E402
from ehsg.web.jobs import safe_name  # noqa: E402

from conftest import EXAMPLE, REPO  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

CORPUS = REPO / "tests" / "data" / "corpus"
WORKSHOP = REPO / "examples" / "workshop"
BASE = "http://127.0.0.1:8000"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Page(HTMLParser):
    """Just enough of a page's structure to assert the contract: tags, attributes, link texts, visible text."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.links: list[tuple[str, str]] = []
        self.buttons: list[str] = []
        self.text: list[str] = []
        self._a = self._button = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "a":
            self._a = [a.get("href", ""), ""]
        if tag == "button":
            self._button = ""

    def handle_endtag(self, tag):
        if tag == "a" and self._a:
            self.links.append((self._a[0], self._a[1].strip()))
            self._a = None
        if tag == "button" and self._button is not None:
            self.buttons.append(self._button.strip())
            self._button = None

    def handle_data(self, data):
        self.text.append(data)
        if self._a:
            self._a[1] += data
        if self._button is not None:
            self._button += data

    def all(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def link(self, contains: str) -> str:
        return next(href for href, text in self.links if contains in text)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


@pytest.fixture(scope="module")
def app(guide):
    return create_app(guide)


@pytest.fixture
def client(app):
    with TestClient(app, base_url=BASE, raise_server_exceptions=os.environ.get("EHSG_DEBUG") is not None) as c:
        yield c


def token(client) -> str:
    return Page(client.get("/").text).all("input", name="token")[0]["value"]


def upload(client, url, field, paths, **data):
    files = [(field, (p.name, p.read_bytes(), XLSX)) for p in paths]
    return client.post(url, data={"token": token(client), **data}, files=files, follow_redirects=True)


def wait_for_merge(client, response, limit=120):
    """Follow the self-refreshing progress page until the merge has finished."""
    deadline = time.monotonic() + limit
    while 'http-equiv="refresh"' in response.text and time.monotonic() < deadline:
        time.sleep(0.2)
        response = client.get(str(response.url))
    return response


# --- the contract other tools rely on ---------------------------------------------------------------

def test_start_page_contract(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = Page(r.text)
    assert page.all("html")[0].get("lang") == "en-GB"
    assert page.all("title") and len(page.all("h1")) == 1 and len(page.all("main")) == 1
    forms = page.all("form", method="post")
    assert forms[0]["enctype"] == "multipart/form-data"
    files = page.all("input", type="file")
    assert len(files) == 1 and "hidden" not in files[0] and "style" not in files[0]
    assert page.all("label", **{"for": files[0]["id"]})
    assert any("Check" in b for b in page.buttons)


def test_localhost_is_served_too(app):
    with TestClient(app, base_url="http://localhost:8000") as c:
        assert c.get("/").status_code == 200


def test_example_results_and_word_download(client):
    r = upload(client, "/check", "workbook", [EXAMPLE])
    assert r.status_code == 200
    page = Page(r.text)
    assert "Earned Autonomy" in page.plain and "priority" in page.plain
    assert "The choice obeys the priority rule." in page.plain
    assert "1 of 9 Earned Autonomy minimum scores are met." in page.plain and "Short by 2" in page.plain
    docx = client.get(page.link("Word"))
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    doc = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Sefton" in text and "DRAFT" not in text
    brief = client.get(page.link("briefing"))
    assert brief.status_code == 200 and "Sefton" in "\n".join(p.text for p in Document(io.BytesIO(brief.content)).paragraphs)
    # every audience Sefton permitted has its exports; a scores-only one carries no narrative
    for audience in ("dfe", "coordinators", "ogd"):
        assert f"/export/{audience}.xlsx" in r.text
    exported = client.get(page.link("JSON").replace("dfe", "ogd"))
    assert exported.status_code == 200 and "narratives" not in json.loads(exported.content)


def test_problems_shown_by_sheet_and_cell(client):
    r = upload(client, "/check", "workbook", [CORPUS / "score-three.xlsx"])
    assert 200 <= r.status_code < 500
    page = Page(r.text)
    assert "There is a problem" in page.plain and "score-not-number" in page.plain
    summary_link = next(href for href, text in page.links if "score-three" not in text and "'three'" in text)
    assert page.all("tr", id=summary_link.lstrip("#"))      # the error summary links to the problem's row
    assert page.all("caption", **{"class": "table-caption"})  # grouped under its sheet's name
    assert "5 Family voice and experience" in page.plain
    draft = client.get(page.link("draft Word"))
    assert "DRAFT – not valid for submission" in "\n".join(p.text for p in Document(io.BytesIO(draft.content)).paragraphs)
    assert "Exports can be made once the errors are fixed" in page.plain
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("name, code", [("zip-bomb.xlsx", "workbook-too-large"), ("entity-expansion.xlsx", None),
                                        ("word-renamed.xlsx", "not-a-workbook"), ("truncated.xlsx", None)])
def test_hostile_files_show_their_problem(client, name, code):
    cases = {c["file"]: c for c in json.loads((CORPUS / "cases.json").read_text())}
    code = code or cases[name]["code"]
    r = upload(client, "/check", "workbook", [CORPUS / name])
    assert r.status_code == 200
    assert code in r.text and "Traceback" not in r.text
    assert "Nothing can be made from this file" in Page(r.text).plain or code == "guide-version-mismatch"


def test_no_file_chosen_is_an_error_on_the_form(client):
    r = client.post("/check", data={"token": token(client)})
    assert r.status_code == 400
    page = Page(r.text)
    assert page.link("Select one filled workbook") == "#workbook"
    assert page.plain.startswith("Error:") or "Error:" in page.all("title") or "Error:" in r.text.split("</title>")[0]


def test_file_names_are_reduced_to_one_harmless_part(client, tmp_path):
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\me\\Sefton 2022.xlsx") == "Sefton 2022.xlsx"
    assert safe_name("..") == "upload"
    r = client.post("/check", data={"token": token(client)},
                    files={"workbook": ("../../<script>x.xlsx", EXAMPLE.read_bytes(), XLSX)})
    assert r.status_code == 200 and "<script>" not in r.text


def test_blank_workbooks_have_area_and_year(client, tmp_path):
    r = client.get("/template", params={"area": "Sefton", "year": "2023", "kind": "partner"})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    path = tmp_path / "blank.xlsx"
    path.write_bytes(r.content)
    wb = openpyxl.load_workbook(path)
    assert "Respondent" in wb.sheetnames
    values = {v for ws in wb.worksheets for row in ws.iter_rows(max_col=3, values_only=True) for v in row}
    assert "Sefton" in values and (2023 in values or "2023" in values)
    assert client.get("/template", params={"year": "twenty"}).status_code == 400
    # digits to str.isdigit() that int() refuses, or refuses for their length: the same plain refusal, not a fault
    for year in ("²⁰²²", "9" * 5000, "٢٠٢٢"):
        assert client.get("/template", params={"year": year}).status_code == 400, year


def test_export_refused_without_permission(client, tmp_path):
    no = _without_ogd(tmp_path)
    r = upload(client, "/check", "workbook", [no])
    page = Page(r.text)
    assert "/export/ogd." not in r.text and "No export for" in page.plain
    job = re.search(r"/check/([\w-]+)/submission", r.text).group(1)
    refused = client.get(f"/check/{job}/export/ogd.csv")
    assert refused.status_code == 422 and "Nothing was written" in refused.text
    assert str(tmp_path) not in refused.text and "ehsg-serve-" not in refused.text


def _without_ogd(tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb["Area"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value and "other government" in str(row[0].value).lower():
            row[1].value = "No"
    out = tmp_path / "no-ogd.xlsx"
    wb.save(out)
    return out


# --- workshop and compare -------------------------------------------------------------------------------

def test_workshop_merge_progress_table_and_downloads(client):
    partners = sorted(WORKSHOP.glob("*.xlsx"))
    first = client.post("/workshop/merge", data={"token": token(client), "flag_range": "2"},
                        files=[("partners", (p.name, p.read_bytes(), XLSX)) for p in partners], follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/workshop/")
    r = wait_for_merge(client, client.get(first.headers["location"]))
    assert r.status_code == 200
    page = Page(r.text)
    assert f"{len(partners)} partners merged" in page.plain
    rows = [a for t, a in page.tags if t == "tr" and a.get("class") == "flagged"]
    assert rows, "the example partners disagree somewhere"
    body = r.text[r.text.index("<tbody", r.text.index('id="disagreements"')):]
    assert body.index('class="flagged"') < body.index("<tr>")   # flagged descriptors come first
    xlsx = client.get(page.link("consolidated workbook"))
    assert xlsx.status_code == 200
    assert "Discussion" in " ".join(openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames)
    pack = client.get(page.link("discussion pack"))
    assert pack.status_code == 200 and Document(io.BytesIO(pack.content)).paragraphs


def test_workshop_progress_counts_the_workbooks_read(client, monkeypatch):
    import threading

    import ehsg.partnerread

    partners = sorted(WORKSHOP.glob("*.xlsx"))
    reading, release, calls = threading.Event(), threading.Event(), []
    real = ehsg.partnerread.load_workbook_file

    def slow(path, guide):  # the second workbook waits until the page has been looked at
        calls.append(path)
        if len(calls) == 2:
            reading.set()
            release.wait(30)
        return real(path, guide)

    monkeypatch.setattr(ehsg.partnerread, "load_workbook_file", slow)   # few files: read one by one, here
    first = client.post("/workshop/merge", data={"token": token(client), "flag_range": "2"},
                        files=[("partners", (p.name, p.read_bytes(), XLSX)) for p in partners], follow_redirects=False)
    try:
        assert reading.wait(30)
        page = client.get(first.headers["location"])
        assert f"Reading partner workbooks: 1 of {len(partners)}" in Page(page.text).plain
        assert 'http-equiv="refresh"' in page.text and "<script" not in page.text  # works with JavaScript off
    finally:
        release.set()
    r = wait_for_merge(client, client.get(first.headers["location"]))
    assert f"{len(partners)} partners merged" in Page(r.text).plain


def test_workshop_merge_of_many_partners_reads_them_in_the_servers_process(client, monkeypatch, tmp_path):
    """Pages are served from threads: forking then is unsafe, so many partners' workbooks are read one by one in
    the server's own process, never in forked workers; the merge is the same."""
    import ehsg.fanout

    sources = sorted(WORKSHOP.glob("*.xlsx"))
    partners = []
    for i in range(9):
        wb = openpyxl.load_workbook(sources[i % len(sources)])
        wb["Respondent"]["B3"], wb["Respondent"]["B2"] = f"Partner {i}", f"Person {i}"
        wb.save(tmp_path / f"partner-{i}.xlsx")
        partners.append(tmp_path / f"partner-{i}.xlsx")
    decided, real = [], ehsg.fanout.worker_count

    def worker_count(items, parallel_from, wanted=None):
        decided.append((items, parallel_from, real(items, parallel_from, wanted)))
        return decided[-1][-1]

    def never(*args):
        raise AssertionError("workers forked from the web app's threads")

    monkeypatch.setattr(ehsg.fanout, "cores", lambda: 2)
    monkeypatch.setattr(ehsg.fanout, "worker_count", worker_count)
    monkeypatch.setattr(ehsg.fanout, "_parallel", never)
    r = wait_for_merge(client, upload(client, "/workshop/merge", "partners", partners, flag_range="2"))
    assert "9 partners merged" in Page(r.text).plain
    assert decided == [(9, 8, 1)]


def test_workshop_refuses_with_every_partner_problem(client):
    p = sorted(WORKSHOP.glob("*.xlsx"))[0]
    r = wait_for_merge(client, upload(client, "/workshop/merge", "partners", [p, p, CORPUS / "score-three.xlsx"]))
    page = Page(r.text)
    assert "could not be merged" in page.plain and "Nothing was written" in page.plain
    assert "duplicate-respondent" in page.plain and "score-not-number" in page.plain
    assert "consolidated workbook" not in page.plain
    assert client.post("/workshop/merge", data={"token": token(client)}).status_code == 400


def test_compare_two_areas(client, tmp_path):
    other = tmp_path / "knowsley.xlsx"
    shutil.copy(EXAMPLE, other)
    wb = openpyxl.load_workbook(other)
    ws = wb["Area"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Area":
            row[1].value = "Knowsley"
    wb.save(other)
    r = upload(client, "/compare", "files", [EXAMPLE, other], mode="areas")
    assert r.status_code == 200
    page = Page(r.text)
    assert "Sefton, Knowsley" in page.plain and "Difference" in page.plain
    assert page.all("img", **{"class": "chart"})
    png = client.get(page.all("img", **{"class": "chart"})[0]["src"])
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert client.get(page.link("comparison workbook")).status_code == 200
    assert client.get(page.link("comparison document")).status_code == 200
    bad = upload(client, "/compare", "files", [EXAMPLE, CORPUS / "score-three.xlsx"])
    assert "could not be compared" in bad.text and "score-not-number" in bad.text
    assert upload(client, "/compare", "files", [EXAMPLE]).status_code == 400


# --- refusals -----------------------------------------------------------------------------------------

def test_other_host_refused(app):
    for base in ("http://evil.example:8000", "http://127.0.0.1.evil.example:8000"):
        with TestClient(app, base_url=base) as c:
            assert c.get("/").status_code == 400
            assert c.post("/check").status_code == 400
    with TestClient(app, base_url=BASE) as c:
        assert c.get("/", headers={"host": ""}).status_code == 400
        # A Host is a name and a port, nothing more: a loopback name in front of something else is not this server.
        for host in ("127.0.0.1:80@evil.example", "[::1]evil.example", "127.0.0.1:8000:evil.example",
                     "localhost:", "localhost:80x", "127.0.0.1 evil.example"):
            assert c.get("/", headers={"host": host}).status_code == 400, host
        for host in ("LOCALHOST:8000", "[::1]:8000", "127.0.0.1"):
            assert c.get("/", headers={"host": host}).status_code == 200, host


def test_cross_site_post_and_missing_token_refused(client):
    t = token(client)
    files = {"workbook": (EXAMPLE.name, EXAMPLE.read_bytes(), XLSX)}
    assert client.post("/check", data={"token": t}, files=files, headers={"origin": "http://evil.example"}).status_code == 403
    assert client.post("/check", data={"token": t}, files=files, headers={"origin": "null"}).status_code == 403
    assert client.post("/check", data={"token": t}, files=files,
                       headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert client.post("/check", data={"token": "forged"}, files=files).status_code == 403
    assert client.post("/check", files=files).status_code == 403
    ok = client.post("/check", data={"token": t}, files=files, headers={"origin": BASE})
    assert ok.status_code == 200


def test_another_website_cannot_make_the_server_work_by_embedding_its_addresses(client, app):
    # <img src="http://127.0.0.1:8000/template"> on another site would otherwise make a workbook job.
    root = app.state.site.jobs.root
    before = sorted(root.iterdir()) if root.exists() else []
    for site in ("cross-site", "same-site"):
        r = client.get("/template", params={"area": "Sefton", "year": "2023"}, headers={"sec-fetch-site": site})
        assert r.status_code == 403 and "Another website" in r.text
        assert client.get("/static/ehsg.css", headers={"sec-fetch-site": site}).status_code == 403
        # a link from elsewhere to the start page still opens it
        assert client.get("/", headers={"sec-fetch-site": site}).status_code == 200
    assert (sorted(root.iterdir()) if root.exists() else []) == before
    for site in ("same-origin", "none"):
        assert client.get("/template", params={"area": "Sefton", "year": "2023"},
                          headers={"sec-fetch-site": site}).status_code == 200


def test_another_servers_token_is_refused(guide, client):
    other = create_app(guide)
    with TestClient(other, base_url=BASE) as c:
        assert c.post("/check", data={"token": token(client)},
                      files={"workbook": (EXAMPLE.name, EXAMPLE.read_bytes(), XLSX)}).status_code == 403


def test_upload_over_the_limit_refused_without_reading_it(client):
    chunk = b"x" * (1024 * 1024)

    def body():  # no Content-Length: the server counts as it reads, and stops at the limit
        for _ in range(MAX_UPLOAD // len(chunk) + 2):
            yield chunk
    r = client.post("/check", content=body(), headers={"content-type": "multipart/form-data; boundary=zzz"})
    assert r.status_code == 413 and "50 MB" in r.text


def test_declared_length_over_the_limit_refused_before_reading(guide):
    sent, received = [], []

    async def app(scope, receive, send):  # pragma: no cover - must never be reached
        raise AssertionError("the app ran")

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    import anyio

    guard = Guard(app, ("127.0.0.1",), MAX_UPLOAD, lambda t, m, s: m.encode())
    scope = {"type": "http", "method": "POST", "scheme": "http", "path": "/check",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"content-length", str(MAX_UPLOAD + 1).encode())]}
    anyio.run(guard, scope, receive, send)
    assert sent[0]["status"] == 413 and not received


def test_unknown_pages_and_expired_results(client):
    assert client.get("/nowhere").status_code == 404
    assert client.get("/check/" + "a" * 32 + "/submission.docx").status_code == 404
    assert client.get("/workshop/../../etc/passwd").status_code == 404
    assert client.put("/check").status_code == 405


def test_a_fault_shows_a_plain_page_and_the_server_keeps_serving(client, monkeypatch):
    from ehsg.web.views import check

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")
    monkeypatch.setattr(check, "check_file", broken)
    r = upload(client, "/check", "workbook", [EXAMPLE])
    assert r.status_code == 500 and "Something went wrong" in r.text
    assert "Traceback" not in r.text and "secret internal detail" not in r.text
    assert client.get("/").status_code == 200


def test_uploads_are_removed_when_the_server_stops(app):
    with TestClient(app, base_url=BASE) as c:
        upload(c, "/check", "workbook", [EXAMPLE])
        root = app.state.site.jobs.root
        assert any(root.rglob("*.xlsx"))
    assert not root.exists()


# --- a real server process ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "ehsg.cli", "serve", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    line = proc.stdout.readline()
    try:
        import httpx

        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield proc, port, line, tmp_path
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_prints_address_takes_concurrent_uploads_and_stops_on_sigterm(server):
    import httpx

    proc, port, line, tmp = server
    assert f"http://127.0.0.1:{port}/" in line
    with httpx.Client(base_url=f"http://localhost:{port}") as c:
        t = Page(c.get("/").text).all("input", name="token")[0]["value"]

        def check(path):
            return c.post("/check", data={"token": t}, files={"workbook": (path.name, path.read_bytes(), XLSX)})
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(check, [EXAMPLE, CORPUS / "score-three.xlsx", EXAMPLE, CORPUS / "zip-bomb.xlsx"]))
    assert [r.status_code for r in results] == [200] * 4
    assert "obeys the priority rule" in results[0].text and "score-not-number" in results[1].text
    assert "workbook-too-large" in results[3].text
    assert list(tmp.glob("ehsg-serve-*"))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert not list(tmp.glob("ehsg-serve-*")), "the temporary folder is removed when the server stops"
    assert "stopped" in proc.stdout.read()


def test_serve_warns_off_loopback_and_refuses_a_taken_port(tmp_path):
    from click.testing import CliRunner

    from ehsg.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert r.exit_code == 2 and "Choose another with --port" in r.output and "Traceback" not in r.output
    from ehsg.web.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_serve_with_a_file_prints_the_address_of_its_results(tmp_path):
    import httpx

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "ehsg.cli", "serve", str(EXAMPLE), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        address = re.search(r"http://127\.0\.0\.1:\d+/check/[\w-]+", line).group(0)
        for _ in range(100):
            try:
                r = httpx.get(address, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.status_code == 200 and "Sefton" in r.text and "Earned Autonomy" in r.text
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_with_a_missing_file_says_so(tmp_path):
    from click.testing import CliRunner

    from ehsg.cli import main

    r = CliRunner().invoke(main, ["serve", str(tmp_path / "nowhere.xlsx"), "--port", str(free_port())])
    assert r.exit_code == 2 and "nowhere.xlsx: cannot be read" in r.output


# --- import (where the importer exists) ------------------------------------------------------------------

def test_import_a_word_submission_and_check_the_workbook(client, guide, tmp_path):
    pytest.importorskip("ehsg.importer", reason="this ehsg has no importer")
    from ehsg.submission import build_submission

    docx = build_submission(EXAMPLE, tmp_path / "Sefton submission.docx", guide).path
    assert ("/import", "Import") in [(h, t) for h, t in Page(client.get("/").text).links]
    r = client.post("/import", data={"token": token(client)},
                    files={"submission": (docx.name, docx.read_bytes(), "application/octet-stream")})
    assert r.status_code == 200
    page = Page(r.text)
    assert "Sefton" in page.plain and " of " in page.plain
    wb = client.get(page.link("Download the workbook"))
    assert wb.status_code == 200 and openpyxl.load_workbook(io.BytesIO(wb.content)).sheetnames
    checked = client.get(page.link("Check the imported workbook"), follow_redirects=True)
    assert checked.status_code == 200 and "Earned Autonomy" in checked.text


def test_messages_on_pages_name_no_command_line_options(client, seed_text):
    """What the library says is shown on the web as well: it must not tell a browser user to type --year."""
    pytest.importorskip("ehsg.importer", reason="this ehsg has no importer")
    text = seed_text.replace("Sefton", "").encode("utf-8")
    r = client.post("/import", data={"token": token(client)}, files={"submission": ("form.txt", text, "text/plain")})
    plain = Page(r.text).plain
    assert "import-area-missing" in plain and "import-year-missing" in plain
    assert not re.search(r"--[a-z]|'ehsg [a-z]", plain), plain


def test_compare_of_one_area_with_itself_says_what_to_choose(client):
    r = upload(client, "/compare", "files", [EXAMPLE, EXAMPLE], mode="areas")
    plain = Page(r.text).plain
    assert r.status_code == 400 and "The same area appears twice" in plain and "over time" in plain
    assert not re.search(r"--[a-z]", plain)


def test_import_refuses_what_is_not_a_submission(client):
    pytest.importorskip("ehsg.importer", reason="this ehsg has no importer")
    r = client.post("/import", data={"token": token(client)},
                    files={"submission": ("bomb.docx", (CORPUS / "zip-bomb.xlsx").read_bytes(), "application/octet-stream")})
    assert 400 <= r.status_code < 500 or "There is a problem" in r.text
    assert "Traceback" not in r.text and "ehsg-serve-" not in r.text
    odd = client.post("/import", data={"token": token(client)},
                      files={"submission": ("notes.exe", b"MZ", "application/octet-stream")})
    assert odd.status_code == 400 and "notes.exe" in odd.text and "ehsg-serve-" not in odd.text
    assert Page(odd.text).link("notes.exe") == "#submission"   # on the form, linked from the error summary
    assert client.post("/import", data={"token": token(client)}).status_code == 400


def test_every_summary_link_reaches_its_problem_row(client, tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    for ws in wb.worksheets:
        header = next((r for r in ws.iter_rows(max_row=10) if any(c.value == "Score" for c in r)), None)
        if header is not None:
            col = next(c.column for c in header if c.value == "Score")
            for r in range(header[0].row + 1, ws.max_row + 1):
                ws.cell(row=r, column=col).value = "lots"
    many = tmp_path / "many-errors.xlsx"
    wb.save(many)
    page = Page(upload(client, "/check", "workbook", [many]).text)
    links = [href for href, text in page.links if href.startswith("#problem-")]
    assert len(links) == 30 and "more errors, listed below" in page.plain
    rows = {a.get("id") for t, a in page.tags if t == "tr"}
    assert all(href[1:] in rows for href in links)
    assert len([i for i in rows if i and i.startswith("problem-")]) >= 31


def test_serve_off_loopback_warns_and_open_starts_the_browser(monkeypatch):
    import threading
    import webbrowser

    import uvicorn
    from click.testing import CliRunner

    from ehsg.cli import main

    opened = threading.Event()
    seen = {}
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: seen.update(host=self.config.host))
    monkeypatch.setattr(webbrowser, "open", lambda url: (seen.update(url=url), opened.set()))
    r = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", str(free_port()), "--open"])
    assert r.exit_code == 0, r.output
    assert "anyone who can reach this computer over the network" in r.output
    assert seen["host"] == "0.0.0.0" and "stopped" in r.output
    assert opened.wait(5) and seen["url"].startswith("http://127.0.0.1:")
    quiet = CliRunner().invoke(main, ["serve", "--port", str(free_port())])
    assert quiet.exit_code == 0 and "network" not in quiet.output


def test_only_the_latest_results_are_kept(tmp_path):
    from ehsg.web.jobs import Jobs

    jobs = Jobs(str(tmp_path), keep=3)
    made = [jobs.new() for _ in range(5)]
    assert [jobs.get(j.id) for j in made[:2]] == [None, None] and not made[0].folder.exists()
    assert all(jobs.get(j.id) is j for j in made[2:])
    assert jobs.get("../../etc") is None
    jobs.close()
    assert not jobs.root.exists()


def test_a_flag_range_that_is_not_one_of_the_choices_is_the_default(client):
    partner = sorted(WORKSHOP.glob("*.xlsx"))[0]
    for flag in ("²", "9" * 5000):
        r = client.post("/workshop/merge", data={"token": token(client), "flag_range": flag},
                        files=[("partners", (partner.name, partner.read_bytes(), XLSX))], follow_redirects=False)
        assert r.status_code == 303, flag


def test_listening_on_every_address_still_refuses_other_names(guide):
    # A page at evil.example whose name is made to point at this computer (DNS rebinding) is another host.
    import socket

    app = create_app(guide, host="0.0.0.0")
    with TestClient(app, base_url=BASE) as c:
        for host in ("evil.example:8000", "127.0.0.1.evil.example", "", "localhost:80x"):
            assert c.get("/", headers={"host": host}).status_code == 400, host
        for host in ("192.168.1.5:8000", "[fe80::1]:8000", "10.0.0.7", "localhost:8000", "127.0.0.1:8000",
                     f"{socket.gethostname()}:8000"):
            assert c.get("/", headers={"host": host}).status_code == 200, host
