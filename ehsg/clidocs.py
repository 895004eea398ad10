"""The `ehsg` commands that make Word documents from templates, and check a council's restyled template."""

from __future__ import annotations

import sys

import click

from .cliparts import FILE, command, friendly, guide_option, load_guide_data, require_inputs


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


@command("check-template")
@click.argument("file", type=FILE)
@click.option("--kind", type=click.Choice(["submission", "briefing", "comparison"]), default=None,
              help="Which document the template is for: submission (the national form, 'ehsg build'), briefing "
                   "('ehsg brief') or comparison ('ehsg compare'). Needed only where ehsg cannot tell from the "
                   "template's fields.")
@guide_option
@friendly
def check_template_cmd(file, kind, guide_dir):
    """First says which document it judged the template to be for (the national form, the briefing or the
    comparison) and how it knew. Also refuses (exit 2, each problem located) what making the document would
    refuse, found by a trial render.
    """
    from .templatecheck import check_template

    require_inputs(file)
    result = check_template(file, load_guide_data(guide_dir), kind)
    document = result.kind.document
    click.echo(result.kind_line)
    if result.unknown:
        click.echo(f"Fields the template uses that {document} does not provide (making it would fail):")
        for name in result.unknown:
            click.echo(f"  {name}")
    if result.unused:
        click.echo(f"Fields {document} provides that the template does not use:")
        for name in result.unused:
            click.echo(f"  {name}")
    if not result.unknown and not result.unused:
        click.echo(f"The template uses every field {document} provides, and no other.")
    sys.exit(1 if result.unknown else 0)


def guide_for_document(file, output, template_file, what, guide_dir):
    """Before a Word document is made: the output's name and ending checked, the inputs ordinary files."""
    from .outputs import check_ending, refuse_overwriting_inputs

    refuse_overwriting_inputs(output, [file] + ([template_file] if template_file else []))
    check_ending(output, (".docx", ".pdf"), what)
    require_inputs(file, template_file)
    return load_guide_data(guide_dir)


def write_document(output, inputs, make):
    """Make a Word document (or a PDF converted from it) in one output transaction; make(path)'s result."""
    from .outputs import save_as_pdf, writing

    made = []

    def write(path):
        made.append(make(path))

    with writing([output], inputs=[i for i in inputs if i]):
        save_as_pdf(output, write) if str(output).lower().endswith(".pdf") else write(output)
    return made[0]
