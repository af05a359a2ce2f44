"""A headless Chromium (Debian's ``chromium``) driven over the DevTools protocol on a pipe.

``--remote-debugging-pipe`` reads NUL-terminated JSON commands on fd 3 and answers on fd 4,
so no WebSocket library and no browser download are needed. ``DOM.getDocument`` with
``pierce`` also returns closed shadow roots, where mkdocs-material puts Mermaid's SVG.
Every host but 127.0.0.1 resolves to nothing, so a page that needs a CDN fails here.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    def __init__(self, binary: str, profile: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # the child sees the pipes as fd 3 (commands) and fd 4 (answers); bash, since dash
        # rejects redirections of descriptors above 9
        args = [
            binary,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--window-size=1400,1000",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.log = profile / "chromium.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                ["bash", "-c", f'exec "$@" 3<&{to_child_r} 4>&{from_child_w}', "chromium", *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(to_child_r, from_child_w),
            )
        os.close(to_child_r)
        os.close(from_child_w)
        self._next = 0
        self._buf = b""
        self.session: str | None = None

    def _messages(self) -> Iterator[dict[str, Any]]:
        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                yield json.loads(raw)
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"chromium closed the DevTools pipe; its log ends: {tail}")
            self._buf += chunk

    def call(self, method: str, session: bool = True, **params: Any) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        for reply in self._messages():
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", session=False, url="about:blank")["targetId"]
        self.session = self.call(
            "Target.attachToTarget", session=False, targetId=target, flatten=True
        )["sessionId"]
        self.call("Page.enable")
        self.call("Page.navigate", url=url)

    def document(self) -> dict[str, Any]:
        return self.call("DOM.getDocument", depth=-1, pierce=True)["root"]

    def wait_for(self, predicate: Any, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            root = self.document()
            if predicate(root):
                return root
            if time.monotonic() > deadline:
                return root
            time.sleep(0.5)

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        path.write_bytes(base64.b64decode(data["data"]))

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close", session=False)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)


def walk(
    node: dict[str, Any], ancestors: tuple[dict[str, Any], ...] = ()
) -> Iterator[tuple[dict[str, Any], tuple[dict[str, Any], ...]]]:
    """Every node with its ancestors, shadow roots and frames included."""
    yield node, ancestors
    for key in ("children", "shadowRoots"):
        for child in node.get(key, []):
            yield from walk(child, (*ancestors, node))
    if "contentDocument" in node:
        yield from walk(node["contentDocument"], (*ancestors, node))


def attrs(node: dict[str, Any]) -> dict[str, str]:
    a = node.get("attributes", [])
    return dict(zip(a[::2], a[1::2], strict=True))


def has_class(node: dict[str, Any], name: str) -> bool:
    return name in attrs(node).get("class", "").split()


def scrolling_tables(root: dict[str, Any]) -> int:
    """``<table>`` elements inside mkdocs-material's horizontally scrolling wrapper."""
    return sum(
        1
        for node, ancestors in walk(root)
        if node.get("nodeName", "").lower() == "table"
        and any(has_class(a, "md-typeset__scrollwrap") for a in ancestors)
    )


def mermaid_svgs(root: dict[str, Any]) -> list[dict[str, Any]]:
    """``<svg>`` elements drawn by Mermaid (inside an element of class ``mermaid``)."""
    found = []
    for node, ancestors in walk(root):
        if node.get("nodeName", "").lower() != "svg":
            continue
        if any(has_class(a, "mermaid") for a in ancestors):
            found.append(node)
    return found
