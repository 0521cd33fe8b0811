"""Debian's Chromium, headless, driven over the DevTools protocol on a pipe.

No driver and no package: Chromium reads commands on its fd 3 and writes answers
and events on its fd 4, NUL-separated JSON. The page gets no network at all: the
host resolver finds no host and the page is emulated offline; every request it
makes is recorded, so a test can assert there was none but the file itself.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

#: How Chromium runs here: headless, as root, quiet, with no network of its own.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
TIMEOUT = 60.0


def chromium() -> str | None:
    """The Chromium executable on PATH, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageReport:
    """What a page did while it loaded, and what a script found in it."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    found: Any = None


class Browser:
    """One headless Chromium with a fresh profile; use it as a context manager."""

    def __init__(self, executable: str, profile: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._events, events_write = os.pipe()
        # bash, not sh: dash cannot redirect from a descriptor above 9.
        self.process = subprocess.Popen(
            [
                "bash",
                "-c",
                f'exec "$0" "$@" 3<&{commands_read} 4>&{events_write}',
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            pass_fds=(commands_read, events_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(events_write)
        self._buffer = b""
        self._next_id = 0
        self._pending: list[dict[str, Any]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.send("Browser.close")
        except (OSError, RuntimeError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._events)

    def send(
        self, method: str, session: str | None = None, **params: Any
    ) -> dict[str, Any]:
        """Run one command and return its result; events meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method}
        message["params"] = params
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            received = self._receive()
            if received.get("id") == self._next_id:
                if "error" in received:
                    raise RuntimeError(f"{method}: {received['error']}")
                result: dict[str, Any] = received.get("result", {})
                return result
            self._pending.append(received)

    def wait_for(self, method: str) -> dict[str, Any]:
        """The next event named `method` (earlier events are kept)."""
        for index, event in enumerate(self._pending):
            if event.get("method") == method:
                return self._pending.pop(index)
        while True:
            received = self._receive()
            if received.get("method") == method:
                return received
            self._pending.append(received)

    def events(self) -> list[dict[str, Any]]:
        """Every event received so far, oldest first; they are forgotten."""
        events, self._pending = self._pending, []
        return events

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._events], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._events, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def open(
        self, page: Path, script: str, screenshot: Path, width: int = 1280
    ) -> PageReport:
        """Load `page` offline, run `script` in it, save a full-page PNG.

        Args:
            page: the HTML file.
            script: a JavaScript expression; its JSON value is `found`.
            screenshot: where the PNG goes; the viewport is `width` x 800.
            width: the viewport's width in CSS pixels.
        """
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.send(f"{domain}.enable", session)
        self.send(
            "Network.emulateNetworkConditions",
            session,
            offline=True,
            latency=0,
            downloadThroughput=-1,
            uploadThroughput=-1,
        )
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=800,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.navigate", session, url=page.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        found = self.send(
            "Runtime.evaluate", session, expression=script, returnByValue=True
        )
        metrics = self.send("Page.getLayoutMetrics", session)["cssContentSize"]
        shot = self.send(
            "Page.captureScreenshot",
            session,
            format="png",
            captureBeyondViewport=True,
            clip={
                "x": 0,
                "y": 0,
                "width": width,
                "height": metrics["height"],
                "scale": 1,
            },
        )
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        report = PageReport(found=found.get("result", {}).get("value"))
        if "exceptionDetails" in found:
            report.errors.append(f"script: {found['exceptionDetails']}")
        for event in self.events():
            _record(report, event)
        return report


def _record(report: PageReport, event: dict[str, Any]) -> None:
    """Keep the requests and the errors an event tells of."""
    method, params = event.get("method"), event.get("params", {})
    if method == "Network.requestWillBeSent":
        report.requests.append(params["request"]["url"])
    elif method == "Runtime.exceptionThrown":
        report.errors.append(f"exception: {params['exceptionDetails']}")
    elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        report.errors.append(f"console: {params['args']}")
    elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
        report.errors.append(f"log: {params['entry']['text']}")
