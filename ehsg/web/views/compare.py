"""Compare: two or more workbooks or exports → scores side by side with differences, the chart, downloads."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from ...compare import compare, load_all, signed, summary_lines, write_comparison
from ...compare_write import comparison_chart
from ..app import DOCX, XLSX, Refused, Site, download
from .common import group_problems, upload_files

MODES = {"auto": None, "areas": False, "over-time": True}


def routes(site: Site) -> list[Route]:
    async def start(request: Request, error: str | None = None, status: int = 200):
        return site.page(request, "compare.html", status=status, error=error)

    async def post(request: Request):
        form = await site.form(request)
        try:
            files = await upload_files(form, "files")
            if len(files) < 2:
                return await start(request, "Select two or more workbooks or exports to compare", 400)
            mode = MODES.get(str(form.get("mode", "auto")))
            job = site.jobs.new()
            taken: set[str] = set()
            paths = [await run_in_threadpool(job.save, f.filename, f.file, taken) for f in files]
        finally:
            await form.close()
        job.state["kind"] = "compare"
        loaded, problems = await run_in_threadpool(load_all, paths, site.guide)
        problems.sort(key=lambda p: not p.is_error)
        if loaded is None:
            return site.page(request, "compare_results.html", job=job, c=None, problems=problems,
                             groups=group_problems(problems, file_first=True), lines=[], rows=[])
        c = compare(loaded, site.guide, mode)
        job.state["comparison"] = c
        await run_in_threadpool(comparison_chart, c, site.guide, job.output("chart.png"))
        rows = [(did, site.guide.descriptor(did), scores, c.differences(scores)) for did, scores in c.rows]
        return site.page(request, "compare_results.html", job=job, c=c, problems=problems,
                         groups=group_problems(problems, file_first=True), lines=summary_lines(c, site.guide),
                         rows=rows, signed=signed)

    async def output(request: Request):
        job = site.job(request, "compare")
        fmt = request.path_params["fmt"]
        c = job.state.get("comparison")
        if c is None or fmt not in ("xlsx", "docx", "png"):
            raise Refused(404, "Page not found", "There is no such comparison file.")
        if fmt == "png":
            from starlette.responses import FileResponse

            return FileResponse(job.output("chart.png"), media_type="image/png", headers={"Cache-Control": "no-store"})
        out = job.output(f"comparison.{fmt}")
        await run_in_threadpool(job.make, out, lambda: write_comparison(c, site.guide, out))
        return download(out, out.name, XLSX if fmt == "xlsx" else DOCX)

    return [Route("/compare", start), Route("/compare", post, methods=["POST"], name="compare_post"),
            Route("/compare/{job}/comparison.{fmt}", output)]
