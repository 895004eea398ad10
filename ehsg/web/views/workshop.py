"""Workshop: a blank partner workbook; many partners' workbooks merged, with progress, disagreements and downloads."""

from __future__ import annotations

import threading
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from ...consolidate import write_workshop
from ...workshop import DEFAULT_FLAG_RANGE, ROUNDING_RULE, merge
from ..app import DOCX, XLSX, Site, download
from .common import group_problems, upload_files

FLAG_CHOICES = (1, 2, 3, 4, 5)
READING = "Reading partner workbooks"  # the stage during which the page counts the workbooks read


def merge_job(site: Site, job, files, flag_range: int) -> None:
    """Runs in its own thread: the same library calls as 'ehsg merge', with the stage recorded for the page."""
    state = job.state
    try:
        state["done"] = 0
        state["stage"] = READING

        def read(done: int, total: int) -> None:
            state["done"] = done

        workshop, problems = merge(files, site.guide, flag_range, progress=read)
        state["problems"] = problems
        if workshop is None:
            state["stage"] = "refused"
            return
        state["stage"] = "Writing the consolidated workbook and discussion pack"
        write_workshop(workshop, site.guide, job.output("consolidated.xlsx"), job.output("discussion pack.docx"))
        state["workshop"] = workshop
        state["stage"] = "done"
    except Exception as e:  # shown on the page as a plain sentence, never a traceback
        from ...errors import EhsgError

        state["failure"] = str(e) if isinstance(e, EhsgError) else (
            f"ehsg could not finish the merge ({type(e).__name__}). Nothing was written.")
        state["stage"] = "failed"


def routes(site: Site) -> list[Route]:
    async def start(request: Request, error: str | None = None, status: int = 200):
        return site.page(request, "workshop.html", status=status, error=error, choices=FLAG_CHOICES,
                         default_range=DEFAULT_FLAG_RANGE)

    async def merge(request: Request):
        form = await site.form(request)
        try:
            files = await upload_files(form, "partners")
            if len(files) < 1:
                return await start(request, "Select the partners' workbooks (.xlsx) to merge", 400)
            flag = str(form.get("flag_range", DEFAULT_FLAG_RANGE))
            flag_range = next((c for c in FLAG_CHOICES if str(c) == flag), DEFAULT_FLAG_RANGE)
            job = site.jobs.new()
            job.state.update(kind="workshop", started=time.monotonic(), stage="Receiving the files")
            taken: set[str] = set()
            paths = []
            for f in files:
                paths.append(await run_in_threadpool(job.save, f.filename, f.file, taken))
        finally:
            await form.close()
        job.state["count"] = len(paths)
        threading.Thread(target=merge_job, args=(site, job, paths, flag_range), daemon=True,
                         name=f"ehsg-merge-{job.id[:6]}").start()
        return RedirectResponse(f"/workshop/{job.id}", status_code=303)

    async def result(request: Request):
        job = site.job(request, "workshop")
        s = job.state
        if s["stage"] not in ("done", "refused", "failed"):
            return site.page(request, "workshop_progress.html", job=job, stage=s["stage"], count=s["count"],
                             done=s.get("done") if s["stage"] == READING else None, seconds=int(time.monotonic() - s["started"]))
        problems = sorted(s.get("problems", []), key=lambda p: not p.is_error)
        return site.page(request, "workshop_results.html", status=200, job=job, stage=s["stage"],
                         failure=s.get("failure"), problems=problems,
                         groups=group_problems(problems, file_first=True), workshop=s.get("workshop"),
                         rounding=ROUNDING_RULE)

    async def consolidated(request: Request):
        job = site.job(request, "workshop")
        name = f"{job.state['workshop'].area or 'workshop'} consolidated.xlsx" if "workshop" in job.state else ""
        return download(_done(job, "consolidated.xlsx"), name, XLSX)

    async def pack(request: Request):
        job = site.job(request, "workshop")
        name = f"{job.state['workshop'].area or 'workshop'} discussion pack.docx" if "workshop" in job.state else ""
        return download(_done(job, "discussion pack.docx"), name, DOCX)

    def _done(job, name):
        from ..app import Refused

        if job.state.get("stage") != "done":
            raise Refused(409, "Not ready", "The merge has not finished, or was refused: see the workshop page.")
        return job.output(name)

    return [Route("/workshop", start), Route("/workshop/merge", merge, methods=["POST"]),
            Route("/workshop/{job}", result), Route("/workshop/{job}/consolidated.xlsx", consolidated),
            Route("/workshop/{job}/discussion-pack.docx", pack)]
