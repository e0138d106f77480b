"""Loopback proof: under strace, every connect/sendto/sendmsg of the harness and
the browsers goes to 127.0.0.1, ::1, AF_UNIX or the kernel (netlink)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import binary_for

pytestmark = pytest.mark.browser

_CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()(.*)$")
_FAMILY = re.compile(r"sa_family=(AF_[A-Z0-9]+)")
_INET = re.compile(r'inet_addr\("([^"]+)"\)')
_INET6 = re.compile(r'inet_pton\(AF_INET6, "([^"]+)"')
_RESULT = re.compile(r"\)\s+=\s+(-?\d+)")
LOOPBACK6 = {"::1", "::ffff:127.0.0.1"}
SEND_CALLS = {"sendto", "sendmsg", "sendmmsg", "write", "writev", "pwrite64"}
TRACE = "trace=connect,sendto,sendmsg,sendmmsg,write,writev"


def _is_loopback(args: str) -> bool | None:
    """True/False for an inet address, None when the call names no inet address."""
    fam = _FAMILY.search(args)
    if fam is None or fam.group(1) in ("AF_UNIX", "AF_NETLINK", "AF_UNSPEC"):
        return None
    if fam.group(1) == "AF_INET":
        a = _INET.search(args)
        return bool(a and a.group(1).startswith("127."))
    if fam.group(1) == "AF_INET6":
        a6 = _INET6.search(args)
        return bool(a6 and a6.group(1) in LOOPBACK6)
    return False


_FD = re.compile(r"\s*(\d+)(?:<([A-Za-z0-9]+):\[(.*?)\]>)?")


def _remote_is_loopback(annotation: str) -> bool | None:
    """For an ``strace -yy`` socket annotation such as ``[::1]:4->[::1]:443``, whether
    the connected peer is on loopback; None when the socket is not connected."""
    if "->" not in annotation:
        return None
    peer = annotation.rsplit("->", 1)[1]
    host = peer[1:].split("]", 1)[0] if peer.startswith("[") else peer.rsplit(":", 1)[0]
    return host.startswith("127.") or host in LOOPBACK6


def offending_calls(trace: str) -> list[str]:
    """Calls in an ``strace -f -yy`` log that could put a packet off loopback.

    Any connect/sendto/sendmsg naming a non-loopback inet address is an offence,
    with one exception that provably sends nothing: connect(2) on a UDP socket
    (Chromium's IPv6 reachability probe connects a UDP socket to a public address
    only to ask the kernel for a route, then closes it).  ``-yy`` makes strace name
    each socket's protocol and peer beside its descriptor, so the check needs no
    bookkeeping of descriptors (which differ between processes): a send or write on
    a socket whose peer is off loopback is an offence.
    """
    bad: list[str] = []
    unfinished: dict[str, str] = {}
    for raw in trace.splitlines():
        line = raw.strip()
        m = _CALL.match(line)
        if not m:
            continue
        tid = m.group(1)
        if line.endswith("<unfinished ...>"):
            unfinished[tid] = line[: -len("<unfinished ...>")]
            continue
        if m.group(2):  # resumed: glue to the unfinished half
            line = unfinished.pop(tid, f"{tid} {m.group(2)}(") + m.group(4)
            m = _CALL.match(line)
            if not m:
                continue
        call, rest = m.group(3), m.group(4)
        if call is None:
            continue
        fdm = _FD.match(rest)
        proto = fdm.group(2) if fdm and fdm.group(2) else ""
        inet = proto.startswith(("TCP", "UDP"))
        peer_ok = _remote_is_loopback(fdm.group(3)) if inet and fdm and fdm.group(3) else None
        if call == "connect":
            if _is_loopback(rest) is False and not proto.startswith("UDP"):
                bad.append(line)
        elif call in SEND_CALLS:
            if _is_loopback(rest) is False or peer_ok is False:
                bad.append(line)
    return bad


def test_offending_calls_parser() -> None:
    probe6 = (
        '8 connect(20<UDPv6:[5501]>, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2001:4860:4860::8888", &sin6_addr), sin6_scope_id=0}, 28) = 0'
    )
    ok = (
        '123 connect(5<TCP:[77]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n'
        '123 connect(5<TCPv6:[78]>, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0\n'
        '1 connect(3<UNIX:[79]>, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0\n'
        '1 sendto(3<UNIX:[79->80]>, "x", 1, 0, NULL, 0) = 1\n'
        '9 write(4<TCP:[127.0.0.1:5000->127.0.0.1:36930]>, "a", 1) = 1\n'
        '9 write(6<TCPv6:[[::1]:5000->[::1]:36930]>, "a", 1) = 1\n'
        '8 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP <unfinished ...>\n'
        "8 <... socket resumed>) = 20<UDPv6:[5501]>\n"
        f"{probe6}\n"
        "8 close(20<UDPv6:[[2001:db8::5]:4000->[2001:4860:4860::8888]:443]>) = 0\n"
        '8 write(20</tmp/log>, "x", 1) = 1\n'
    )
    assert offending_calls(ok) == []
    bad = '9 connect(7<UDP:[90]>, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 0'
    assert offending_calls(bad) == []  # a UDP connect alone sends nothing
    tcp = '9 connect(7<TCP:[91]>, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 0'
    assert offending_calls(tcp) == [tcp]
    sent = '8 sendmsg(20<UDPv6:[[2001:db8::5]:4000->[2001:4860:4860::8888]:443]>, {msg_name=NULL}, 0) = 5'
    assert offending_calls(sent) == [sent]
    to = '8 sendto(21<UDP:[92]>, "q", 1, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, 16) = 1'
    assert offending_calls(to) == [to]
    unannotated = '9 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 0'
    assert offending_calls(unannotated) == [unannotated]


@pytest.mark.parametrize("engine", ["chromium", "firefox", "webkit"])
def test_batch_stays_on_loopback(engine: str, tmp_path: Path, examples_dir: Path, repo_root: Path) -> None:
    if binary_for(engine) is None:
        pytest.skip(f"{engine} is not installed")
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    scen = examples_dir / "scenarios"
    if not scen.is_dir():
        pytest.skip("shared examples not found")
    log = tmp_path / "strace.log"
    env = dict(os.environ, PYTHONPATH=str(repo_root))
    proc = subprocess.run(
        ["strace", "-f", "-qq", "-yy", "-s", "0", "-e", TRACE, "-o", str(log),
         sys.executable, "-m", "harness", "run", "--engine", engine, str(scen)],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    trace = log.read_text(errors="replace")
    assert "connect(" in trace, "strace saw no connect at all"
    assert offending_calls(trace) == []
