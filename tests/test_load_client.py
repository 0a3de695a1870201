"""The load test's student speaks Streamlit's protocol well enough to use the real app.

``benchmarks/load.py`` drives a class of 30 through this client; here one student does
what each of them does, against a real server, so the benchmark keeps working as the
pages change.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from benchmarks import load
from tests.e2e.server import streamlit_server


def test_one_student_uploads_and_changes_controls_without_errors(tmp_path):
    async def lesson(url: str) -> load.Student:
        log: list[load.Interaction] = []
        student = load.Student(0, url, log)
        await student.open("convolution")
        await student.set("source", 1, "choose upload")
        await student.upload("upload", "photo.jpg", load.photo())
        await student.set("stride", 2, "change stride")
        await student.go("pooling")
        await student.set("size", 3, "change pooling window")
        await student.close()
        return student

    with streamlit_server(log_path=tmp_path / "server.log") as url, ThreadPoolExecutor(1) as thread:
        # Its own thread and event loop: the browser tests' Playwright may own this thread's loop.
        student = thread.submit(asyncio.run, lesson(url)).result()
    failures = [entry for entry in student.log if not entry.ok]
    assert not failures, failures
    assert [entry.action for entry in student.log] == [
        "open",
        "choose upload",
        "upload",
        "change stride",
        "open pooling",
        "change pooling window",
    ]
    assert "size=3" in student.query_string
