"""A headless Chromium driven over the Chrome DevTools Protocol, for the playground's browser tests.

The system's ``chromium`` (Debian's package; never a downloaded browser) is
started headless with a temporary profile and ``--remote-debugging-port=0``;
the DevTools websocket address it prints is read from its stderr, and the
``websockets`` package speaks the protocol: one JSON command, one reply with
the same id, events in between. Every wait is bounded.
"""

import base64
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import ExitStack

from websockets.sync.client import connect

CANDIDATES = ("chromium", "chromium-browser")


def find_chromium():
    """The path of the system's Chromium, or None."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class DevToolsError(RuntimeError):
    pass


class Chromium:
    """One headless browser process and its DevTools connection; use as a context manager."""

    def __init__(self, executable, timeout=20.0):
        self.profile = tempfile.mkdtemp(prefix="playground-chromium-")
        args = [
            executable,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--remote-debugging-port=0",
            f"--user-data-dir={self.profile}",
            "--window-size=1400,1000",
            "about:blank",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.ids = itertools.count(1)
        self.events = []
        self.exits = ExitStack()
        try:
            url = self._devtools_url(timeout)
            self.socket = self.exits.enter_context(
                connect(url, max_size=None, open_timeout=timeout)
            )
        except BaseException:
            self.close()
            raise

    def _devtools_url(self, timeout):
        deadline = time.monotonic() + timeout
        lines = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                if self.process.poll() is not None:
                    break
                continue
            lines.append(line)
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                return match.group(1)
        raise DevToolsError("Chromium did not start:\n" + "".join(lines[-20:]))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.exits.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def command(self, method, session=None, timeout=20.0, **params):
        """Send one command and return its result; events that arrive meanwhile are kept."""
        message_id = next(self.ids)
        message = {"id": message_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DevToolsError(f"{method}: no reply within {timeout} s")
            reply = json.loads(self.socket.recv(timeout=remaining))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise DevToolsError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def new_tab(self, url):
        """Open ``url`` in a new tab and return it, with its console being recorded."""
        target = self.command("Target.createTarget", url="about:blank")["targetId"]
        session = self.command("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tab = Tab(self, target, session)
        for domain in ("Page", "Runtime", "Log"):
            self.command(f"{domain}.enable", session=session)
        self.command("Page.navigate", session=session, url=url)
        return tab


class Tab:
    """One page of the browser: evaluate JavaScript, wait for conditions, read its errors."""

    def __init__(self, browser, target, session):
        self.browser, self.target, self.session = browser, target, session

    def evaluate(self, expression, timeout=20.0):
        result = self.browser.command(
            "Runtime.evaluate", session=self.session, timeout=timeout,
            expression=expression, returnByValue=True, awaitPromise=True,
        )  # fmt: skip
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression!r} raised: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=20.0, interval=0.05):
        """Poll ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression!r} still falsy after {timeout} s")
            time.sleep(interval)

    def click(self, selector):
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def errors(self):
        """The console errors and uncaught exceptions this tab has reported so far."""
        self.evaluate("0")  # flush the events that are on their way
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

    def screenshot(self, path):
        data = self.browser.command("Page.captureScreenshot", session=self.session, format="png")
        with open(path, "wb") as file:
            file.write(base64.b64decode(data["data"]))

    def allow_downloads(self, folder):
        self.browser.command(
            "Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder),
            eventsEnabled=True,
        )  # fmt: skip

    def close(self):
        self.browser.command("Target.closeTarget", targetId=self.target)
