"""Builds the web app: routes, templates, and the guards a local app needs (host, origin, token, size)."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..errors import EhsgError, RefusedError
from ..guide import Guide, load_guide
from .jobs import Job, Jobs

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 50 * 1024 * 1024          # bytes in one request, all files together
MAX_FILES = 200                        # files in one request (a large workshop)
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
WILDCARD = ("0.0.0.0", "::", "[::]")


class Refused(Exception):
    """Raised by a page when a request cannot be served; shown as a plain page with its status."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


@dataclass
class Site:
    """What every page shares: the guide, the per-server token, the temporary folder and the templates."""

    guide: Guide
    token: str
    jobs: Jobs
    env: Environment

    def page(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        html = self.env.get_template(template).render(
            guide=self.guide, token=self.token, path=request.url.path, **context)
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)

    def job(self, request: Request, kind: str) -> Job:
        job = self.jobs.get(request.path_params["job"])
        if job is None or job.state.get("kind") != kind:
            raise Refused(404, "Not found", "This result is no longer here: results last only while ehsg serve runs. "
                                            "Upload the file again.")
        return job

    async def form(self, request: Request):
        """The posted form, after the per-server token is checked (a page from elsewhere cannot post here)."""
        from starlette.formparsers import MultiPartException

        try:
            form = await request.form(max_files=MAX_FILES, max_fields=50)
        except MultiPartException as e:
            raise Refused(400, "The upload could not be read", f"The browser sent a form ehsg cannot read ({e}). "
                                                               "Go back and try again.") from e
        if not secrets.compare_digest(str(form.get("token", "")), self.token):
            await form.close()
            raise Refused(403, "This form has expired", "The page this form came from is out of date (ehsg serve was "
                                                        "restarted since it was opened). Go back, reload the page, and "
                                                        "try again.")
        return form


_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
             "X-Frame-Options": "DENY",
             "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'none'; "
                                        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}


def download(path: Path, filename: str, media_type: str) -> FileResponse:
    return FileResponse(path, media_type=media_type, filename=filename,
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def create_app(guide: Guide | None = None, guide_dir: str | None = None, host: str = "127.0.0.1",
               allowed_hosts: tuple[str, ...] | None = None, temp_parent: str | None = None) -> Starlette:
    """The app: pages over the library, guarded so only this machine's browser can use it."""
    from .views import check, compare, workshop

    guide = guide or load_guide(guide_dir)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["where"] = where
    env.globals["nav"] = [("/", "Check and build"), ("/workshop", "Workshop"), ("/compare", "Compare")]
    jobs = Jobs(temp_parent)
    site = Site(guide, secrets.token_urlsafe(32), jobs, env)

    routes = [*check.routes(site), *workshop.routes(site), *compare.routes(site)]
    if importlib.util.find_spec("ehsg.importer") is not None:  # the Import page exists only where the importer does
        from .views import importer

        routes += importer.routes(site)
        env.globals["nav"].append(("/import", "Import"))
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))

    async def refused(request: Request, exc: Refused):
        return site.page(request, "message.html", status=exc.status, title=exc.title, message=exc.message)

    async def http_error(request: Request, exc: HTTPException):
        titles = {404: "Page not found", 405: "Not allowed"}
        msg = {404: "There is no page at this address.", 405: "This page cannot be used that way."}
        return site.page(request, "message.html", status=exc.status_code,
                         title=titles.get(exc.status_code, "Cannot do that"),
                         message=msg.get(exc.status_code, "The request could not be served."))

    async def internal(request: Request, exc: Exception):
        # A fault in ehsg itself: a plain page, never a traceback; the server keeps serving.
        return HTMLResponse(env.get_template("message.html").render(
            guide=guide, token=site.token, path="", title="Something went wrong in ehsg",
            message=f"ehsg could not finish this ({type(exc).__name__}). Nothing was written. Your files were not "
                    "changed. Please report this, with the file if you can share it."), status_code=500)

    async def library_error(request: Request, exc: EhsgError):
        # The library's own message for a refusal (no permission, errors in the file): said as it says it,
        # with the server's temporary folder taken out of any file name.
        status = 422 if isinstance(exc, RefusedError) else 400
        message = re.sub(re.escape(str(jobs.root)) + r"/[\w-]+/(?:in|out)/", "", str(exc))
        return site.page(request, "message.html", status=status, title="This could not be done", message=message)

    async def too_large(request: Request, exc: Exception):
        return site.page(request, "message.html", status=413, title="Files too large", message=_too_large(MAX_UPLOAD))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            jobs.close()

    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={Refused: refused, HTTPException: http_error, EhsgError: library_error,
                                        _TooLarge: too_large,
                                        Exception: internal})
    app.state.site = site
    allowed = allowed_hosts if allowed_hosts is not None else hosts_for(host)
    app.add_middleware(Guard, allowed_hosts=allowed, max_body=MAX_UPLOAD, page=lambda title, message, status:
                       env.get_template("message.html").render(guide=guide, token="", path="", title=title,
                                                               message=message).encode())
    return app


def where(location: str) -> str:
    """'Sheet!C4' as a person reads it: 'Sheet, cell C4'; 'file.xlsx: Sheet!C4' as 'file.xlsx, Sheet, cell C4'."""
    if not location:
        return "The file"
    head, sep, cell = location.rpartition("!")
    return f"{head.replace(': ', ', ')}, cell {cell}" if sep else location.replace(": ", ", ")


def hosts_for(host: str) -> tuple[str, ...]:
    """Host names the server answers to: the loopback names, and the bound address if it is another one.

    Listening on every address, it answers at any address written as numbers, and at this computer's own
    names; never at another name, which is how a page from elsewhere reaches it (DNS rebinding)."""
    if host in WILDCARD:
        import socket

        names = (socket.gethostname(), socket.getfqdn(), f"{socket.gethostname()}.local")
        return tuple(dict.fromkeys(("*", *LOOPBACK, *(n.lower() for n in names if n))))
    bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return tuple(dict.fromkeys((*LOOPBACK, bound.lower())))


_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[^\[\]:@/\\\s]+)(?::\d{1,5})?")


def host_name(header: str) -> str:
    """The name in a Host header ('127.0.0.1:8000' → '127.0.0.1'); '' for anything but a name and a port."""
    match = _HOST.fullmatch(header.strip().lower())
    return match.group(1) if match else ""


def _is_address(name: str) -> bool:
    """True for a Host name that is an IP address (written as numbers), which no other site can point at us."""
    import ipaddress

    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") else name)
    except ValueError:
        return False
    return True


class _TooLarge(Exception):
    pass


class Guard:
    """Refuses, before any page runs: another Host (DNS rebinding), a cross-site POST (CSRF), a body over the limit."""

    def __init__(self, app, allowed_hosts, max_body, page):
        self.app, self.allowed, self.max_body, self.page = app, allowed_hosts, max_body, page

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = host_name(host)
        if name not in self.allowed and not ("*" in self.allowed and _is_address(name)):
            return await self._refuse(send, 400, "Wrong address", "This server answers only at its own address, "
                                      "for example http://127.0.0.1 or http://localhost with its port number.")
        fetch_site = headers.get("sec-fetch-site")
        if scope["method"] in ("GET", "HEAD") and fetch_site in ("cross-site", "same-site") and scope["path"] != "/":
            # Another website may link to the start page, never make this server do work (a blank workbook,
            # a download) by embedding one of its addresses in its own page.
            return await self._refuse(send, 403, "Refused", "Another website tried to open this page of ehsg. "
                                      "Open ehsg from its own address and try again.")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            origin = headers.get("origin")
            same = origin is None or origin == f"{scope.get('scheme', 'http')}://{host}" or \
                (origin == "null" and fetch_site == "same-origin")   # a privacy setting may hide the origin
            if not same or fetch_site in ("cross-site", "same-site"):
                return await self._refuse(send, 403, "Refused", "A page from another website tried to send this form. "
                                          "Open ehsg from its own address and try again.")
            length = headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                return await self._refuse(send, 413, "Files too large", _too_large(self.max_body))
        seen = 0
        started = False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge()
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, 413, "Files too large", _too_large(self.max_body))

    async def _refuse(self, send, status, title, message):
        body = self.page(title, message, status)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
                                (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return (f"Uploads are limited to {limit // (1024 * 1024)} MB in one go. A filled workbook is usually well under "
            "1 MB: check you chose the right file, or upload partners' workbooks in smaller groups.")
