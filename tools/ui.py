"""Start the Dagster UI and daemon for the code location; stop both at once on Ctrl-C.

``python -m tools.ui [--port 3000] [--host 127.0.0.1]`` (``make ui PORT=...``) refuses a
county file it cannot use and a port that is already taken before starting anything,
starts ``dagster-webserver`` and ``dagster-daemon`` (what ``dagster dev`` starts, without
its slow shutdown) on an instance whose storage it has created first (two processes
creating it at once can corrupt it), says where the UI is once it answers, and on Ctrl-C or
SIGTERM stops both process groups within a few seconds (SIGTERM, then SIGKILL). If either
process ends, the other is stopped.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pipeline.layout import REPO_ROOT

#: The code location both processes load.
MODULE = "assets.definitions"
#: Seconds a process gets to end after SIGTERM before it is killed.
GRACE = 3.0


def port_taken(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Run the UI and the daemon until interrupted; 2 when the port is taken."""
    parser = argparse.ArgumentParser(prog="python -m tools.ui", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 3000)))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    from pipeline.errors import ConfigError
    from pipeline.operations import load_counties

    try:
        load_counties()
    except ConfigError as err:  # the code location could not load: say why, plainly
        print(f"the county file cannot be used: {err}", file=sys.stderr)
        return 2
    if port_taken(args.host, args.port):
        print(f"port {args.port} on {args.host} is already in use: stop what runs there or "
              f"choose another one, e.g. make ui PORT={args.port + 1}", file=sys.stderr)
        return 2
    _prepare_instance()
    bin_dir = Path(sys.executable).parent
    commands = [
        [str(bin_dir / "dagster-webserver"), "-m", MODULE, "-h", args.host, "-p",
         str(args.port)],
        [str(bin_dir / "dagster-daemon"), "run", "-m", MODULE],
    ]
    procs = [subprocess.Popen(c, cwd=REPO_ROOT, start_new_session=True) for c in commands]
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    url, announced = f"http://{args.host}:{args.port}", False
    try:
        while not stopping and all(p.poll() is None for p in procs):
            if not announced and _answers(url):
                print(f"Dagster UI: {url} (daemon running; Ctrl-C stops both)", flush=True)
                announced = True
            time.sleep(0.5)
    finally:
        _stop(procs)
    failed = [c[0] for c, p in zip(commands, procs, strict=True) if p.returncode not in
              (0, -signal.SIGTERM, -signal.SIGKILL)]
    if failed and not stopping:
        print(f"{', '.join(Path(f).name for f in failed)} ended; see the messages above",
              file=sys.stderr)
        return 1
    return 0


def _prepare_instance() -> None:
    """Create the instance's storage once, before two processes race to create it."""
    from dagster import DagsterInstance

    with DagsterInstance.get():
        pass


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM to every process group, SIGKILL to those still alive after :data:`GRACE`."""
    for proc in procs:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    for proc in procs:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            pass
    for proc in procs:
        _signal_group(proc, signal.SIGKILL)  # the group: servers' own children go too
        proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    raise SystemExit(main())
