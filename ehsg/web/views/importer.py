"""Import: a submission made on the national form (Word, PDF, text) → what was found and not → the workbook."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from ...errors import InputFileError
from ...importer import import_to_workbook
from ..app import XLSX, Refused, Site, download
from .common import group_problems, upload_files

ACCEPT = ".docx,.pdf,.txt"


def routes(site: Site) -> list[Route]:
    async def start(request: Request, error: str | None = None, status: int = 200, field: str = "submission"):
        return site.page(request, "import.html", status=status, error=error, field=field, accept=ACCEPT)

    async def post(request: Request):
        form = await site.form(request)
        try:
            files = await upload_files(form, "submission")
            if len(files) != 1:
                return await start(request, "Select one submission (.docx, .pdf or .txt) to import", 400)
            area = str(form.get("area", "")).strip()[:200] or None
            year_text = str(form.get("year", "")).strip()
            year = int(year_text) if len(year_text) == 4 and year_text.isascii() and year_text.isdigit() \
                and 2000 <= int(year_text) <= 2100 else None
            if year_text and year is None:
                return await start(request, "Enter the year as four digits, for example 2022", 400, "year")
            job = site.jobs.new()
            path = await run_in_threadpool(job.save, files[0].filename, files[0].file)
        finally:
            await form.close()
        out = job.output(f"{path.stem} imported.xlsx")
        try:
            result = await run_in_threadpool(import_to_workbook, path, out, site.guide, area, year)
        except InputFileError as e:  # not a kind of file ehsg imports: said on the form, as the command says it
            hint = " To check a filled workbook, use Check and build." if path.suffix.lower() == ".xlsx" else ""
            return await start(request, str(e).replace(str(path), path.name) + hint, 400)
        job.state.update(kind="import", result=result, workbook=out if result.assessment is not None else None)
        problems = sorted(result.problems, key=lambda p: not p.is_error)
        return site.page(request, "import_results.html", job=job, result=result, problems=problems,
                         groups=group_problems(problems, file_first=True), filename=path.name)

    async def workbook(request: Request):
        job = site.job(request, "import")
        if job.state["workbook"] is None:
            raise Refused(409, "No workbook was made", "The file could not be read as the national form.")
        return download(job.state["workbook"], job.state["workbook"].name, XLSX)

    async def check(request: Request):
        """The imported workbook, checked exactly as an uploaded one is."""
        from .check import check_upload

        job = site.job(request, "import")
        if job.state["workbook"] is None:
            raise Refused(409, "No workbook was made", "The file could not be read as the national form.")
        checked = job.state.get("checked")
        if checked is None:
            with open(job.state["workbook"], "rb") as data:
                checked = await run_in_threadpool(check_upload, site, job.state["workbook"].name, data)
            job.state["checked"] = checked
        return RedirectResponse(f"/check/{checked.id}", status_code=303)

    return [Route("/import", start), Route("/import", post, methods=["POST"], name="import_post"),
            Route("/import/{job}/workbook.xlsx", workbook), Route("/import/{job}/check", check)]
