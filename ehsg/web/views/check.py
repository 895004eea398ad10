"""Check and build: upload a filled workbook → problems, Earned Autonomy, the priority rule → downloads."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from ...brief import build_brief
from ...check import check_file
from ...export import export
from ...rules import suggest
from ...workbook import KIND_ASSESSMENT, KIND_RESPONDENT, write_template
from ...submission import DRAFT_BANNER, build_submission
from ..app import DOCX, XLSX, Refused, Site, download
from ..jobs import Job
from .common import group_problems, upload_files

EXPORT_FORMATS = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8", "json": "application/json"}


def check_upload(site: Site, filename: str, data) -> Job:
    """A copy of the file in a new job, checked as 'ehsg check' checks it (also used for 'ehsg serve FILE')."""
    job = site.jobs.new()
    path = job.save(filename, data)
    job.state.update(kind="check", path=path, report=check_file(path, site.guide))
    return job


def routes(site: Site) -> list[Route]:
    async def start(request: Request):
        return site.page(request, "check.html", error=None)

    async def check(request: Request):
        form = await site.form(request)
        try:
            files = await upload_files(form, "workbook")
            if len(files) != 1:
                return site.page(request, "check.html", status=400,
                                 error="Select one filled workbook (.xlsx) to check" if not files
                                 else "Select only one workbook; to merge partners' workbooks use the Workshop page")
            job = await run_in_threadpool(check_upload, site, files[0].filename, files[0].file)
        finally:
            await form.close()
        return results(request, job)

    async def show(request: Request):
        return results(request, site.job(request, "check"))

    def results(request: Request, job):
        report = job.state["report"]
        a = report.assessment
        problems = sorted(report.problems, key=lambda p: not p.is_error)
        suggestions = suggest(a, site.guide, limit=10) if a is not None else None
        permitted = [p for p in site.guide.permissions if a is not None and a.permissions.get(p.id) is True]
        return site.page(request, "check_results.html", job=job, report=report, a=a, problems=problems,
                         groups=group_problems(problems), suggestions=suggestions, permitted=permitted,
                         not_permitted=[p for p in site.guide.permissions if p not in permitted],
                         draft_banner=DRAFT_BANNER, filename=job.state["path"].name)

    async def word_document(request: Request, what: str, make, refusal: tuple[str, str]):
        """The submission or the briefing, made on demand from the checked workbook (a draft while it has
        errors); `make` is the library call the command uses."""
        job = site.job(request, "check")
        if job.state["report"].assessment is None:
            raise Refused(409, *refusal)
        draft = bool(job.state["report"].errors)
        name = f"{job.state['path'].stem}{' DRAFT' if draft else ''} {what}.docx"
        out = job.output(name)
        await run_in_threadpool(job.make, out, lambda: make(job.state["path"], out, site.guide, None, draft))
        return download(out, name, DOCX)

    async def submission(request: Request):
        return await word_document(request, "submission", build_submission, (
            "No document can be made", "This file could not be read as a workbook, so there is nothing to put "
                                       "in a submission. Fix the problems listed."))

    async def briefing(request: Request):
        return await word_document(request, "briefing", build_brief, (
            "No briefing can be made", "This file could not be read as a workbook, so there is nothing to brief "
                                       "on. Fix the problems listed."))

    async def export_file(request: Request):
        job = site.job(request, "check")
        audience, fmt = request.path_params["audience"], request.path_params["fmt"]
        if fmt not in EXPORT_FORMATS or audience not in {p.id for p in site.guide.permissions}:
            raise Refused(404, "Page not found", "There is no such export.")
        name = f"{job.state['path'].stem} for {audience}.{fmt}"
        out = job.output(name)
        await run_in_threadpool(job.make, out, lambda: export(job.state["path"], out, audience, site.guide))
        return download(out, name, EXPORT_FORMATS[fmt])

    async def blank(request: Request):
        area = request.query_params.get("area", "").strip()[:200]
        year_text = request.query_params.get("year", "").strip()
        year = int(year_text) if len(year_text) == 4 and year_text.isascii() and year_text.isdigit() \
            and 2000 <= int(year_text) <= 2100 else None
        if year_text and year is None:
            raise Refused(400, "Year not understood", "The year should be four digits, for example 2022. "
                                                      "Go back and correct it, or leave it blank.")
        kind = KIND_RESPONDENT if request.query_params.get("kind") == "partner" else KIND_ASSESSMENT
        job = site.jobs.new()
        job.state["kind"] = "template"
        name = ("partner workbook" if kind == KIND_RESPONDENT else "self-assessment workbook")
        name = " ".join(x for x in (area, str(year or ""), name) if x) + ".xlsx"
        out = job.output(name)
        await run_in_threadpool(write_template, site.guide, out, area, year, kind)
        return download(out, out.name, XLSX)

    return [Route("/", start), Route("/template", blank), Route("/check", check, methods=["POST"]),
            Route("/check/{job}", show),
            Route("/check/{job}/submission.docx", submission), Route("/check/{job}/briefing.docx", briefing),
            Route("/check/{job}/export/{audience}.{fmt}", export_file)]
