"""The README runs as written.

The shell blocks of the walkthrough sections are run in document order, in one
temporary folder holding copies of the sample study (``transcripts_sample/`` and
``codebooks/``), with the venv's ``qualcode`` on PATH; any command that exits
non-zero fails the test with its block, its README line and its output. The
Python example under "From Python" is run the same way in a folder of its own.

What is not run, by rule:

* a ```bash block whose fence is preceded (blank lines allowed) by the marker
  ``<!-- reference: not run -->``: reference syntax (``[--opt]``, ``A|B``,
  ``...``) that is not meant to be typed as it stands;
* a command that opens the terminal interface (``qualcode code``, ``qualcode
  resolve``, ``qualcode demo``): it waits for keys, so it is skipped; the
  walkthrough shows how to code without it where later steps need codings.

Every other line of a walkthrough block must run, so reference syntax left in
an unmarked block fails the test by itself.

A line that fails because of a bug in qualcode (not in the README) is named by
a marker before its block, ``<!-- expected failure: COMMAND START => ERROR TEXT
-->``: that command must exit non-zero with ERROR TEXT in its output, and the
test fails once it succeeds, so the marker goes when the bug is fixed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

README = REPO / "README.md"

# The "##" sections whose shell blocks make the walkthrough, by the start of their
# heading, in the order the README gives them; each takes its "###" subsections.
WALKTHROUGH = (
    "A study from start to finish",
    "Two coders",
    "Analysis tables and exports",
    "REFI-QDA exchange",
    "Text tools",
)
REFERENCE_MARKER = "<!-- reference: not run -->"
EXPECTED_FAILURE = re.compile(r"^<!-- expected failure: (?P<command>.+?) => (?P<error>.+?) -->$")
TUI_COMMANDS = frozenset({"code", "resolve", "demo"})
SAMPLES = ("transcripts_sample", "codebooks")
# Generous per command: the slowest (the Word report, word frequencies with spaCy)
# take 2-4 s on a laptop; a hang should fail, not stall the suite.
COMMAND_TIMEOUT = 120


@dataclass(frozen=True)
class Block:
    """A fenced code block of the README: where it is and what it holds."""

    section: str
    line: int  # README line of the first line inside the fence
    lang: str
    lines: tuple[str, ...]
    markers: tuple[str, ...]  # the HTML comments just before the fence

    @property
    def reference(self) -> bool:
        return REFERENCE_MARKER in self.markers

    def expected_failures(self) -> dict[str, str]:
        """Command start -> error text, from the block's expected-failure markers."""
        found = (EXPECTED_FAILURE.match(m) for m in self.markers)
        return {f["command"]: f["error"] for f in found if f}


@dataclass(frozen=True)
class Command:
    """One shell command of a block, with continuation lines and here-documents joined."""

    block: Block
    line: int  # README line where the command starts
    text: str

    def expected_error(self) -> str | None:
        """The error text this command is marked to fail with, because of a known qualcode bug."""
        for start, error in self.block.expected_failures().items():
            if self.text.startswith(start):
                return error
        return None

    def opens_tui(self) -> bool:
        try:
            words = shlex.split(self.text, comments=True)
        except ValueError:
            return False
        return len(words) >= 2 and words[0] == "qualcode" and words[1] in TUI_COMMANDS


def readme_blocks(text: str) -> list[Block]:
    """Every fenced block of the README, with its "##" section and the markers just before it."""
    blocks: list[Block] = []
    section = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        fence = re.match(r"^```(\w*)\s*$", line)
        if not fence:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        markers: list[str] = []
        k = i - 1
        while k >= 0 and (not lines[k].strip() or lines[k].strip().startswith("<!--")):
            if lines[k].strip():
                markers.insert(0, lines[k].strip())
            k -= 1
        blocks.append(Block(section, i + 2, fence.group(1), tuple(lines[i + 1 : j]), tuple(markers)))
        i = j + 1
    return blocks


def in_walkthrough(block: Block) -> bool:
    return block.section.startswith(WALKTHROUGH)


def block_commands(block: Block) -> list[Command]:
    """The block's commands in order: a trailing backslash continues a line, and a here-document runs to its word."""
    commands: list[Command] = []
    i = 0
    while i < len(block.lines):
        start = i
        parts = [block.lines[i]]
        while parts[-1].endswith("\\") and i + 1 < len(block.lines):
            i += 1
            parts.append(block.lines[i])
        heredoc = re.search(r"<<-?\s*(['\"]?)(\w+)\1", parts[-1])
        if heredoc:
            while i + 1 < len(block.lines):
                i += 1
                parts.append(block.lines[i])
                if block.lines[i].strip() == heredoc.group(2):
                    break
        i += 1
        text = "\n".join(parts)
        if text.strip() and not text.lstrip().startswith("#"):
            commands.append(Command(block, block.line + start, text))
    return commands


def walkthrough_commands() -> list[Command]:
    blocks = [b for b in readme_blocks(README.read_text(encoding="utf-8")) if in_walkthrough(b)]
    return [c for b in blocks if b.lang == "bash" and not b.reference for c in block_commands(b)]


def sample_folder(folder: Path) -> Path:
    """A folder holding copies of the sample study, so the README's relative paths work and nothing writes into the repository."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SAMPLES:
        # The samples may be symlinks into qualcode/data/: copy what they point at.
        shutil.copytree((REPO / name).resolve(), folder / name)
    return folder


def venv_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def failure(command: Command, result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"README.md line {command.line} (block at line {command.block.line}, "
        f"section '{command.block.section}') exited {result.returncode}:\n"
        f"$ {command.text}\n--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}"
    )


def test_markers_are_read_from_the_lines_just_before_a_fence():
    """Markers bind to the next block only, and a block's commands keep continuations and here-documents whole."""
    text = """\
## Text tools

<!-- reference: not run -->
```bash
qualcode search study.qc QUERY [--lemma]
```

<!-- expected failure: qualcode suggest study.qc => no code in the codebook lists keywords -->

```bash
cat > a.csv <<'CSV'
transcript,segment,code
CSV
qualcode export docx study.qc -o r.docx \\
    --coder alice   # a comment
qualcode suggest study.qc --coder alice
```

```bash
qualcode pseudonyms list study.qc
```
"""
    first, second, third = readme_blocks(text)
    assert first.reference and not second.reference and not third.reference
    assert second.expected_failures() == {"qualcode suggest study.qc": "no code in the codebook lists keywords"}
    assert third.expected_failures() == {}
    commands = block_commands(second)
    assert [c.line for c in commands] == [11, 14, 16]
    assert commands[0].text.endswith("\nCSV") and commands[1].text.endswith("# a comment")
    assert [c.expected_error() for c in commands] == [None, None, "no code in the codebook lists keywords"]


def test_every_walkthrough_section_has_commands_to_run():
    """A renamed heading or a block lost its fence language would silently shrink the walkthrough: each section must contribute."""
    commands = walkthrough_commands()
    for heading in WALKTHROUGH:
        assert any(c.block.section.startswith(heading) and not c.opens_tui() for c in commands), heading


def test_only_terminal_interface_commands_are_skipped():
    """The rule matches the command's words, so `qualcode codings` or a comment naming `code` still runs."""

    def command(text: str) -> Command:
        return Command(Block("", 0, "bash", (text,), ()), 0, text)

    assert command("qualcode code alice.qc --coder alice  # the workbench").opens_tui()
    assert command("qualcode resolve study.qc --coders alice bob --lead carol").opens_tui()
    assert not command("qualcode codings export study.qc a.csv --coder alice").opens_tui()
    assert not command("qualcode search study.qc x  # then qualcode code").opens_tui()
    skipped = [c for c in walkthrough_commands() if c.opens_tui()]
    assert {shlex.split(c.text, comments=True)[1] for c in skipped} <= TUI_COMMANDS


def test_every_expected_failure_marker_names_one_command():
    """A marker whose command was edited away would excuse nothing and hide that it is stale."""
    commands = walkthrough_commands()
    blocks = {c.block for c in commands}
    for block in blocks:
        for start in block.expected_failures():
            named = [c for c in commands if c.block == block and c.text.startswith(start)]
            assert len(named) == 1, (
                f"expected-failure marker before README line {block.line} names {len(named)} commands: {start}"
            )


def test_readme_walkthrough_runs_in_order(tmp_path):
    """Each runnable line of the walkthrough succeeds against the sample study, in the order a reader would type it."""
    folder = sample_folder(tmp_path / "walkthrough")
    env = venv_env()
    ran = 0
    for command in walkthrough_commands():
        if command.opens_tui():
            continue
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", command.text],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        expected_error = command.expected_error()
        if expected_error is None and result.returncode != 0:
            pytest.fail(failure(command, result), pytrace=False)
        if expected_error is not None and result.returncode == 0:
            pytest.fail(
                f"README.md line {command.line} is marked as failing from a qualcode bug but now succeeds; "
                f"remove its marker:\n$ {command.text}",
                pytrace=False,
            )
        if expected_error is not None and expected_error not in result.stdout + result.stderr:
            pytest.fail(f"expected '{expected_error}'; " + failure(command, result), pytrace=False)
        ran += 1
    assert ran > 20, f"only {ran} walkthrough commands ran; did the README's sections move?"


def test_readme_python_example_runs(tmp_path):
    """The ```python block under "From Python" runs as a script in a folder with the sample study."""
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    examples = [b for b in blocks if b.section.startswith(WALKTHROUGH[0]) and b.lang == "python"]
    assert len(examples) == 1, "expected one Python example under 'From Python'"
    folder = sample_folder(tmp_path / "python")
    script = folder / "example.py"
    script.write_text("\n".join(examples[0].lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, script.name],
        cwd=folder,
        env=venv_env(),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert result.returncode == 0, (
        f"README.md Python example (line {examples[0].line}) exited {result.returncode}:\n"
        f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}"
    )
    assert (folder / "report.docx").is_file()
