"""Execute untrusted code (a code model's HumanEval samples) in OS-level isolation.

Python-level patches (a disabled ``socket.socket``, a shared result list) do not contain a hostile program, so
each candidate runs under bubblewrap in new user, PID, network, mount, IPC, UTS and cgroup namespaces: no
network interface, a read-only view of the system's ``/usr`` and of the interpreter, a private ``/tmp``, a
fresh ``/proc`` that shows only the sandbox's own processes, an empty environment, no capabilities, a new
session (no terminal to inject into), and limits on address space, CPU time, file size and processes. When
the caller is root the sandbox runs as ``nobody`` so the process limit counts only sandbox processes. The wall
clock is enforced from outside: the whole tree is killed (``--die-with-parent`` and the PID namespace take
every forked descendant with it). Pass or fail is the exit status of a harness process the candidate cannot
read or write (``core.eval.sandbox_harness``): the tests run there against a proxy of the candidate function.

Where bubblewrap or unprivileged user namespaces are missing, ``isolation_problem()`` says why and model
samples are refused; only trusted code (edits of HumanEval's canonical solutions) may then run with
``isolated=False``: the same harness and limits in a plain child process.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError

HARNESS = Path(__file__).with_name("sandbox_harness.py")
NOBODY = 65534
_STARTUP_S = 5.0  # interpreter and namespace start-up, on top of the candidate's time limit


class SandboxUnavailable(UserError, RuntimeError):
    """OS isolation cannot be set up here; untrusted code must not run."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 3.0  # wall-clock seconds for the tests (CPU seconds: this + 2)
    memory_mb: int = 1024  # address space of each sandbox process
    processes: int = 32  # processes and threads of the sandbox user
    file_mb: int = 16  # largest file the candidate may write (in its private /tmp)


def _interpreters() -> list[str]:
    """Interpreters to try inside the sandbox: the project's own base interpreter, then the system's python3."""
    own = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    system = shutil.which("python3", path="/usr/bin:/bin")
    return list(dict.fromkeys(p for p in (own, system and os.path.realpath(system)) if p))


def _system_binds() -> list[str]:
    """Read-only ``/usr`` plus the top-level links or folders that point into it on this distribution."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/lib", "/lib32", "/lib64", "/sbin"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _bwrap_command(interpreter: str) -> list[str]:
    prefix = str(Path(interpreter).parent.parent)
    binds = [] if prefix == "/usr" or prefix.startswith("/usr/") else ["--ro-bind", prefix, prefix]
    return [
        shutil.which("bwrap") or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        str(NOBODY),
        "--gid",
        str(NOBODY),
        "--hostname",
        "sandbox",
        *_system_binds(),
        *binds,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--chdir",
        "/tmp",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--",
        interpreter,
    ]


def _as_nobody() -> dict:
    """Popen arguments that drop root to ``nobody`` (RLIMIT_NPROC is not enforced for root's processes)."""
    return {"user": NOBODY, "group": NOBODY, "extra_groups": []} if os.geteuid() == 0 else {}


@functools.cache
def _harness_source() -> str:
    return HARNESS.read_text()


@functools.cache
def _working_interpreter() -> tuple[str | None, str]:
    """(interpreter, "") when a probe sandbox starts and runs Python; (None, why) otherwise."""
    if not sys.platform.startswith("linux"):
        return None, f"OS isolation needs Linux namespaces; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return None, "bubblewrap (bwrap) is not installed: `sudo apt-get install bubblewrap` (README: Safety)"
    why = ""
    for interpreter in _interpreters():
        try:
            probe = subprocess.run(
                [*_bwrap_command(interpreter), "-I", "-S", "-c", "print('ok')"],
                capture_output=True,
                text=True,
                timeout=30,
                **_as_nobody(),
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            why = str(error)
            continue
        if probe.returncode == 0 and probe.stdout.strip() == "ok":
            return interpreter, ""
        why = (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]
    return None, f"bubblewrap cannot start a sandbox here ({why}); are unprivileged user namespaces enabled?"


def isolation_problem() -> str | None:
    """Why untrusted code cannot be isolated on this machine, or None when it can."""
    return _working_interpreter()[1] or None


def isolation_for(untrusted: bool, allow_unisolated: bool) -> bool:
    """Whether to isolate: always when possible; trusted code may run without it; untrusted code only when the
    user opted in (``code.allow_unisolated``), otherwise ``SandboxUnavailable`` says why and what to do."""
    problem = isolation_problem()
    if problem is None:
        return True
    if untrusted and not allow_unisolated:
        raise SandboxUnavailable(
            f"refusing to run model samples without OS isolation: {problem}; install "
            "bubblewrap, or set code.allow_unisolated: true to run them anyway"
        )
    return False


def execute(problem: dict, completion: str, limits: Limits = Limits(), isolated: bool = True) -> dict:
    """``{"passed": bool, "result": str}``: HumanEval's tests for ``problem`` run against the completion.

    ``isolated=False`` runs the same harness without namespaces, for trusted code only."""
    if isolated:
        interpreter, why = _working_interpreter()
        if interpreter is None:
            raise SandboxUnavailable(why)
        command, extra = [*_bwrap_command(interpreter), "-I", "-S"], _as_nobody()
    else:
        command, extra = [os.path.realpath(sys.executable), "-I", "-S"], {}
    source = _harness_source()
    job = {
        "source": source,
        "program": problem["prompt"] + completion,
        "prompt": problem["prompt"],
        "test": problem["test"],
        "entry_point": problem["entry_point"],
        "timeout": limits.timeout,
        "memory_mb": limits.memory_mb,
        "processes": limits.processes,
        "file_mb": limits.file_mb,
    }
    proc = subprocess.Popen(
        [*command, "-c", source, "harness"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        **extra,
    )
    try:
        out, err = proc.communicate(json.dumps(job), timeout=limits.timeout + _STARTUP_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the session: bwrap, and with it the PID namespace
        proc.communicate()
        return {"passed": False, "result": "timed out"}
    lines = out.strip().splitlines()
    try:
        verdict = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        verdict = None
    if not isinstance(verdict, dict) or not isinstance(verdict.get("passed"), bool):
        tail = (err.strip().splitlines() or ["no verdict"])[-1]
        return {"passed": False, "result": f"sandbox exited with status {proc.returncode}: {tail}"[:500]}
    return {"passed": verdict["passed"] and proc.returncode == 0, "result": str(verdict.get("result", ""))}
