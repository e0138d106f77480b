"""Starting a server to audit: a shell command, a loopback port, a bounded wait, a clean stop.

:class:`StartedServer` runs ``cmd`` (``{port}`` replaced by a free loopback port when the
command names it) in its own process group, waits until the port accepts connections, and
stops the whole group (SIGTERM, then SIGKILL) when closed. Its stdin is a pipe, so a server
that watches stdin stops when this process goes away.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from cors_spec.errors import InputError

__all__ = ["StartedServer", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class StartedServer:
    """A server process started from a shell command, listening on a loopback port."""

    def __init__(self, cmd: str, *, url: str | None = None, port: int | None = None, wait: float = 30.0,
                 cwd: str | None = None, env: Mapping[str, str] | None = None) -> None:
        if url is not None:
            parts = urlsplit(url)
            self.host = parts.hostname or "127.0.0.1"
            self.port = port or parts.port or (443 if parts.scheme == "https" else 80)
        else:
            self.host = "127.0.0.1"
            self.port = port or free_port()
        self.cmd = cmd.replace("{port}", str(self.port))
        self._log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server never blocks
        self.proc = subprocess.Popen(self.cmd, shell=True, cwd=cwd, env=dict(env) if env is not None else None,
                                     stdin=subprocess.PIPE, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + wait
        while True:
            if self.proc.poll() is not None:
                out = self.output()
                raise InputError("--start", f"the server exited with status {self.proc.returncode} before "
                                 f"listening on port {self.port}" + (f": {out.strip().splitlines()[-1]}" if out.strip()
                                                                      else ""), self.cmd)
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise InputError("--start", f"the server did not listen on {self.host}:{self.port} within "
                                     f"{wait:g} s", self.cmd) from None
                time.sleep(0.05)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def output(self) -> str:
        """What the server has printed so far (the last 4000 characters)."""
        if self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-4000:]

    def stop(self) -> None:
        """Stop the server's whole process group (SIGTERM, then SIGKILL)."""
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        for sig, wait in ((None, 0.5), (signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
            if sig is not None and self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # the group may outlive its leader (a shell's children)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()

    def __enter__(self) -> StartedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
