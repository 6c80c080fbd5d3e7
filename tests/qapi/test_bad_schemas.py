"""The negative suite: schemas qapi-gen must reject, with an exact message.

Each case is ``bad/NAME.json``; ``bad/NAME.err`` holds the exact stderr
of ``qapi-gen --check-only NAME.json`` run in ``bad/``.  Helper files for
the include cases live under ``bad/include/``.  Every case is also run
through QEMU's own qapi-gen, which must reject it too (see the lists below
for where it does not, or crashes instead).

Regenerate the .err files after reading every changed message with::

    QAPI_UPDATE_ERR=1 python3 -m pytest tests/qapi/test_bad_schemas.py
"""

from __future__ import annotations

import os

import pytest

from .conftest import schema_names
from .testlib import BAD_DIR, run_check_only, run_check_only_cli

CASES = schema_names(BAD_DIR)
UPDATE = os.environ.get("QAPI_UPDATE_ERR") == "1"

# Cases the project rejects on purpose although QEMU 7.2 accepts them.
QEMU_ACCEPTS = {
    # The project refuses nesting deeper than 256 levels (lexer.MAX_NESTING);
    # QEMU only stops when Python's recursion limit is hit.
    "syn-nesting-limit.json",
}

# Cases where QEMU's qapi-gen dies with a Python traceback instead of an
# error message: case -> the exception it raises.  The project must give a
# clean error for each (the .err file).
QEMU_CRASHES = {
    "syn-nesting-runaway.json": "RecursionError",   # recursive descent, 1000 levels
    "top-invalid-utf8.json": "UnicodeDecodeError",  # only OSError is caught
    "include-invalid-utf8.json": "UnicodeDecodeError",
    "name-enum-value-empty.json": "IndexError",     # member_name[0] on ''
    "struct-data-string.json": "AttributeError",    # 'data': 'int' reaches .items()
    "doc-member-tab-before-colon.json": "AssertionError",  # must_match(r'@\S*:\s*')
}

# Front-end bugs found by this suite; the .err file holds the output the
# project should give.  strict: a fix makes the test pass, and then the
# entry must go.
FRONT_END_BUGS: dict[str, str] = {}


def _case_params():
    for name in CASES:
        marks = []
        if name in FRONT_END_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=FRONT_END_BUGS[name]))
        yield pytest.param(name, marks=marks, id=name.removesuffix(".json"))


@pytest.mark.parametrize("name", _case_params())
def test_rejected_with_exact_message(name: str) -> None:
    code, stderr = run_check_only(BAD_DIR, name)
    err_file = BAD_DIR / name.replace(".json", ".err")
    if UPDATE and name not in FRONT_END_BUGS and code == 1 and "Traceback" not in stderr:
        err_file.write_text(stderr)
    assert "Traceback" not in stderr, stderr
    assert code == 1
    assert stderr == err_file.read_text()


@pytest.mark.parametrize("name", [pytest.param(n, id=n.removesuffix(".json")) for n in CASES])
def test_qemu_rejects_too(name: str, qemu_bad_verdicts: dict) -> None:
    verdict = qemu_bad_verdicts[name]
    if name in QEMU_ACCEPTS:
        assert verdict["status"] == "pass", "QEMU rejects it now: drop it from QEMU_ACCEPTS"
    elif name in QEMU_CRASHES:
        assert verdict["status"] == "crash", verdict["message"]
        assert "Traceback" in verdict["message"]
        assert QEMU_CRASHES[name] in verdict["message"]
    else:
        assert verdict["status"] == "fail", verdict["message"] or "QEMU accepts it"


def test_every_case_has_its_err_file() -> None:
    errs = sorted(path.name for path in BAD_DIR.glob("*.err"))
    assert errs == sorted(name.replace(".json", ".err") for name in CASES)


def test_exception_lists_name_existing_cases() -> None:
    for listed in (QEMU_ACCEPTS, QEMU_CRASHES, FRONT_END_BUGS):
        assert set(listed) <= set(CASES)


# A few cases once more through a real process: the exit status and stderr
# of the command itself, not just of its main().
CLI_SAMPLE = [
    "lex-funny-char-latin1.json",
    "syn-expected-colon.json",
    "doc-missing-end-eof.json",
    "include-error-nested.json",
    "union-discriminator-optional.json",
    "top-invalid-utf8.json",
]


@pytest.mark.parametrize("name", CLI_SAMPLE)
def test_command_line(name: str) -> None:
    done = run_check_only_cli(BAD_DIR, name)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (BAD_DIR / name.replace(".json", ".err")).read_text()
