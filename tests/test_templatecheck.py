"""check-template judges each Word template against the fields of the document it is for."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from docx import Document

from conftest import EXAMPLE, REPO
from ehsg.cli import main
from ehsg.templatecheck import COMPARISON_FIELDS, KINDS, check_template, kinds_of

TEMPLATES = REPO / "templates"


def _run(*args):
    return CliRunner().invoke(main, ["check-template", *map(str, args)])


def _own(name):
    others = set().union(*(k.fields for k in KINDS.values() if k.name != name))
    return sorted(KINDS[name].fields - others)


@pytest.mark.parametrize("kind", ["submission", "briefing", "comparison"])
def test_each_bundled_template_is_judged_as_the_template_of_its_own_document(kind):
    res = _run(TEMPLATES / f"{kind}.docx")
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"Judged as a template for {KINDS[kind].document} ")
    assert "told by the fields it uses" in res.output and "does not provide" not in res.output


def test_a_restyled_comparison_template_is_judged_by_the_comparisons_fields(tmp_path):
    doc = Document(TEMPLATES / "comparison.docx")
    doc.add_paragraph("{{ council_logo }}")
    custom = tmp_path / "our comparison.docx"
    doc.save(custom)
    res = _run(custom)
    assert res.exit_code == 1
    assert "Fields the template uses that the comparison does not provide (making it would fail):\n" \
           "  council_logo\n" in res.output
    assert "ehsg compare" in res.output.splitlines()[0]
    # the briefing's own fields are not asked of it
    assert not any(f"  {name}\n" in res.output for name in _own("briefing"))


def test_a_template_whose_fields_belong_to_no_one_document_is_judged_as_the_form_and_says_so(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ area }} {{ year }}")  # the form and the briefing both provide these
    plain = tmp_path / "plain.docx"
    doc.save(plain)
    res = _run(plain)
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[0]
    assert first.startswith("ehsg cannot tell from this template which document it is for")
    assert "judged as a template for the national form" in first
    assert "--kind briefing or --kind comparison" in first
    told = _run(plain, "--kind", "briefing")
    assert told.exit_code == 0
    assert told.output.startswith("Judged as a template for the briefing ('ehsg brief'")
    assert "as you asked with --kind briefing." in told.output
    assert "Fields the briefing provides that the template does not use:\n  chart\n" in told.output


def test_a_kind_given_against_the_templates_fields_is_used_and_the_other_named():
    res = _run(TEMPLATES / "comparison.docx", "--kind", "briefing")
    assert res.exit_code == 1
    first = res.output.splitlines()[0]
    assert "as you asked with --kind briefing" in first and "use --kind comparison" in first
    assert "Fields the template uses that the briefing does not provide" in res.output
    assert _run(TEMPLATES / "comparison.docx", "--kind", "letter").exit_code == 2


def test_kinds_are_told_by_the_fields_only_one_document_provides():
    for name in KINDS:
        own = _own(name)
        assert own, name  # every document has fields of its own
        assert kinds_of(set(own[:1]) | {"area"}) == (name,)
    assert kinds_of(set()) == ()
    assert kinds_of({"area", "chart", "chart_caption"}) == ()  # shared by two documents: tells nothing
    assert kinds_of({"ea_totals", "ea_summary"}) == ("briefing", "comparison")
    assert kinds_of({"ea_totals", "title", "ea_summary"}) == ("comparison",)


def test_the_comparisons_fields_are_those_it_gives_its_template(guide):
    from ehsg.check import check_file
    from ehsg.templatecheck import comparison_sample_context

    context, _ = comparison_sample_context(check_file(EXAMPLE, guide), guide)
    assert set(context) | KINDS["comparison"].pictures == COMPARISON_FIELDS


def test_the_library_call_says_how_the_kind_was_chosen(guide):
    result = check_template(TEMPLATES / "comparison.docx", guide)
    assert (result.kind.name, result.how, result.candidates, result.unknown) == \
        ("comparison", "told", ("comparison",), ())
    given = check_template(TEMPLATES / "submission.docx", guide, "submission")
    assert (given.how, given.unused) == ("given", ("year",))
    with pytest.raises(ValueError):
        check_template(TEMPLATES / "submission.docx", guide, "letter")


def test_a_template_whose_fields_only_one_document_gives_all_of_is_judged_as_that_documents(tmp_path):
    # the chart and its caption are the briefing's and the comparison's, the area the form's and the briefing's:
    # no field is one document's alone, but only the briefing gives every one of them
    doc = Document()
    for text in ("Briefing for {{ area }} {{ date }}", "{{ chart }}", "{{ chart_caption }}",
                 "{% for s in sections %}-{% endfor %}"):
        doc.add_paragraph(text)
    ours = tmp_path / "our briefing.docx"
    doc.save(ours)
    res = _run(ours)
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[0]
    assert first.startswith("ehsg cannot tell from this template which document it is for")
    assert "judged as a template for the briefing" in first
    assert "--kind submission or --kind comparison" in first
    assert "does not provide" not in res.output
