"""Every command under ``experiments/`` (stages) and ``tools/`` answers ``--help`` whether it is run as a module
(``python -m experiments.x``, as DVC runs it) or as a script (``python experiments/x.py``, as a newcomer might). Run as a
script, the file's own folder comes first on ``sys.path``, so a module there named like a standard-library
one (``profile.py`` once did) is imported in its place by whatever library asks for the real one."""

import subprocess
import sys

from imports import ROOT

COMMANDS = sorted(
    p
    for folder in ("experiments", "tools")
    for p in (ROOT / folder).glob("*.py")
    if p.stem not in ("__init__", "common")
)

# one interpreter per way of running, each file's --help in turn; prints the files that did not exit 0
PROBE = """
import runpy, sys
failed = []
for target in sys.argv[2:]:
    sys.argv = [target, "--help"]
    try:
        if sys.argv_mode == "module":
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(target, run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (0, None):
            failed.append(target)
    except Exception as error:
        failed.append(f"{target}: {type(error).__name__}: {error}")
print("FAILED", failed)
"""


def _probe(mode: str, targets: list[str], first_on_path: str) -> str:
    code = f"import sys; sys.argv_mode = {mode!r}; sys.path[0] = {first_on_path!r}\n" + PROBE
    done = subprocess.run(
        [sys.executable, "-c", code, mode, *targets], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    return done.stdout.splitlines()[-1] if done.stdout else done.stderr[-2000:]


def test_no_command_shadows_the_standard_library():
    shadowing = sorted(p.name for p in COMMANDS if p.stem in sys.stdlib_module_names)
    assert not shadowing, f"rename {shadowing}: run as a script, they replace the standard-library module"


def test_every_command_answers_help_as_a_module_and_as_a_script():
    modules = [f"{p.parent.name}.{p.stem}" for p in COMMANDS]
    assert _probe("module", modules, str(ROOT)) == "FAILED []"
    for folder in ("experiments", "tools"):
        scripts = [str(p.relative_to(ROOT)) for p in COMMANDS if p.parent.name == folder]
        assert _probe("script", scripts, str(ROOT / folder)) == "FAILED []"
