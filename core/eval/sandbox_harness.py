"""The two programs that run inside the HumanEval sandbox; standard library only, never imported by the project.

``core.eval.sandbox`` passes this file's text to a fresh interpreter (``python -I -S -c <text> harness``).
The *harness* reads one job from standard input (the problem's prompt and tests, the candidate program and the
limits), applies the limits, makes itself undumpable (no other process of the sandbox user may read its memory
or file descriptors) and starts the *server*: a second interpreter that executes the candidate program and
answers calls to its entry point over a pipe. The tests run in the harness against a proxy of the candidate
function, so the candidate never sees the expected values and cannot reach the harness's verdict: the harness
prints one JSON line and its exit status (0 passed, 1 failed) is what the caller trusts. Values cross the pipe
as tagged JSON (tuples, sets and dicts keep their types), decoded by construction, never by evaluation.
"""

import json
import os
import sys

_ENDED = "candidate process ended"
_MAX_LINE = 64 * 1024 * 1024


def encode(value):
    """A JSON-ready form of a plain Python value; anything else is refused (the candidate's answer is invalid)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"s": [encode(v) for v in value], "frozen": isinstance(value, frozenset)}
    if isinstance(value, dict):
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"unsupported value type {type(value).__name__}")


def decode(value):
    """The inverse of ``encode``; builds only None, bool, int, float, str, list, tuple, set and dict."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict) and set(value) == {"t"}:
        return tuple(decode(v) for v in value["t"])
    if isinstance(value, dict) and set(value) == {"s", "frozen"}:
        items = (decode(v) for v in value["s"])
        return frozenset(items) if value["frozen"] is True else set(items)
    if isinstance(value, dict) and set(value) == {"d"}:
        return {decode(k): decode(v) for k, v in value["d"]}
    raise ValueError("malformed value")


def _ended(server):
    """Why the candidate's process stopped answering (a signal name says which limit it hit)."""
    import signal

    status = server.wait()
    if status < 0:
        name = signal.Signals(-status).name
        return f"{_ENDED} ({name}{': CPU time limit' if name == 'SIGXCPU' else ''})"
    return f"{_ENDED} (exit status {status})"


def _limit(job):
    """Address space, CPU seconds, file size, process count and no core files, for this process and its children."""
    import resource

    memory = job["memory_mb"] * 1024 * 1024
    cpu = int(job["timeout"]) + 2
    files = job["file_mb"] * 1024 * 1024
    for which, value in (
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_FSIZE, files),
        (resource.RLIMIT_NPROC, job["processes"]),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU first, so the verdict can say why


def _undumpable():
    """PR_SET_DUMPABLE 0: processes of the same user can neither ptrace this one nor open its /proc entries."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def harness():
    import subprocess

    job = json.loads(sys.stdin.read())
    _limit(job)
    _undumpable()
    server = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", job["source"], "server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    server.stdin.write(json.dumps({"program": job["program"], "entry_point": job["entry_point"]}) + "\n")
    server.stdin.flush()

    def receive():
        line = server.stdout.readline(_MAX_LINE)
        if not line.endswith("\n"):
            raise RuntimeError(_ended(server))
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(str(reply["error"]))
        return decode(reply["value"])

    def candidate(*args, **kwargs):
        server.stdin.write(json.dumps({"args": encode(list(args)), "kwargs": encode(kwargs)}) + "\n")
        server.stdin.flush()
        return receive()

    try:
        receive()  # the program ran and defines its entry point
        namespace = {"__name__": "__harness__"}
        exec(job["prompt"], namespace)  # the problem's own helpers (trusted text); its stub is replaced below
        namespace[job["entry_point"]] = candidate
        exec(job["test"], namespace)
        namespace["check"](candidate)
    except BaseException as error:  # noqa: BLE001 - every way the tests can fail is a failed candidate
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        print(json.dumps({"passed": False, "result": f"failed: {text}"[:500]}), flush=True)
        os._exit(1)
    print(json.dumps({"passed": True, "result": "passed"}), flush=True)
    os._exit(0)


def server():
    protocol_in = os.fdopen(os.dup(0), "r")
    protocol_out = os.fdopen(os.dup(1), "w")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)  # the candidate's own reads and prints never touch the protocol
    os.dup2(null, 1)
    job = json.loads(protocol_in.readline())

    def reply(**message):
        protocol_out.write(json.dumps(message) + "\n")
        protocol_out.flush()

    namespace = {"__name__": "__candidate__"}
    try:
        exec(compile(job["program"], "<candidate>", "exec"), namespace)
        function = namespace[job["entry_point"]]
        if not callable(function):
            raise TypeError(f"{job['entry_point']} is not callable")
    except BaseException as error:  # noqa: BLE001 - reported to the harness, which fails the candidate
        reply(error=f"{type(error).__name__}: {error}")
        return
    reply(value=None)
    for line in protocol_in:
        call = json.loads(line)
        try:
            value = function(*decode(call["args"]), **decode(call["kwargs"]))
            reply(value=encode(value))
        except BaseException as error:  # noqa: BLE001
            reply(error=f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    {"harness": harness, "server": server}[sys.argv[1]]()
