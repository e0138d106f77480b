"""Engine drivers: launch a browser on a URL, stream its console lines, kill it.

Every driver starts the browser in its own session (process group) with a fresh
profile/home under a temp dir, a scrubbed environment (no proxy variables) and
only loopback names; ``stop()`` kills that process group by id.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import tempfile
from typing import Any

from .scenario import TEST_HOSTS
from .wsclient import WebSocket, WebSocketError

CHROMIUM_BIN = "/usr/lib/chromium/chromium"
FIREFOX_BIN = "firefox-esr"


def webkit_bin() -> str | None:
    hits = sorted(glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser"))
    return hits[0] if hits else None


def binary_for(engine: str) -> str | None:
    if engine == "chromium":
        return CHROMIUM_BIN if os.access(CHROMIUM_BIN, os.X_OK) else None
    if engine == "firefox":
        return shutil.which(FIREFOX_BIN)
    if engine == "webkit":
        wb = webkit_bin()
        return wb if wb and shutil.which("Xvfb") else None
    raise ValueError(engine)


def _clean_env(home: str) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(
        HOME=home,
        XDG_CONFIG_HOME=os.path.join(home, ".config"),
        XDG_CACHE_HOME=os.path.join(home, ".cache"),
        XDG_DATA_HOME=os.path.join(home, ".local/share"),
        XDG_RUNTIME_DIR=os.path.join(home, "run"),
        TMPDIR=os.path.join(home, "tmp"),
        DBUS_SESSION_BUS_ADDRESS="disabled:",
        NO_AT_BRIDGE="1",
        GTK_A11Y="none",
        GSETTINGS_BACKEND="memory",
        GIO_USE_VFS="local",
        GIO_USE_PROXY_RESOLVER="dummy",
        no_proxy="*",
        NO_PROXY="*",
    )
    for d in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "TMPDIR"):
        os.makedirs(env[d], mode=0o700, exist_ok=True)
    return env


def _killpg(proc: asyncio.subprocess.Process | subprocess.Popen[bytes] | None) -> None:
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Engine:
    """Base driver.  ``console`` receives console lines in emission order."""

    name = "engine"

    def __init__(self) -> None:
        self.console: asyncio.Queue[str] = asyncio.Queue()
        self.proc: asyncio.subprocess.Process | None = None
        self.tmp: str | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.log_lines: list[str] = []  # raw output, kept short, for diagnostics

    def version(self) -> str:
        raise NotImplementedError

    async def launch(self, url: str) -> None:
        raise NotImplementedError

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def wait_exit(self) -> None:
        if self.proc is not None:
            await self.proc.wait()

    def _diag(self, line: str) -> None:
        if len(self.log_lines) < 400:
            self.log_lines.append(line)

    async def stop(self) -> None:
        for t in self.tasks:
            t.cancel()
        self.tasks = []
        _killpg(self.proc)
        if self.proc is not None:
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except asyncio.TimeoutError:
                pass
        self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def _mktmp(self) -> str:
        self.tmp = tempfile.mkdtemp(prefix=f"harness-{self.name}-")
        return self.tmp


def _cmd_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, env=_clean_env(tempfile.gettempdir()))
        return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


# --------------------------------------------------------------------- Chromium
_CHROMIUM_CONSOLE = re.compile(r":INFO:CONSOLE[^\]]*\] \"(.*)\", source: (.*?)(?: \(\d+\))?$")


class Chromium(Engine):
    name = "chromium"

    def version(self) -> str:
        return _cmd_version([CHROMIUM_BIN, "--version"])

    def args(self, tmp: str, url: str) -> list[str]:
        rules = ", ".join(f"MAP {h} 127.0.0.1" for h in TEST_HOSTS) + ", MAP localhost 127.0.0.1, MAP * ~NOTFOUND"
        return [
            CHROMIUM_BIN,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-breakpad",
            "--disable-crash-reporter",
            "--no-proxy-server",
            "--no-pings",
            "--password-store=basic",
            "--use-mock-keychain",
            "--disable-features=OptimizationHints,MediaRouter,Translate,InterestFeedContentSuggestions,AutofillServerCommunication,CertificateTransparencyComponentUpdater,DialMediaRouteProvider",
            f"--host-resolver-rules={rules}",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={tmp}/profile",
            url,
        ]

    async def launch(self, url: str) -> None:
        tmp = self._mktmp()
        env = _clean_env(tmp)
        self.proc = await asyncio.create_subprocess_exec(
            *self.args(tmp, url),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,
            limit=16 * 1024 * 1024,
        )
        self.tasks.append(asyncio.ensure_future(self._read(self.proc)))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while True:
            raw = await proc.stderr.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\n")
            m = _CHROMIUM_CONSOLE.search(line)
            if m:
                self.console.put_nowait(m.group(1))
            else:
                self._diag(line)


# ---------------------------------------------------------------------- Firefox
FIREFOX_PREFS: dict[str, Any] = {
    # updates, telemetry, studies
    "app.update.enabled": False,
    "app.update.auto": False,
    "app.update.disabledForTesting": True,
    "app.update.checkInstallTime": False,
    "app.normandy.enabled": False,
    "app.normandy.api_url": "",
    "app.shield.optoutstudies.enabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.usage.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.archive.enabled": False,
    "toolkit.telemetry.server": "",
    "toolkit.telemetry.shutdownPingSender.enabled": False,
    "toolkit.telemetry.firstShutdownPing.enabled": False,
    "toolkit.telemetry.newProfilePing.enabled": False,
    "toolkit.telemetry.updatePing.enabled": False,
    "toolkit.telemetry.bhrPing.enabled": False,
    "browser.ping-centre.telemetry": False,
    "browser.crashReports.unsubmittedCheck.enabled": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "nimbus.rollouts.enabled": False,
    # remote settings (needs MOZ_REMOTE_SETTINGS_DEVTOOLS=1 to be honoured)
    "services.settings.server": "http://127.0.0.1:9/v1",
    "security.remote_settings.crlite_filters.enabled": False,
    "security.remote_settings.intermediates.enabled": False,
    "security.OCSP.enabled": 0,
    "services.sync.enabled": False,
    "identity.fxaccounts.enabled": False,
    # captive portal / connectivity
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "captivedetect.canonicalURL": "",
    # safe browsing / tracking protection lists
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.downloads.remote.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.passwords.enabled": False,
    "browser.safebrowsing.provider.google.updateURL": "",
    "browser.safebrowsing.provider.google4.updateURL": "",
    "browser.safebrowsing.provider.google5.updateURL": "",
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "browser.safebrowsing.update.enabled": False,
    # push, prefetch, speculative connections
    "dom.push.enabled": False,
    "dom.push.serverURL": "",
    "dom.push.connection.enabled": False,
    "network.prefetch-next": False,
    "network.dns.disablePrefetch": True,
    "network.dns.disablePrefetchFromHTTPS": True,
    "network.predictor.enabled": False,
    "network.predictor.enable-prefetch": False,
    "network.http.speculative-parallel-limit": 0,
    "browser.urlbar.speculativeConnect.enabled": False,
    "browser.places.speculativeConnect.enabled": False,
    # DNS: no DoH, every name resolves to loopback (testing pref), no proxy
    "network.trr.mode": 5,
    "network.trr.uri": "",
    "network.trr.confirmationNS": "skip",
    "doh-rollout.enabled": False,
    "doh-rollout.disable-heuristics": True,
    "network.dns.native-is-localhost": True,
    "network.proxy.type": 0,
    "network.proxy.no_proxies_on": "",
    "network.proxy.allow_hijacking_localhost": False,
    # HTTPS-First / HTTPS-Only off
    "dom.security.https_first": False,
    "dom.security.https_first_pbm": False,
    "dom.security.https_first_schemeless": False,
    "dom.security.https_only_mode": False,
    "dom.security.https_only_mode_pbm": False,
    "network.stricttransportsecurity.preloadlist": False,
    # extensions, search, region, geo, media plugins, misc UI services
    "extensions.update.enabled": False,
    "extensions.update.autoUpdateDefault": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.systemAddon.update.enabled": False,
    "extensions.systemAddon.update.url": "",
    "extensions.blocklist.enabled": False,
    "extensions.pocket.enabled": False,
    "extensions.autoDisableScopes": 15,
    "browser.search.update": False,
    "browser.search.geoip.url": "",
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "geo.enabled": False,
    "geo.provider.network.url": "",
    "media.gmp-manager.url": "",
    "media.gmp-gmpopenh264.enabled": False,
    "media.gmp-widevinecdm.enabled": False,
    "media.eme.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.page": 0,
    "browser.startup.homepage": "about:blank",
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.firstrunSkipsHomepage": True,
    "startup.homepage_welcome_url": "about:blank",
    "startup.homepage_welcome_url.additional": "",
    "browser.newtabpage.enabled": False,
    "browser.newtabpage.activity-stream.feeds.telemetry": False,
    "browser.newtabpage.activity-stream.telemetry": False,
    "browser.newtabpage.activity-stream.feeds.snippets": False,
    "browser.newtabpage.activity-stream.feeds.section.topstories": False,
    "browser.newtabpage.activity-stream.feeds.topsites": False,
    "browser.topsites.contile.enabled": False,
    "browser.discovery.enabled": False,
    "browser.uitour.enabled": False,
    "browser.aboutwelcome.enabled": False,
    "browser.sessionstore.resume_from_crash": False,
    "browser.tabs.warnOnClose": False,
    "browser.translations.enable": False,
    "browser.ml.enable": False,
    "browser.contentanalysis.enabled": False,
    "toolkit.startup.max_resumed_crashes": -1,
    "network.cookie.sameSite.laxByDefault": False,
    "privacy.trackingprotection.enabled": False,
    "dom.disable_open_during_load": False,
    "devtools.console.stdout.content": False,
    "remote.prefs.recommended": True,
    "remote.log.level": "Warn",
}


def _user_js(prefs: dict[str, Any]) -> str:
    return "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())


class Firefox(Engine):
    name = "firefox"
    # BiDi events subscribed to before the first navigation; events other than
    # log.entryAdded go to ``on_bidi_event`` (a no-op here; recorders override it).
    bidi_events: tuple[str, ...] = ("log.entryAdded",)

    def __init__(self) -> None:
        super().__init__()
        self.ws: WebSocket | None = None
        self._id = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}

    def version(self) -> str:
        return _cmd_version([shutil.which(FIREFOX_BIN) or FIREFOX_BIN, "--version"])

    async def launch(self, url: str) -> None:
        tmp = self._mktmp()
        profile = os.path.join(tmp, "profile")
        os.makedirs(profile)
        with open(os.path.join(profile, "user.js"), "w", encoding="utf-8") as f:
            f.write(_user_js(FIREFOX_PREFS))
        env = _clean_env(tmp)
        env["MOZ_REMOTE_SETTINGS_DEVTOOLS"] = "1"
        env["MOZ_CRASHREPORTER_DISABLE"] = "1"
        env["MOZ_DISABLE_AUTO_SAFE_MODE"] = "1"
        env["MOZ_HEADLESS"] = "1"
        self.proc = await asyncio.create_subprocess_exec(
            shutil.which(FIREFOX_BIN) or FIREFOX_BIN,
            "--headless",
            "--no-remote",
            "--profile",
            profile,
            "--remote-debugging-port=0",
            "--remote-allow-hosts=127.0.0.1",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,
            limit=16 * 1024 * 1024,
        )
        found: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.tasks.append(asyncio.ensure_future(self._read(self.proc, found)))
        ws_url = await asyncio.wait_for(found, 30)
        self.ws = await WebSocket.connect(ws_url + "/session")
        self.tasks.append(asyncio.ensure_future(self._recv()))
        await self._cmd("session.new", {"capabilities": {}})
        await self._cmd("session.subscribe", {"events": list(self.bidi_events)})
        tree = await self._cmd("browsingContext.getTree", {})
        ctx = tree["contexts"][0]["context"]
        await self._cmd("browsingContext.navigate", {"context": ctx, "url": url, "wait": "none"})

    async def _read(self, proc: asyncio.subprocess.Process, found: asyncio.Future[str]) -> None:
        assert proc.stdout is not None
        while True:
            raw = await proc.stdout.readline()
            if not raw:
                if not found.done():
                    found.set_exception(RuntimeError("firefox exited before the remote agent started"))
                return
            line = raw.decode("utf-8", "replace").rstrip("\n")
            m = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
            if m and not found.done():
                found.set_result(m.group(1))
            self._diag(line)

    def on_bidi_event(self, msg: dict[str, Any]) -> None:
        """Hook for BiDi events other than log.entryAdded (see ``bidi_events``)."""

    async def _cmd(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        assert self.ws is not None
        self._id += 1
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._id] = fut
        await self.ws.send_json({"id": self._id, "method": method, "params": params})
        msg = await asyncio.wait_for(fut, 20)
        if msg.get("type") == "error" or "error" in msg:
            raise RuntimeError(f"BiDi {method}: {msg.get('error')}: {msg.get('message')}")
        result: dict[str, Any] = msg.get("result", {})
        return result

    async def _recv(self) -> None:
        assert self.ws is not None
        try:
            while True:
                msg = json.loads(await self.ws.recv_text())
                if "id" in msg and msg["id"] in self._pending:
                    fut = self._pending.pop(msg["id"])
                    if not fut.done():
                        fut.set_result(msg)
                elif msg.get("method") == "log.entryAdded":
                    p = msg.get("params", {})
                    self.console.put_nowait(f"{p.get('type')} {p.get('level')} {p.get('text')}")
                elif "method" in msg:
                    self.on_bidi_event(msg)
        except (WebSocketError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            return

    async def stop(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None
        await super().stop()


# ---------------------------------------------------------------- WebKitGTK
# "CONSOLE SECURITY ERROR ..." or, with a source location, "URL:LINE:COL: CONSOLE LOG ..."
_WEBKIT_CONSOLE = re.compile(r"^(?:\S+:\d+:\d+: )?CONSOLE (.*)$")


class WebKit(Engine):
    name = "webkit"

    def __init__(self) -> None:
        super().__init__()
        self.xvfb: subprocess.Popen[bytes] | None = None
        self.master_fd: int | None = None

    def version(self) -> str:
        try:
            out = subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", "libwebkit2gtk-4.1-0"], capture_output=True, text=True, timeout=10
            )
            return f"WebKitGTK {out.stdout.strip()} (MiniBrowser)"
        except (OSError, subprocess.TimeoutExpired):
            return "WebKitGTK (MiniBrowser)"

    def _start_xvfb(self, env: dict[str, str]) -> str:
        r, w = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24", "-nolisten", "tcp", "-noreset"],
            pass_fds=(w,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        os.close(w)
        data = b""
        import select

        while not data.endswith(b"\n"):
            ready, _, _ = select.select([r], [], [], 15)
            if not ready:
                os.close(r)
                raise RuntimeError("Xvfb did not report a display")
            chunk = os.read(r, 64)
            if not chunk:
                break
            data += chunk
        os.close(r)
        return ":" + data.decode().strip()

    def launch_extras(self) -> tuple[list[str], dict[str, str]]:
        """Extra MiniBrowser switches and environment (a hook for recorders)."""
        return [], {}

    async def launch(self, url: str) -> None:
        tmp = self._mktmp()
        env = _clean_env(tmp)
        display = await asyncio.get_running_loop().run_in_executor(None, self._start_xvfb, env)
        extra_args, extra_env = self.launch_extras()
        env.update(extra_env)
        env.update(
            DISPLAY=display,
            WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS="1",
            WEBKIT_DISABLE_COMPOSITING_MODE="1",
            LIBGL_ALWAYS_SOFTWARE="1",
            GDK_BACKEND="x11",
        )
        exe = webkit_bin()
        assert exe is not None
        master, slave = pty.openpty()
        self.master_fd = master
        self.proc = await asyncio.create_subprocess_exec(
            exe,
            "--enable-write-console-messages-to-stdout=true",
            *extra_args,
            url,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.tasks.append(asyncio.ensure_future(self._read(master)))

    async def _read(self, fd: int) -> None:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue[bytes] = asyncio.Queue()
        os.set_blocking(fd, False)

        def readable() -> None:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(fd)
            q.put_nowait(data)

        loop.add_reader(fd, readable)
        buf = b""
        try:
            while True:
                data = await q.get()
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    line = raw.decode("utf-8", "replace").rstrip("\r")
                    m = _WEBKIT_CONSOLE.match(line)
                    if m:
                        self.console.put_nowait(m.group(1))
                    else:
                        self._diag(line)
        finally:
            try:
                loop.remove_reader(fd)
            except (ValueError, OSError):
                pass

    async def stop(self) -> None:
        await super().stop()
        _killpg(self.xvfb)
        if self.xvfb is not None:
            try:
                self.xvfb.wait(5)
            except subprocess.TimeoutExpired:
                pass
            self.xvfb = None
        if self.master_fd is not None:
            try:
                os.close(self.master_fd)
            except OSError:
                pass
            self.master_fd = None


ENGINES: dict[str, type[Engine]] = {"chromium": Chromium, "firefox": Firefox, "webkit": WebKit}
