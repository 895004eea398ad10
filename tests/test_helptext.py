"""The top-level help drawn without click is click's own page, byte for byte, at every width."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO
from ehsg.cli import main
from ehsg.helptext import GROUP_HELP, SUMMARIES, short_help, top_help

CLICK_PAGE = "import sys\nfrom ehsg.cli import main\nmain(sys.argv[1:], prog_name='python -m ehsg')\n"


def _click_page(prog, width):
    ctx = main.make_context(prog, [], resilient_parsing=True, terminal_width=width)  # the group's own settings
    return main.get_help(ctx)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def _run(argv, **extra):
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=_env(**extra), timeout=60)


@pytest.mark.parametrize("width", range(50, 79))
def test_the_page_is_clicks_at_every_width_its_formatter_uses(width):
    assert top_help("ehsg", width) == _click_page("ehsg", width)


@pytest.mark.parametrize("extra", [{"COLUMNS": "40"}, {"COLUMNS": "80"}, {"COLUMNS": "120"}, {},
                                   {"NO_COLOR": "1"}, {"COLUMNS": "61", "NO_COLOR": "1"}])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_ehsg_help_prints_what_click_prints(extra, flag):
    fast = _run(["-m", "ehsg", flag], **extra)
    slow = _run(["-c", CLICK_PAGE, flag], **extra)
    assert (fast.returncode, fast.stderr) == (slow.returncode, slow.stderr) == (0, "")
    assert fast.stdout == slow.stdout and fast.stdout.startswith("Usage: python -m ehsg [OPTIONS] COMMAND")


@pytest.mark.parametrize("extra", [{"COLUMNS": "72"}, {}])
def test_a_bare_ehsg_prints_the_page_on_stderr_and_exits_2_as_click_does(extra):
    fast = _run(["-m", "ehsg"], **extra)
    slow = _run(["-c", CLICK_PAGE], **extra)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert fast.returncode == 2 and "Commands:" in fast.stderr


def test_the_console_script_names_itself_ehsg(tmp_path):
    script = tmp_path / "ehsg"
    script.write_text("import sys\nfrom ehsg.__main__ import run\nsys.exit(run())\n")
    res = _run([str(script), "--help"], COLUMNS="80")
    assert res.returncode == 0 and res.stdout.startswith("Usage: ehsg [OPTIONS] COMMAND [ARGS]...\n")
    assert res.stdout == _click_page("ehsg", 78) + "\n"


def test_the_click_group_is_built_from_the_same_texts():
    assert main.help == GROUP_HELP
    assert set(main.commands) == set(SUMMARIES)
    for name, command in main.commands.items():
        assert command.help.split("\n\n")[0] == SUMMARIES[name]
        assert command.get_short_help_str(40) == short_help(SUMMARIES[name], 40)


def test_other_command_lines_still_go_to_click():
    res = _run(["-m", "ehsg", "check", "--help"], COLUMNS="80")
    assert res.returncode == 0 and res.stdout.startswith("Usage: python -m ehsg check [OPTIONS] FILE")
    res = _run(["-m", "ehsg", "--help", "--version"])
    assert res.returncode == 0
