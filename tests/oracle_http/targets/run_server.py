"""Run nginx, Apache or plackup as a bounded foreground process on loopback.

    python3 run_server.py nginx  TEMPLATE PORT   # nginx -c <TEMPLATE rendered in a temp dir>
    python3 run_server.py apache TEMPLATE PORT   # apache2 -X -f <TEMPLATE rendered>
    python3 run_server.py plackup APP.psgi PORT  # plackup on 127.0.0.1

TEMPLATE is a config file with ``{{PORT}}`` and ``{{TMP}}`` placeholders; it is rendered into
a fresh temporary directory that also holds the pid file, logs and temp paths, and is removed
at the end. No system service is used. When started as root, the server runs as ``nobody``.
The server stops (SIGTERM, then SIGKILL) after CORS_SPEC_TARGET_LIMIT seconds (default 300),
when this launcher's parent dies, when its standard input is a pipe that closes, or on
SIGTERM/SIGINT; the server itself gets SIGTERM if this launcher is killed (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import os
import pwd
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _command(kind: str, source: Path, port: int, tmp: Path) -> list[str]:
    if kind == "plackup":
        # A copy in the run's own folder: the server runs as nobody, who may not read the checkout.
        app = tmp / source.name
        shutil.copyfile(source, app)
        return ["plackup", "-s", "HTTP::Server::PSGI", "--host", "127.0.0.1", "--port", str(port),
                "--no-default-middleware", str(app)]
    conf = tmp / source.name
    text = source.read_text(encoding="utf-8").replace("{{PORT}}", str(port)).replace("{{TMP}}", str(tmp))
    conf.write_text(text, encoding="utf-8")
    if kind == "nginx":
        return ["nginx", "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)]
    if kind == "apache":
        (tmp / "htdocs" / "api").mkdir(parents=True)
        (tmp / "htdocs" / "api" / "items").write_text('{"items": []}\n', encoding="utf-8")
        return ["apache2", "-X", "-d", str(tmp), "-f", str(conf)]
    raise SystemExit(f"unknown server kind {kind!r}: nginx, apache or plackup")


def _preexec(uid: int | None, gid: int | None) -> None:
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if gid is not None and uid is not None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[2].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    kind, source, port = argv[0], Path(argv[1]).resolve(), int(argv[2])
    limit = float(os.environ.get("CORS_SPEC_TARGET_LIMIT", "300"))
    uid = gid = None
    tmp = Path(tempfile.mkdtemp(prefix=f"cors-spec-{kind}-"))
    try:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            uid, gid = nobody.pw_uid, nobody.pw_gid
        cmd = _command(kind, source, port, tmp)
        if uid is not None and gid is not None:
            for p in [tmp, *tmp.rglob("*")]:
                os.chown(p, uid, gid)
        if shutil.which(cmd[0]) is None:
            print(f"{cmd[0]} is not installed: run tools/oracle_http_targets.sh apt", file=sys.stderr)
            return 3
        child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, cwd=tmp,
                                 preexec_fn=lambda: _preexec(uid, gid))
        print(f"listening on http://127.0.0.1:{port} ({kind}, pid {child.pid})", flush=True)
        stop = False

        def on_signal(signum: int, frame: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        parent = os.getppid()
        watch_stdin = stat.S_ISFIFO(os.fstat(0).st_mode) if not sys.stdin.closed else False
        deadline = time.monotonic() + limit
        while not stop and child.poll() is None:
            if time.monotonic() > deadline or os.getppid() != parent:
                break
            if watch_stdin:
                ready, _, _ = select.select([0], [], [], 0.25)
                if ready and not os.read(0, 4096):
                    break
            else:
                time.sleep(0.25)
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        code = child.returncode
        if code not in (0, -signal.SIGTERM, None) and not stop:
            log = tmp / "error.log"
            if log.exists():
                sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-2000:])
        return 0 if code in (0, -signal.SIGTERM) else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
