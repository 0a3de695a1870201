"""Start ``streamlit run`` on a free loopback port: shared by the browser tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    script: str = "app.py", *, log_path: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Serve ``script`` until the block ends; yields its base URL.

    Raises
    ------
    RuntimeError
        When the server exits or is not healthy within 60 seconds.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with contextlib.ExitStack() as stack:
        output = stack.enter_context(log_path.open("w")) if log_path else subprocess.DEVNULL
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(server, url)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


def _wait_until_healthy(server: subprocess.Popen, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer,
        ):
            if answer.read() == b"ok":
                return
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not start at {url}")
        time.sleep(0.3)
