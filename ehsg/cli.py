"""The `ehsg` command: parses options and calls one library function per command."""

from __future__ import annotations

import functools
import gc
import os
import sys

import click

from . import __version__
from pathlib import Path

from .errors import EhsgError, InputFileError

GUIDE_HELP = ("Guide data folder, or the name of a bundled edition (default: ehsg-2022, or $EHSG_GUIDE). "
              "Point it at your own edited copy, e.g. with the official score wording pasted in.")


def guide_option(f):
    return click.option("--guide", "guide_dir", metavar="DIR", default=None, help=GUIDE_HELP)(f)


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="Readable text, or one JSON object for scripts.")(f)


def friendly(f):
    """Mistakes in input become one clear message and an exit code, never a traceback."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except EhsgError as e:
            click.echo(f"ehsg: {e}", err=True)
            sys.exit(e.exit_code)
        except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("ehsg: stopped.", err=True)
            sys.exit(130)
        except MemoryError:
            click.echo("ehsg: ran out of memory on this input; no output was written.", err=True)
            sys.exit(2)
        except Exception as e:  # a fault in ehsg itself: say so plainly, keep the details for a report
            if os.environ.get("EHSG_DEBUG"):
                raise
            click.echo(f"ehsg: internal error ({type(e).__name__}: {e}). No output was written. "
                       "Run again with EHSG_DEBUG=1 for details to report.", err=True)
            sys.exit(3)
    return wrapper


MAX_OPTION_TEXT = 200  # an area's name; far below the 32,767 characters an Excel cell holds


def _plain_text(ctx, param, value):
    """A text option must be plain text: no control characters (they cannot be stored in a workbook)."""
    from .terminal import safe

    if value and safe(value) != value:
        raise click.BadParameter(f"{safe(value)!r} contains control characters; type plain text "
                                 "[option-control-character].")
    if value and len(value) > MAX_OPTION_TEXT:
        raise click.BadParameter(f"this is {len(value):,} characters long; at most {MAX_OPTION_TEXT} are "
                                 "accepted [option-too-long].")
    return value


def _inputs(*paths):
    """Every input named must be an ordinary file: a pipe or device is refused at once, never read."""
    from .outputs import require_regular_file

    for p in paths:
        if p is not None:
            require_regular_file(p)


class _Command(click.Command):
    """A command whose 'extra argument' error says what usually causes it: a name with spaces, unquoted."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            if "unexpected extra argument" in e.message:
                e.message += ('\nIf a file or folder name has spaces, put the whole name in quotes, '
                              'e.g. "My workshop/Sefton 2022.xlsx".')
            raise


def _guide(guide_dir):
    from .guide import load_guide_with_warnings

    guide, warnings = load_guide_with_warnings(guide_dir)
    for w in warnings:
        click.echo(f"ehsg: {w}", err=True)
    return guide


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ehsg")
def main():
    """Early Help System Guide self-assessment: workbook, check, priorities and Word submission.

    \b
    Typical flow:
      ehsg template -o workshop.xlsx --area "Sefton"
      ehsg check workshop.xlsx
      ehsg build workshop.xlsx -o submission.docx
    """
    # Loading a workbook makes hundreds of thousands of small objects; Python's default
    # collection threshold (700) then spends a sixth of a build collecting nothing.
    gc.set_threshold(50_000, 20, 20)
    from .terminal import install

    install()  # everything printed from here on has control characters shown as escapes
    # click would silently drop colour codes when printing to a pipe, but print them to a terminal; ehsg
    # prints none of its own, so any from a file are kept and shown escaped, the same everywhere.
    click.get_current_context().color = True


main.command_class = _Command  # every command below, and any added later


@main.command()
@click.option("-o", "--output", required=True, metavar="FILE.xlsx", help="Workbook to write.")
@click.option("--area", default="", callback=_plain_text, help="Area name to fill in.")
@click.option("--year", type=click.IntRange(2000, 2100), default=None,
              help="Year of the self-assessment to fill in.")
@click.option("--respondent", is_flag=True,
              help="A partner's own workbook for a workshop: adds who is responding (organisation, sector).")
@guide_option
@friendly
def template(output, area, year, respondent, guide_dir):
    """Write a blank workshop workbook to hand out."""
    from .outputs import check_ending, writing
    from .workbook import KIND_ASSESSMENT, KIND_RESPONDENT, write_template

    check_ending(output, (".xlsx",), "template")
    guide = _guide(guide_dir)
    kind = KIND_RESPONDENT if respondent else KIND_ASSESSMENT
    with writing([output]):
        path = write_template(guide, output, area=area, year=year, kind=kind)
    what = "partner's workbook" if respondent else "workbook"
    click.echo(f"Wrote {path}: a {what} with {len(guide.descriptors)} descriptors, guide {guide.stamp}.")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@format_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@guide_option
@friendly
def check(file, fmt, strict, guide_dir):
    """Check a filled workbook: every problem, Earned Autonomy, and the priority rule.

    Exit 0 when valid, 1 when the workbook has errors, 2 when the check could not run.
    """
    from .check import check_file, render_json, render_text

    _inputs(file)
    guide = _guide(guide_dir)
    report = check_file(file, guide)
    click.echo(render_json(report) if fmt == "json" else render_text(report, guide))
    failed = not report.valid or (strict and report.warnings)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@format_option
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many candidates to list.")
@guide_option
@friendly
def suggest(file, fmt, top, guide_dir):
    """Suggest priority descriptors the data-model rule allows, ranked with reasons."""
    import json

    from .reader import load_workbook_file
    from .rules import suggest as suggest_rule

    _inputs(file)
    guide = _guide(guide_dir)
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


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, metavar="SUBMISSION.docx", help="Word document to write.")
@click.option("--template", "template_file", metavar="FILE.docx", default=None,
              help="Your own restyled copy of templates/submission.docx.")
@click.option("--draft", is_flag=True, help="Build even if the check finds errors, marked as a draft.")
@guide_option
@friendly
def build(file, output, template_file, draft, guide_dir):
    """Build the Word submission from a checked workbook.

    Refuses (exit 1, nothing written) when 'ehsg check' finds errors, unless --draft.
    """
    from .outputs import check_ending, refuse_overwriting_inputs, save_as_pdf, writing
    from .submission import build_submission

    refuse_overwriting_inputs(output, [file] + ([template_file] if template_file else []))
    ending = check_ending(output, (".docx", ".pdf"), "build")
    _inputs(file, template_file)
    guide = _guide(guide_dir)
    built = []

    def write(path):
        built.append(build_submission(file, path, guide, template=template_file, draft=draft))

    with writing([output], inputs=[file] + ([template_file] if template_file else [])):
        save_as_pdf(output, write) if ending == ".pdf" else write(output)
    result = built[0]
    for w in result.warnings:
        click.echo(f"  {w}", err=True)
    state = " as a DRAFT" if draft and result.report.errors else ""
    click.echo(f"Wrote {output}{state}: {result.report.assessment.area or 'area not given'}, "
               f"{len(guide.descriptors)} descriptors, guide {guide.stamp}.")


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="PARTNER.xlsx... | FOLDER")
@click.option("-o", "--output", required=True, metavar="CONSOLIDATED.xlsx", help="Consolidated workbook to write.")
@click.option("--pack", metavar="PACK.docx", default=None, help="Also write a printable discussion pack.")
@click.option("--flag-range", type=click.IntRange(1, 5), default=2, show_default=True,
              help="Flag a descriptor for discussion when partners' scores are this far apart or more.")
@guide_option
@friendly
def merge(inputs, output, pack, flag_range, guide_dir):
    """Merge partners' workbooks: statistics, disagreements and attributed evidence per descriptor.

    Refuses (exit 1, nothing written) when any partner's workbook has errors, listing them all.
    """
    from .consolidate import write_consolidated, write_discussion_pack
    from .outputs import check_ending, check_output_path, refuse_overwriting_inputs, writing
    from .workshop import aggregate, collect_files, load_partners

    check_ending(output, (".xlsx",), "merge")
    check_output_path(output)
    if pack:
        check_ending(pack, (".docx",), "merge --pack")
        check_output_path(pack)
    guide = _guide(guide_dir)
    files = collect_files(list(inputs))
    _inputs(*files)
    refuse_overwriting_inputs(output, files)
    if pack:
        refuse_overwriting_inputs(pack, files + [output])
    partners, problems = load_partners(files, guide)
    errors = [p for p in problems if p.is_error]
    for p in problems:
        click.echo(f"  {p}", err=True)
    if errors or not partners:
        click.echo(f"ehsg: {len(errors)} error(s) in the partners' workbooks; nothing was written.", err=True)
        sys.exit(1)
    workshop = aggregate(partners, guide, flag_range)
    with writing([output, pack], inputs=files):  # both or neither
        write_consolidated(workshop, guide, output)
        if pack:
            write_discussion_pack(workshop, guide, pack)
    flagged = workshop.flagged()
    click.echo(f"Merged {len(partners)} partners into {output}. {len(flagged)} descriptor(s) flagged for discussion"
               + (f": {', '.join(s.id for s in flagged)}" if flagged else "") + ".")
    if pack:
        click.echo(f"Wrote the discussion pack {pack}.")


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--for", "audience", required=True, type=click.Choice(["dfe", "coordinators", "ogd"]),
              help="dfe: full results with narrative; coordinators, ogd: scores and priorities only.")
@click.option("-o", "--output", required=True, metavar="OUT.xlsx|.csv|.json", help="File to write; its ending "
              "chooses the format.")
@guide_option
@friendly
def export_cmd(file, audience, output, guide_dir):
    """Export what one audience may receive under the area's permission answers.

    Refuses (exit 1, nothing written) when the area did not answer Yes for that audience.
    """
    from .export import export
    from .outputs import check_ending, refuse_overwriting_inputs, writing

    refuse_overwriting_inputs(output, [file])
    check_ending(output, (".xlsx", ".csv", ".json"), "export")
    _inputs(file)
    guide = _guide(guide_dir)
    with writing([output], inputs=[file]):
        path = export(file, output, audience, guide)
    click.echo(f"Wrote {path} for {audience}.")


@main.command("compare")
@click.argument("files", nargs=-1, required=True, metavar="A B [C...]")
@click.option("-o", "--output", required=True, metavar="OUT.xlsx|.docx", help="Comparison to write.")
@click.option("--over-time/--areas", "over_time", default=None,
              help="One area over several years, or several areas (default: decided from the area names).")
@guide_option
@friendly
def compare_cmd(files, output, over_time, guide_dir):
    """Compare areas side by side, or one area over the years. Takes workbooks and exports alike."""
    from .compare import compare, summary_lines, write_comparison
    from .export import load_scores
    from .outputs import check_ending, check_output_path, refuse_overwriting_inputs, save_as_pdf, writing

    refuse_overwriting_inputs(output, files)
    ending = check_ending(output, (".xlsx", ".docx", ".pdf"), "compare")
    check_output_path(output)
    _inputs(*files)
    guide = _guide(guide_dir)
    loaded, failed = [], False
    for f in files:
        a, problems = load_scores(f, guide)
        for p in problems:
            if p.is_error or p.code in ("other-guide-version", "descriptor-not-comparable"):
                click.echo(f"  {p.location if p.location.startswith(Path(f).name) else Path(f).name + ': ' + p.location}"
                           f": {p.severity}: {p.message} [{p.code}]", err=True)
        if a is None or problems.errors:
            failed = True
        else:
            loaded.append(a)
    if failed:
        click.echo("ehsg: errors in the files above; nothing was written.", err=True)
        sys.exit(1)
    c = compare(loaded, guide, over_time)
    with writing([output], inputs=files):
        if ending == ".pdf":
            save_as_pdf(output, lambda docx: write_comparison(c, guide, docx))
        else:
            write_comparison(c, guide, output)
    for line in summary_lines(c, guide):
        click.echo(line)
    click.echo(f"Wrote {output}.")


@main.command("cohort")
@click.argument("inputs", nargs=-1, required=True, metavar="FOLDER | FILES...")
@click.option("-o", "--output", metavar="OUT.xlsx", default=None, help="Cohort workbook to write.")
@format_option
@click.option("--year", type=int, default=None, help="Earned Autonomy prospectus year (default: the latest).")
@guide_option
@friendly
def cohort_cmd(inputs, output, fmt, year, guide_dir):
    """Analyse many areas' scores-only exports: distributions, high scorers, action learning sets."""
    import json

    from .cohort import analyse, gather, write_xlsx
    from .outputs import check_ending, check_output_path, refuse_overwriting_inputs, writing
    from .terminal import raw

    if output:
        check_ending(output, (".xlsx",), "cohort")
        check_output_path(output)
    guide = _guide(guide_dir)
    files = _cohort_files(inputs)
    _inputs(*files)
    if output:
        refuse_overwriting_inputs(output, files)
    show = sys.stderr.isatty()
    if show:
        with click.progressbar(length=len(files), label="Reading areas", file=raw(sys.stderr)) as bar:
            cohort = gather(files, guide, progress=lambda f: bar.update(1))
    else:
        cohort = gather(files, guide)
    result = analyse(cohort, guide, year)
    if output:
        with writing([output], inputs=files):
            write_xlsx(result, guide, output)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        click.echo(f"{result['areas']} area(s) read, {len(cohort.left_out)} file(s) left out.")
        ea = result["earned_autonomy"]
        click.echo(f"Areas meeting every Earned Autonomy minimum ({ea['year']}): {ea['areas_meeting_all']}.")
        for s in result["action_learning_sets"][:10]:
            click.echo(f"  Action learning set {s['descriptor']}: {len(s['areas'])} area(s)")
        for f, why in cohort.left_out:
            click.echo(f"  Left out {f}: {why}", err=True)
        if output:
            click.echo(f"Wrote {output}.")
    sys.exit(1 if cohort.left_out else 0)


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


@main.command("check-template")
@click.argument("file", type=click.Path(dir_okay=False))
@friendly
def check_template_cmd(file):
    """List fields a Word template uses that ehsg does not provide, and fields it leaves unused."""
    from .submission import check_template

    _inputs(file)
    result = check_template(file)
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
    main()
