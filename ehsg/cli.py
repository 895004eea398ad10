"""The `ehsg` command: parses options and calls one library function per command."""

from __future__ import annotations

import gc
import inspect
import sys
from pathlib import Path

import click

from . import __version__
from .cliparts import (QuotingCommand, format_option, friendly, guide_for_document, guide_option, load_guide_data,
                       plain_text, require_inputs, write_document)
from .errors import InputFileError
from .helptext import GROUP_HELP, SUMMARIES, VERSION_HELP


@click.group(help=GROUP_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ehsg", help=VERSION_HELP)
def main():
    # Loading a workbook makes hundreds of thousands of small objects; Python's default
    # collection threshold (700) then spends a sixth of a build collecting nothing.
    gc.set_threshold(50_000, 20, 20)
    from .terminal import install

    install()  # everything printed from here on has control characters shown as escapes
    # click would silently drop colour codes when printing to a pipe, but print them to a terminal; ehsg
    # prints none of its own, so any from a file are kept and shown escaped, the same everywhere.
    click.get_current_context().color = True


main.command_class = QuotingCommand  # every command below, and any added later
FILE = click.Path(dir_okay=False)  # one for every file argument: each click.Path looks up its name's translation


def command(name=None):
    """A command of the group: its help is its summary (ehsg.helptext, which --help lists), then its docstring."""
    def register(f):
        more = inspect.cleandoc(f.__doc__ or "")
        return main.command(name, help=SUMMARIES[name or f.__name__] + (f"\n\n{more}" if more else ""))(f)
    return register


@command()
@click.option("-o", "--output", required=True, metavar="FILE.xlsx", help="Workbook to write.")
@click.option("--area", default="", callback=plain_text, help="Area name to fill in.")
@click.option("--year", type=click.IntRange(2000, 2100), default=None,
              help="Year of the self-assessment to fill in.")
@click.option("--respondent", is_flag=True,
              help="A partner's own workbook for a workshop: adds who is responding (organisation, sector).")
@click.option("--previous", metavar="LAST.xlsx", default=None,
              help="With --respondent: show last time's agreed score and 'prioritising next' beside each "
                   "descriptor (read-only), from that agreed workbook.")
@guide_option
@friendly
def template(output, area, year, respondent, previous, guide_dir):
    from .outputs import check_ending, writing
    from .workbook import KIND_ASSESSMENT, KIND_RESPONDENT, write_template

    check_ending(output, (".xlsx",), "template")
    guide = load_guide_data(guide_dir)
    kind = KIND_RESPONDENT if respondent else KIND_ASSESSMENT
    last = None
    if previous:
        from .outputs import refuse_overwriting_inputs
        from .workshop import load_previous

        if not respondent:
            click.echo("ehsg: --previous is for partners' workbooks: add --respondent.", err=True)
            sys.exit(2)
        require_inputs(previous)
        refuse_overwriting_inputs(output, [previous])
        last, problems = load_previous(previous, guide, area)
        for p in problems:
            click.echo(f"  {p}", err=True)
        if last is None:
            click.echo(f"ehsg: {previous} cannot be used as last time's answers; nothing was written.", err=True)
            sys.exit(1)
    with writing([output], inputs=[previous] if previous else []):
        path = write_template(guide, output, area=area, year=year, kind=kind, previous=last)
    what = "partner's workbook" if respondent else "workbook"
    click.echo(f"Wrote {path}: a {what} with {len(guide.descriptors)} descriptors, guide {guide.stamp}"
               + (f", with last time's answers from {previous}" if last is not None else "") + ".")


@command()
@click.argument("file", type=FILE)
@format_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@guide_option
@friendly
def check(file, fmt, strict, guide_dir):
    """Exit 0 when valid, 1 when the workbook has errors, 2 when the check could not run."""
    from .check import check_file, render_json, render_text

    require_inputs(file)
    guide = load_guide_data(guide_dir)
    report = check_file(file, guide)
    click.echo(render_json(report) if fmt == "json" else render_text(report, guide))
    failed = not report.valid or (strict and report.warnings)
    sys.exit(1 if failed else 0)


@command()
@click.argument("file", type=FILE)
@format_option
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many candidates to list.")
@guide_option
@friendly
def suggest(file, fmt, top, guide_dir):
    import json

    from .reader import load_workbook_file
    from .rules import suggest as suggest_rule

    require_inputs(file)
    guide = load_guide_data(guide_dir)
    result = load_workbook_file(file, guide)
    if result.assessment is None:
        for p in result.problems:
            click.echo(f"  {p}", err=True)
        sys.exit(1)
    s = suggest_rule(result.assessment, guide, limit=top)
    if fmt == "json":
        click.echo(json.dumps({"data_model": s["data_model"], "needs": s["needs"], "candidates": [
            {"id": c.id, "kind": c.kind, "score": c.score, "reasons": list(c.reasons)} for c in s["candidates"]]},
            ensure_ascii=False, indent=2))
        return
    if s["needs"] is None:
        click.echo("The data model is missing or invalid, so no rule can be applied. Fill in 'Data model' on the "
                   "Area sheet.")
        sys.exit(1)
    click.echo(f"{result.assessment.area or file}: {s['statement']}.")
    for i, c in enumerate(s["candidates"], start=1):
        d = guide.descriptor(c.id)
        click.echo(f"  {i:2}. {c.id:5} {c.kind:7} {d.short[:50]:<50} {'; '.join(c.reasons)}")


@command()
@click.argument("file", type=FILE)
@click.option("-o", "--output", required=True, metavar="SUBMISSION.docx", help="Word document to write.")
@click.option("--template", "template_file", metavar="FILE.docx", default=None,
              help="Your own restyled copy of templates/submission.docx.")
@click.option("--draft", is_flag=True, help="Build even if the check finds errors, marked as a draft.")
@click.option("--date", default="", metavar="TEXT", help="The date to print under the area's name, as you want it "
              "shown (e.g. \"30 June 2022\"); none by default.")
@guide_option
@friendly
def build(file, output, template_file, draft, date, guide_dir):
    """Refuses (exit 1, nothing written) when 'ehsg check' finds errors, unless --draft.
    Every warning the build acts on is repeated here.
    """
    from .submission import build_submission, start_submission

    with start_submission(template_file) as rendering:  # the template made ready while the guide data loads
        guide = guide_for_document(file, output, template_file, "build", guide_dir)
        result = write_document(output, [file, template_file], lambda path: build_submission(
            file, path, guide, template=template_file, draft=draft, date=date, rendering=rendering))
    for p in (result.report.errors if draft else []) + list(result.warnings):
        click.echo(f"  {p}", err=True)
    state = " as a DRAFT" if draft and result.report.errors else ""
    click.echo(f"Wrote {output}{state}: {result.report.assessment.area or 'area not given'}, "
               f"{len(guide.descriptors)} descriptors, guide {guide.stamp}.")


@command()
@click.argument("file", type=FILE)
@click.option("-o", "--output", required=True, metavar="BRIEFING.docx", help="Word document to write.")
@click.option("--template", "template_file", metavar="FILE.docx", default=None,
              help="Your own restyled copy of templates/briefing.docx.")
@click.option("--draft", is_flag=True, help="Build even if the check finds errors, marked as a draft.")
@click.option("--date", default="", metavar="TEXT", help="The date to print under the title; none by default.")
@guide_option
@friendly
def brief(file, output, template_file, draft, date, guide_dir):
    """For a director or a scrutiny committee; it is not the national form (that is 'ehsg build')."""
    from .brief import build_brief, start_brief

    with start_brief(template_file) as rendering:  # the template made ready while the guide data loads
        guide = guide_for_document(file, output, template_file, "brief", guide_dir)
        result = write_document(output, [file, template_file], lambda path: build_brief(
            file, path, guide, template=template_file, draft=draft, date=date, rendering=rendering))
    for p in (result.report.errors if draft else []) + list(result.warnings):
        click.echo(f"  {p}", err=True)
    click.echo(f"Wrote {output}: briefing for {result.report.assessment.area or 'area not given'}.")


@command()
@click.argument("inputs", nargs=-1, required=True, metavar="PARTNER.xlsx... | FOLDER")
@click.option("-o", "--output", required=True, metavar="CONSOLIDATED.xlsx", help="Consolidated workbook to write.")
@click.option("--pack", metavar="PACK.docx", default=None, help="Also write a printable discussion pack.")
@click.option("--flag-range", type=click.IntRange(1, 5), default=2, show_default=True,
              help="Flag a descriptor for discussion when partners' scores are this far apart or more.")
@click.option("--area", default=None, help="The area: every partner that names one must name this one.")
@click.option("--year", type=int, default=None, help="The year: every partner that gives one must give this one.")
@click.option("--previous", metavar="LAST.xlsx", default=None,
              help="Last time's agreed workbook: its scores and 'prioritising next' join the Discussion sheet "
                   "and the pack.")
@click.option("--accept-proposed", is_flag=True,
              help="Fill the agreed score of every descriptor NOT flagged for discussion with its proposal.")
@guide_option
@friendly
def merge(inputs, output, pack, flag_range, area, year, previous, accept_proposed, guide_dir):
    """Refuses (exit 1, nothing written) when any partner's workbook has errors, or partners name different
    areas or years, listing them all.
    """
    from .consolidate import write_workshop
    from .outputs import check_ending, check_output_path, refuse_overwriting_inputs, writing
    from .terminal import safe
    from .workshop import collect_files
    from .workshop import merge as merge_workshop

    check_ending(output, (".xlsx",), "merge")
    check_output_path(output)
    if pack:
        check_ending(pack, (".docx",), "merge --pack")
        check_output_path(pack)
    guide = load_guide_data(guide_dir)
    files = collect_files(list(inputs))
    others = [previous] if previous else []
    require_inputs(*files, *others)
    refuse_overwriting_inputs(output, files + others)
    if pack:
        refuse_overwriting_inputs(pack, files + others + [output])
    workshop, problems = merge_workshop(files, guide, flag_range, area=area, year=year, previous=previous)
    errors = [p for p in problems if p.is_error]
    for p in problems:
        click.echo(f"  {p}", err=True)
    if workshop is None:
        click.echo(f"ehsg: {len(errors)} error(s) in the workbooks above; nothing was written.", err=True)
        sys.exit(1)
    with writing([output, pack], inputs=files + others):  # both or neither
        write_workshop(workshop, guide, output, pack, accept_proposed=accept_proposed)
    flagged = workshop.flagged()
    click.echo(f"Merged {len(workshop.partners)} partners into {output} ({safe(workshop.area) or 'area not given'}"
               f"{', ' + str(workshop.year) if workshop.year else ''}). {len(flagged)} descriptor(s) flagged for "
               "discussion" + (f": {', '.join(s.id for s in flagged)}" if flagged else "") + ".")
    if accept_proposed:
        n = sum(1 for s in workshop.stats if s.proposed is not None and s not in flagged)
        click.echo(f"Agreed scores filled from the proposals for {n} descriptor(s) not flagged for discussion.")
    if pack:
        click.echo(f"Wrote the discussion pack {pack}.")


@command()
@click.argument("file", type=FILE, metavar="CONSOLIDATED.xlsx")
@click.option("-o", "--output", required=True, metavar="AGREED.xlsx", help="Workbook to write (a copy).")
@click.option("--only", metavar="IDS", default=None,
              help="Only these descriptors, comma-separated, e.g. 5.1,7.3 (flagged ones included if named).")
@click.option("--include-flagged", is_flag=True, help="Also fill descriptors flagged for discussion.")
@guide_option
@friendly
def agree(file, output, only, include_flagged, guide_dir):
    """By default every open descriptor not flagged for discussion is filled; flagged ones stay open."""
    from .agree import agree as agree_scores
    from .outputs import check_ending, writing

    check_ending(output, (".xlsx",), "agree")
    require_inputs(file)
    guide = load_guide_data(guide_dir)
    ids = [x.strip() for x in only.split(",") if x.strip()] if only else None
    with writing([output], inputs=[file]):
        r = agree_scores(file, output, guide, only=ids, include_flagged=include_flagged)
    click.echo(f"Wrote {r.path}: {len(r.filled)} agreed score(s) filled from the proposals"
               + (f" ({', '.join(f'{d}: {s}' for d, s in r.filled)})" if r.filled else "") + ".")
    if r.kept:
        click.echo(f"  {len(r.kept)} already agreed, left as they were.")
    if r.flagged:
        click.echo(f"  Still open, flagged for discussion: {', '.join(r.flagged)}.")
    if r.not_chosen:
        click.echo(f"  Still open, not chosen: {', '.join(r.not_chosen)}.")


@command("export")
@click.argument("file", type=FILE)
@click.option("--for", "audience", required=True, type=click.Choice(["dfe", "coordinators", "ogd"]),
              help="dfe: full results with narrative; coordinators, ogd: scores and priorities only.")
@click.option("-o", "--output", required=True, metavar="OUT.xlsx|.csv|.json", help="File to write; its ending "
              "chooses the format.")
@guide_option
@friendly
def export_cmd(file, audience, output, guide_dir):
    """Refuses (exit 1, nothing written) when the area did not answer Yes for that audience."""
    from .export import export
    from .outputs import check_ending, refuse_overwriting_inputs, writing

    refuse_overwriting_inputs(output, [file])
    check_ending(output, (".xlsx", ".csv", ".json"), "export")
    require_inputs(file)
    guide = load_guide_data(guide_dir)
    with writing([output], inputs=[file]):
        path = export(file, output, audience, guide)
    click.echo(f"Wrote {path} for {audience}.")


@command("compare")
@click.argument("files", nargs=-1, required=True, metavar="A B [C...]")
@click.option("-o", "--output", default=None, metavar="OUT.xlsx|.docx", help="Comparison to write.")
@click.option("--over-time/--areas", "over_time", default=None,
              help="One area over several years, or several areas (default: decided from the area names).")
@click.option("--template", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Your restyled copy of templates/comparison.docx (for a .docx output).")
@format_option
@guide_option
@friendly
def compare_cmd(files, output, over_time, template, fmt, guide_dir):
    """Differences are signed from the first area's point of view (or the earliest year's)."""
    import json

    from .compare import compare, load_all, summary_lines, to_dict, write_comparison
    from .outputs import check_ending, refuse_overwriting_inputs, save_as_pdf, writing
    from .terminal import safe

    if output is None and fmt != "json":
        raise InputFileError("Give -o OUT.xlsx or OUT.docx, or --format json to print the comparison.")
    ending = None
    if output:
        refuse_overwriting_inputs(output, list(files) + ([template] if template else []))
        ending = check_ending(output, (".xlsx", ".docx", ".pdf"), "compare")
    require_inputs(*files, template)
    guide = load_guide_data(guide_dir)
    loaded, problems = load_all(files, guide)
    for p in problems:
        if p.is_error or p.code in ("other-guide-version", "descriptor-not-comparable"):
            click.echo(safe(f"  {p.location}: {p.severity}: {p.message} [{p.code}]"), err=True)
    if loaded is None:
        click.echo("ehsg: errors in the files above; nothing was written.", err=True)
        sys.exit(1)
    c = compare(loaded, guide, over_time)
    if output:
        with writing([output], inputs=list(files) + ([template] if template else [])):
            if ending == ".pdf":
                save_as_pdf(output, lambda docx: write_comparison(c, guide, docx, template))
            else:
                write_comparison(c, guide, output, template)
    if fmt == "json":
        click.echo(json.dumps(to_dict(c, guide), ensure_ascii=False, indent=1))
        return
    for line in summary_lines(c, guide):
        click.echo(safe(line))
    click.echo(f"Wrote {output}.")


@command("cohort")
@click.argument("inputs", nargs=-1, required=True, metavar="FOLDER | FILES...")
@click.option("-o", "--output", metavar="OUT.xlsx", default=None, help="Cohort workbook to write.")
@format_option
@click.option("--for", "audience", type=click.Choice(["coordinators", "ogd"]), default="ogd", show_default=True,
              help="Who the cohort is for: areas that did not permit sharing with them are left out and listed.")
@click.option("--year", type=int, default=None,
              help="The year of self-assessments to take (needed when the files hold more than one year); "
                   "Earned Autonomy minima are those of that year's prospectus.")
@guide_option
@friendly
def cohort_cmd(inputs, output, fmt, audience, year, guide_dir):
    """Takes scores-only exports and areas' full workbooks (never partners' workbooks); narratives are never used."""
    from .cohort import analyse, figures, gather, write_xlsx
    from .outputs import check_ending, check_output_path, refuse_overwriting_inputs, writing
    from .terminal import raw, safe

    if output:
        check_ending(output, (".xlsx",), "cohort")
        check_output_path(output)
    guide = load_guide_data(guide_dir)
    files = _cohort_files(inputs)
    require_inputs(*files)
    if output:
        refuse_overwriting_inputs(output, files)
    show = sys.stderr.isatty()
    if show:
        with click.progressbar(length=len(files), label="Reading areas", file=raw(sys.stderr)) as bar:
            cohort = gather(files, guide, audience, year, progress=lambda f: bar.update(1))
    else:
        cohort = gather(files, guide, audience, year)
    # JSON alone is written as each area's figures are made; a workbook needs them all at once
    result = figures(cohort, guide) if fmt == "json" and not output else analyse(cohort, guide)
    if output:
        with writing([output], inputs=files):
            write_xlsx(result, guide, output)
    if fmt == "json":
        _echo_json(result)
    else:
        click.echo(f"{result['areas']} area(s) of {result['year'] or 'no given year'} read for {audience}, "
                   f"{len(cohort.left_out)} file(s) left out.")
        ea = result["earned_autonomy"]
        click.echo(f"Areas meeting every Earned Autonomy minimum ({ea['year']} prospectus): "
                   f"{ea['areas_meeting_all']}.")
        for s in result["action_learning_sets"]:
            click.echo(f"  Action learning set {s['descriptor']}: {len(s['areas'])} area(s)")
        for f, why, code in cohort.left_out:
            click.echo(safe(f"  Left out {f}: {why} [{code}]"), err=True)
        for w in result["warnings"]:
            click.echo(safe(f"  {w['location']}: warning: {w['message']} [{w['code']}]"), err=True)
        if output:
            click.echo(f"Wrote {output}.")
    sys.exit(1 if cohort.left_out else 0)


def _echo_json(data) -> None:
    """The JSON json.dumps gives, written in pieces: a cohort of thousands of areas is never one string in memory."""
    import json

    pieces, size = [], 0
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(data):
        pieces.append(chunk)
        size += len(chunk)
        if size > 1 << 16:
            click.echo("".join(pieces), nl=False)
            pieces, size = [], 0
    click.echo("".join(pieces))


def _cohort_files(inputs):
    files = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files.extend(sorted(x for x in p.iterdir() if x.suffix.lower() in (".xlsx", ".csv", ".json")
                                and not x.name.startswith((".", "~$"))))
        elif p.exists():
            files.append(p)
        else:
            raise InputFileError(f"{p}: no such file or folder.")
    if not files:
        raise InputFileError("No .xlsx, .csv or .json files to read.")
    return files


@command("serve")
@click.argument("file", required=False, type=FILE)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this computer's own (127.0.0.1) lets others on the network in.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the toolkit in your web browser.")
@guide_option
@friendly
def serve_cmd(file, host, port, open_browser, guide_dir):
    """With FILE, the workbook is checked first and the address printed is its results page."""
    try:
        from .web.server import serve
    except ImportError as e:
        from .errors import InputFileError

        raise InputFileError(f"The web app needs extra packages ({e.name} is missing): "
                             "pip install 'ehsg[web]'") from e
    serve(load_guide_data(guide_dir), host, port, open_browser, file)


@command("import")
@click.argument("source", type=FILE)
@click.option("-o", "--output", required=True, metavar="WORKBOOK.xlsx", help="Workbook to write.")
@click.option("--area", default=None, help="Area name, where the document does not give it.")
@click.option("--year", type=int, default=None, help="Year of the self-assessment, where the document does not give it.")
@format_option
@guide_option
@friendly
def import_cmd(source, output, area, year, fmt, guide_dir):
    """Exit 0 when everything the form asks for was found, 1 when something is missing or unreadable (the
    workbook is still written, with blanks for 'ehsg check' to report), 2 when the file cannot be read at all.
    """
    from .importer import import_to_workbook
    from .outputs import check_ending, writing
    from .terminal import safe

    check_ending(output, (".xlsx",), "import")
    require_inputs(source)
    guide = load_guide_data(guide_dir)
    with writing([output], inputs=[source]):
        result = import_to_workbook(source, output, guide, area=area, year=year)
    if fmt == "json":
        import json

        click.echo(json.dumps({
            "source": str(source), "output": str(output) if result.assessment is not None else None,
            "guide": guide.stamp, "complete": result.complete,
            "found": {name: {"found": f, "expected": e} for name, (f, e) in result.counts.items()},
            "problems": [p.as_dict() for p in result.problems]}, ensure_ascii=True, indent=2))
        sys.exit(0 if result.complete else 1)
    for p in result.problems:
        click.echo(f"  {p}", err=True)
    if result.assessment is None:
        click.echo(f"ehsg: {source}: nothing was written.", err=True)
        sys.exit(1)
    click.echo(f"Read {source}: " + ", ".join(result.summary()) + ".")
    click.echo(f"Wrote {output}: {safe(result.assessment.area) or 'area not given'}, guide {guide.stamp}."
               + ("" if result.complete else " Some answers were not found; run 'ehsg check' on it."))
    sys.exit(0 if result.complete else 1)


@command("check-template")
@click.argument("file", type=FILE)
@guide_option
@friendly
def check_template_cmd(file, guide_dir):
    """Also refuses (exit 2, each problem located) what a build would refuse, found by a trial render."""
    from .submission import check_template

    require_inputs(file)
    result = check_template(file, load_guide_data(guide_dir))
    if result["unknown"]:
        click.echo("Fields the template uses that ehsg does not provide (the build would fail):")
        for name in result["unknown"]:
            click.echo(f"  {name}")
    if result["unused"]:
        click.echo("Fields ehsg provides that the template does not use:")
        for name in result["unused"]:
            click.echo(f"  {name}")
    if not result["unknown"] and not result["unused"]:
        click.echo("The template uses every field ehsg provides, and no other.")
    sys.exit(1 if result["unknown"] else 0)


if __name__ == "__main__":  # pragma: no cover
    from .__main__ import run

    run()
