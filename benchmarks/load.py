"""A class of 30: concurrent student sessions over Streamlit's own websocket protocol.

Run ``python -m benchmarks.load`` (about 20 minutes). It starts the app twice — two
replicas behind nginx (``deploy/run-replicas.sh``), then one process alone — and in each
drives 30 student sessions at once the way the browser does: the protobuf messages of
``/_stcore/stream``, the picture fetches, and the upload over HTTP with the XSRF token.
Every student opens ``/convolution``, uploads a 1024×1024 photo, changes the kernel,
padding and stride, moves on to ``/padding-stride`` and ``/pooling``; five of them then
open ``/train`` and press Start (their pages refresh themselves as a browser's would).
Then it checks that closed tabs stop training and give their memory back, and runs a
10-minute soak of 20 sessions that keep working and reopening their tabs.

Reported: p50/p95 interaction latency (message sent → run finished and its pictures
fetched), errors, server memory (total, per idle session) and CPU. Targets on a 2-core
machine: no errors, p95 ≤ 1.5 s, ≤ 30 MB per idle session, soak growth < 10 % after
warm-up. Writes ``benchmarks/results/load.json``. ``--quick`` runs a short version
(10 students, 1-minute soak) to check the harness itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

from benchmarks.pages import photo_1024
from explorer.images import encode_jpeg, load_image
from tests.e2e.server import free_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "load.json"

TARGET_P95_SECONDS = 1.5
TARGET_IDLE_SESSION_MB = 30
TARGET_SOAK_GROWTH = 0.10
RUN_TIMEOUT_SECONDS = 60  # one run that takes longer than this counts as an error
TRAIN_TIMEOUT_SECONDS = 400
# What the five students train: the digits with a wider CNN than the page's default and 30
# epochs, so that a run lasts long enough to overlap the others' work (the default run
# takes about a second).
TRAIN_QUERY = "epochs=30&f1=16&f2=32&dense=64"

# How long a disconnected session is kept for a reconnect before Streamlit may drop it. The
# default (120 s) is what production uses; the test shortens it so "closed tabs give their
# memory back" is measured in one pass.
DISCONNECTED_TTL_SECONDS = 20
# "Idle" is measured this long after the last click: the server tidies memory every 10 s
# (explorer.runtime.TIDY_SECONDS), so what a finished rerun left behind is gone by then.
IDLE_SECONDS = 25
SOAK_WARM_UP_SECONDS = 120

EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
WIDGETS = {"slider", "selectbox", "radio", "checkbox", "button", "text_area", "file_uploader"}
_KEYED_ID = re.compile(r"^\$\$ID-[0-9a-f]+-(.+)$")


class LoadError(Exception):
    """Something a student would have seen go wrong: a traceback, an error, a timeout."""


# One student -----------------------------------------------------------------------------


@dataclass
class Interaction:
    student: int
    action: str
    seconds: float
    ok: bool
    detail: str = ""


@dataclass
class Student:
    """One browser tab: its websocket, its widgets, its auto-refreshing fragments."""

    number: int
    base: str
    log: list[Interaction]
    query_string: str = ""
    session_id: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # url path → page script hash
    page_hash: str = ""
    widgets: dict[str, tuple[str, object]] = field(default_factory=dict)  # key → (type, proto)
    states: dict[str, WidgetState] = field(default_factory=dict)  # widget id → last value sent
    texts: list[str] = field(default_factory=list)  # alert texts of the latest run
    refreshes: list[float] = field(default_factory=list)  # seconds per auto-refresh run

    def __post_init__(self) -> None:
        self.http = requests.Session()
        self.lock = asyncio.Lock()
        self.finished: asyncio.Queue[int] = asyncio.Queue()
        self.images: list[str] = []
        self.problems: list[str] = []
        self.timers: dict[str, asyncio.Task] = {}
        self.chosen: dict[str, object] = {}  # option picked per choice control
        self.uploads: dict[str, asyncio.Future] = {}
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.closed = False

    # Connection ----------------------------------------------------------------------

    async def open(self, url_path: str, query: str = "") -> None:
        """Load the page (cookies: nginx's replica, Streamlit's XSRF) and start its session."""
        started = time.perf_counter()
        await asyncio.to_thread(self._get, f"/{url_path}")
        await asyncio.to_thread(self._get, "/_stcore/health")
        cookies = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        self.ws = await connect(
            self.base.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],
            additional_headers={"Cookie": cookies, "Origin": self.base},
            max_size=None,
            open_timeout=RUN_TIMEOUT_SECONDS,
        )
        self.reader = asyncio.create_task(self._read())
        self.query_string = query
        await self._run(ClientState(query_string=query, page_name=url_path), "open", started=started)

    async def close(self) -> None:
        """Close the tab: the websocket goes, and with it the page's refresh timers."""
        self.closed = True
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(BaseException):
                await self.reader
        for fragment in list(self.timers):
            self._stop_timer(fragment)
        self.http.close()

    def _get(self, path: str) -> bytes:
        try:
            answer = self.http.get(self.base + path, timeout=RUN_TIMEOUT_SECONDS)
        except requests.ConnectionError:
            # The server closed an idle keep-alive connection as it was reused; a browser
            # retries such a GET on a new connection, and so do we (once).
            answer = self.http.get(self.base + path, timeout=RUN_TIMEOUT_SECONDS)
        if answer.status_code != 200:
            raise LoadError(f"GET {path}: HTTP {answer.status_code}")
        return answer.content

    # What the server sends -------------------------------------------------------------

    async def _read(self) -> None:
        async for raw in self.ws:
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self._new_run(message)
            elif kind == "navigation":
                self.pages.update(
                    {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
                )
                self.page_hash = message.navigation.page_script_hash
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                self._element(message.delta.new_element)
            elif kind == "page_info_changed":
                self.query_string = message.page_info_changed.query_string
            elif kind == "auto_rerun" and not self.closed:
                rerun = message.auto_rerun
                self._stop_timer(rerun.fragment_id)
                self.timers[rerun.fragment_id] = asyncio.create_task(
                    self._refresh(rerun.fragment_id, rerun.interval)
                )
            elif kind == "stop_auto_rerun":
                for fragment in message.stop_auto_rerun.fragment_ids or list(self.timers):
                    self._stop_timer(fragment)
            elif kind == "file_urls_response":
                future = self.uploads.pop(message.file_urls_response.response_id, None)
                if future is not None and not future.done():
                    future.set_result(message.file_urls_response)
            elif kind == "script_finished":
                self.finished.put_nowait(message.script_finished)

    def _new_run(self, message: ForwardMsg) -> None:
        session = message.new_session
        if session.initialize.session_id:
            self.session_id = session.initialize.session_id
        self.pages.update({page.url_pathname: page.page_script_hash for page in session.app_pages})
        if message.metadata.run.fragment_ids:
            return  # a fragment's own run: the page's other timers go on
        # A full run registers its fragments' refresh timers again, as the browser's would.
        for fragment in list(self.timers):
            self._stop_timer(fragment)
        self.texts.clear()

    def _stop_timer(self, fragment: str) -> None:
        timer = self.timers.pop(fragment, None)
        if timer is not None:
            timer.cancel()

    def _element(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind in WIDGETS:
            proto = getattr(element, kind)
            match = _KEYED_ID.match(proto.id)
            if match:
                self.widgets[match.group(1)] = (kind, proto)
        elif kind == "markdown":
            self.texts.append(element.markdown.body)
        elif kind == "imgs":
            self.images.extend(image.url for image in element.imgs.imgs)
        elif kind == "exception":
            self.problems.append(f"exception: {element.exception.type}: {element.exception.message[:200]}")
        elif kind == "alert":
            self.texts.append(element.alert.body)
            if element.alert.format == element.alert.Format.ERROR:
                self.problems.append(f"error on the page: {element.alert.body[:200]}")

    # What the student does ---------------------------------------------------------------

    async def _run(
        self,
        state: ClientState,
        action: str,
        *,
        started: float | None = None,
        refresh: bool = False,
    ) -> None:
        """Send one rerun and wait until it has finished and its pictures are fetched."""
        async with self.lock:
            while not self.finished.empty():
                self.finished.get_nowait()
            self.images = []
            self.problems = []
            started = time.perf_counter() if started is None else started
            detail, ok = "", True
            try:
                await self.ws.send(BackMsg(rerun_script=state).SerializeToString())
                while await asyncio.wait_for(self.finished.get(), RUN_TIMEOUT_SECONDS) == EARLY_FOR_RERUN:
                    pass
                images = list(dict.fromkeys(self.images))
                await asyncio.to_thread(lambda: [self._get(url) for url in images])
                if self.problems:
                    ok, detail = False, "; ".join(self.problems)
            except Exception as error:  # a timeout, a failed fetch, a closed websocket
                ok, detail = False, f"{type(error).__name__}: {error}"
            seconds = time.perf_counter() - started
        if refresh:
            self.refreshes.append(seconds)
            if not ok:
                self.log.append(Interaction(self.number, "refresh", seconds, ok, detail))
        else:
            self.log.append(Interaction(self.number, action, seconds, ok, detail))

    def _state(self, **extra) -> ClientState:
        state = ClientState(query_string=self.query_string, page_script_hash=self.page_hash, **extra)
        state.widget_states.widgets.extend(self.states.values())
        return state

    def _widget(self, key: str, kind: str | tuple[str, ...]) -> object:
        found = self.widgets.get(key)
        kinds = (kind,) if isinstance(kind, str) else kind
        if found is None or found[0] not in kinds:
            raise LoadError(f"no {kind} with key {key!r} on the page")
        return found[1]

    async def set(self, key: str, value: object, action: str) -> None:
        """Change a control, as a click or a drag would, and wait for the page."""
        try:
            kind, proto = self.widgets[key]
        except KeyError:
            self.log.append(Interaction(self.number, action, 0.0, False, f"no control {key!r} on the page"))
            return
        state = WidgetState(id=proto.id)
        if kind == "slider":
            state.double_array_value.data.append(float(value))
        elif kind in ("selectbox", "radio"):
            state.string_value = proto.options[int(value)]
        elif kind == "checkbox":
            state.bool_value = bool(value)
        elif kind == "text_area":
            state.string_value = str(value)
        elif kind == "button":
            state.trigger_value = True
        if kind != "button":
            self.states[proto.id] = state
        # What the control showed before: a slider is drawn with its value; a choice only with
        # its first default, so this tab remembers what it picked.
        slider_unchanged = kind == "slider" and list(proto.value) == [float(value)]
        unchanged = slider_unchanged or (kind != "slider" and self.chosen.get(key) == value)
        self.chosen[key] = value
        url_before = parse_qs(self.query_string).get(key)
        run_state = self._state()
        if kind == "button":
            run_state.widget_states.widgets.append(state)
        await self._run(run_state, action)
        # Every control is mirrored in the address: a real change must show there (its value
        # appears, or it disappears when the control is back at its default).
        moved = kind in ("slider", "selectbox", "radio") and not unchanged
        if moved and parse_qs(self.query_string).get(key) == url_before:
            detail = f"{key} did not change: {self.query_string}"
            self.log.append(Interaction(self.number, action, 0.0, False, detail))

    async def go(self, url_path: str, query: str = "") -> None:
        """Follow a link in the sidebar to another page."""
        self.query_string = query
        page = self.pages.get(url_path, "")
        self.states = {wid: s for wid, s in self.states.items() if self._is_sidebar(wid)}
        await self._run(
            ClientState(query_string=query, page_script_hash=page, page_name=""), f"open {url_path}"
        )

    def _is_sidebar(self, widget_id: str) -> bool:
        match = _KEYED_ID.match(widget_id)
        return bool(match) and match.group(1) in ("source", "image", "upload")

    async def upload(self, key: str, name: str, data: bytes) -> None:
        """Upload a file as the browser does: ask for a URL, PUT it there, then rerun."""
        started = time.perf_counter()
        try:
            proto = self._widget(key, "file_uploader")
            request_id = f"upload-{self.number}-{time.monotonic_ns()}"
            answer = asyncio.get_running_loop().create_future()
            self.uploads[request_id] = answer
            request = BackMsg()
            request.file_urls_request.request_id = request_id
            request.file_urls_request.file_names.append(name)
            request.file_urls_request.session_id = self.session_id
            await self.ws.send(request.SerializeToString())
            response = await asyncio.wait_for(answer, RUN_TIMEOUT_SECONDS)
            if response.error_msg:
                raise LoadError(response.error_msg)
            urls: FileURLs = response.file_urls[0]
            xsrf = self.http.cookies.get("_streamlit_xsrf", "")
            put = await asyncio.to_thread(
                self.http.put,
                self.base + urls.upload_url,
                files={"file": (name, data, "image/jpeg")},
                headers={"X-Xsrftoken": xsrf},
                timeout=RUN_TIMEOUT_SECONDS,
            )
            if put.status_code not in (200, 204):
                raise LoadError(f"upload: HTTP {put.status_code} {put.text[:100]}")
        except (LoadError, TimeoutError, OSError) as error:
            self.log.append(
                Interaction(self.number, "upload", time.perf_counter() - started, False, str(error))
            )
            return
        state = WidgetState(id=proto.id)
        info = UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id)
        info.file_urls.CopyFrom(urls)
        state.file_uploader_state_value.uploaded_file_info.append(info)
        self.states[proto.id] = state
        await self._run(self._state(), "upload", started=started)
        if not any("1024 × 1024 pixels" in text for text in self.texts):
            self.log.append(Interaction(self.number, "upload", 0.0, False, "the picture did not arrive"))

    async def _refresh(self, fragment_id: str, interval: float) -> None:
        """A fragment's ``run_every``: rerun just that fragment on a timer while the tab is idle."""
        while not self.closed:
            await asyncio.sleep(interval)
            if self.lock.locked() or self.closed:
                continue
            await self._run(self._state(fragment_id=fragment_id, is_auto_rerun=True), "refresh", refresh=True)

    async def train_until_done(self) -> float:
        """Press Start on /train and let the page refresh itself until the run has ended."""
        started = time.perf_counter()
        await self.set("start", True, "press Start")
        await asyncio.sleep(1.0)
        while self.timers:
            if time.perf_counter() - started > TRAIN_TIMEOUT_SECONDS:
                self.log.append(Interaction(self.number, "training", TRAIN_TIMEOUT_SECONDS, False, "no end"))
                break
            await asyncio.sleep(0.5)
        return time.perf_counter() - started


# The server and what it uses ------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """``pid`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree.extend(frontier)
    return tree


def _usage(pids: list[int]) -> tuple[float, float]:
    """Resident memory in MB and CPU seconds used so far, summed over ``pids``."""
    ticks = os.sysconf("SC_CLK_TCK")
    memory = cpu = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    memory += int(line.split()[1]) / 1024
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / ticks
    return memory, cpu


@dataclass
class Server:
    """A running set-up: its address and the processes that serve it."""

    name: str
    url: str
    root_pid: int
    pids: list[int] = field(default_factory=list)
    samples: list[tuple[float, float, float]] = field(default_factory=list)  # (time, MB, cpu s)
    processes: list[str] = field(default_factory=list)  # each app process's own address

    async def let_go_of_closed_sessions(self) -> None:
        """Open and close one tab on every process.

        Streamlit drops a disconnected session once its grace period is over, but only
        when it next looks at its session store (on a connection); a server in use
        always has one.
        """
        for url in self.processes:
            visitor = Student(-2, url, [])
            await visitor.open("")
            await visitor.close()

    def usage(self) -> tuple[float, float]:
        return _usage(self.pids)

    async def sample(self, every: float = 1.0) -> None:
        """Record memory and CPU once a second until cancelled."""
        while True:
            memory, cpu = self.usage()
            self.samples.append((time.monotonic(), memory, cpu))
            await asyncio.sleep(every)

    def cpu_between(self, start: float, end: float) -> tuple[float, float]:
        """Average and peak cores busy between two ``time.monotonic()`` moments."""
        window = [s for s in self.samples if start <= s[0] <= end]
        rates = [(b[2] - a[2]) / (b[0] - a[0]) for a, b in itertools.pairwise(window) if b[0] > a[0]]
        if not rates:
            return 0.0, 0.0
        return (window[-1][2] - window[0][2]) / (window[-1][0] - window[0][0]), max(rates)


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not become healthy")


@contextlib.contextmanager
def serve(setup: str) -> Iterator[Server]:
    """Start ``replicas`` (nginx + two processes) or ``single`` (one process alone)."""
    port = free_port()
    env = {**os.environ, "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(DISCONNECTED_TTL_SECONDS)}
    if setup == "replicas":
        command = ["bash", str(ROOT / "deploy" / "run-replicas.sh")]
        env["PORT"] = str(port)
        env["PYTHON"] = sys.executable
    else:
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true",
        ]  # fmt: skip
    RESULTS.parent.mkdir(exist_ok=True)
    log = (RESULTS.parent / f"load-{setup}.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        if setup == "replicas":
            for replica in ("http://127.0.0.1:8511", "http://127.0.0.1:8512"):
                _wait_healthy(replica, process)
        server = Server(setup, url, process.pid)
        server.pids = _children(process.pid)
        replicas = ["http://127.0.0.1:8511", "http://127.0.0.1:8512"]
        server.processes = replicas if setup == "replicas" else [url]
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


# Scenarios ---------------------------------------------------------------------------------


def photo() -> bytes:
    """The student's photo: 1024 × 1024, as a phone would send it (JPEG)."""
    return encode_jpeg(load_image(photo_1024()).pixels, quality=88)


async def think(rng: random.Random, low: float = 1.0, high: float = 3.0) -> None:
    await asyncio.sleep(rng.uniform(low, high))


async def explore(student: Student, rng: random.Random, picture: bytes) -> None:
    """The lesson's first half: upload a photo, try kernels, padding, stride and pooling."""
    await student.open("convolution")
    await think(rng)
    await student.set("source", 1, "choose upload")
    await think(rng)
    await student.upload("upload", f"photo-{student.number}.jpg", picture)
    steps = [
        ("kernel", 1, "change kernel"),
        ("pad", 1, "change padding"),
        ("stride", 2, "change stride"),
        ("mode", 1, "change padding mode"),
        ("stride", 3, "change stride"),
        ("kernel", rng.randrange(2, 6), "change kernel"),
    ]
    for key, value, action in steps:
        await think(rng)
        await student.set(key, value, action)
    await think(rng)
    await student.go("padding-stride")
    for key, value, action in [
        ("n_pad", 2, "change padding"),
        ("s", 2, "change stride"),
        ("k", 5, "change kernel size"),
    ]:
        await think(rng)
        await student.set(key, value, action)
    await think(rng)
    await student.go("pooling")
    for key, value, action in [("size", 3, "change pooling window"), ("pool", 1, "change pooling")]:
        await think(rng)
        await student.set(key, value, action)


async def train(student: Student, rng: random.Random) -> float:
    await think(rng)
    await student.go("train", TRAIN_QUERY)
    await think(rng)
    return await student.train_until_done()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def summarize(log: list[Interaction]) -> dict:
    times = [entry.seconds for entry in log if entry.ok]
    errors = [f"student {e.student}, {e.action}: {e.detail}" for e in log if not e.ok]
    by_action: dict[str, list[float]] = {}
    for entry in log:
        if entry.ok:
            by_action.setdefault(entry.action, []).append(entry.seconds)
    return {
        "interactions": len(log),
        "errors": len(errors),
        "error_examples": errors[:10],
        "p50_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(percentile(times, 0.95), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
        "by_action_p50_p95_s": {
            action: [round(statistics.median(v), 3), round(percentile(v, 0.95), 3), len(v)]
            for action, v in sorted(by_action.items())
        },
    }


async def class_of(server: Server, students: int, trainers: int, picture: bytes, seed: int) -> dict:
    """Everything one set-up is asked to do, with its figures."""
    sampler = asyncio.create_task(server.sample())
    # Warm-up: one tab visits every page once, so the first student does not pay for imports.
    log: list[Interaction] = []
    warm = Student(-1, server.url, [])
    await warm.open("convolution")
    for page in ("padding-stride", "pooling", "train"):
        await warm.go(page)
    await warm.close()
    await asyncio.sleep(DISCONNECTED_TTL_SECONDS + 2)
    await server.let_go_of_closed_sessions()
    await asyncio.sleep(IDLE_SECONDS)
    base_mb, _ = server.usage()

    # The class opens the app within two seconds, works, and five of them train.
    tabs = [Student(n, server.url, log) for n in range(students)]
    training_seconds: list[float] = []

    async def lesson(tab: Student) -> None:
        rng = random.Random(seed * 1000 + tab.number)
        await asyncio.sleep(rng.uniform(0, 2))
        try:
            await explore(tab, rng, picture)
            if tab.number < trainers:
                training_seconds.append(await train(tab, rng))
        except Exception as error:  # a dropped connection: counted, the others go on
            log.append(Interaction(tab.number, "session", 0.0, False, f"{type(error).__name__}: {error}"))

    started = time.monotonic()
    await asyncio.gather(*(lesson(tab) for tab in tabs))
    busy_until = time.monotonic()
    await asyncio.sleep(IDLE_SECONDS)
    idle_mb, _ = server.usage()
    cpu_average, cpu_peak = server.cpu_between(started, busy_until)
    refreshes = [seconds for tab in tabs for seconds in tab.refreshes]
    peak_mb = max(memory for _, memory, _ in server.samples)

    # Tabs that close while training stop it: two students start, then close their tabs.
    quitters = [Student(100 + n, server.url, log) for n in range(2)]
    for tab in quitters:
        await tab.open("train", TRAIN_QUERY.replace("epochs=30", "epochs=50"))
        await tab.set("start", True, "press Start")
    await asyncio.sleep(4)
    training_mark = time.monotonic()
    await asyncio.sleep(3)
    cpu_training, _ = server.cpu_between(training_mark, time.monotonic())
    for tab in quitters:
        await tab.close()
    await asyncio.sleep(3)
    closed_mark = time.monotonic()
    await asyncio.sleep(5)
    cpu_after_close, _ = server.cpu_between(closed_mark, time.monotonic())

    # Everyone leaves; after Streamlit's grace period their sessions go.
    for tab in tabs:
        await tab.close()
    await asyncio.sleep(DISCONNECTED_TTL_SECONDS + 2)
    await server.let_go_of_closed_sessions()
    await asyncio.sleep(IDLE_SECONDS)
    after_close_mb, _ = server.usage()
    # A second class in the same server: if closed sessions kept their memory it would add up.
    second_log: list[Interaction] = []
    second = [Student(200 + n, server.url, second_log) for n in range(students)]

    async def second_lesson(tab: Student) -> None:
        rng = random.Random(seed * 1000 + tab.number)
        await asyncio.sleep(rng.uniform(0, 2))
        with contextlib.suppress(Exception):
            await explore(tab, rng, picture)

    await asyncio.gather(*(second_lesson(tab) for tab in second))
    await asyncio.sleep(IDLE_SECONDS)
    second_idle_mb, _ = server.usage()
    for tab in second:
        await tab.close()
    sampler.cancel()

    summary = summarize(log)
    summary.update(
        {
            "setup": server.name,
            "students": students,
            "trainers": trainers,
            "server_processes": len(server.pids),
            "memory_mb": {
                "after_warm_up": round(base_mb),
                "peak": round(peak_mb),
                "all_idle": round(idle_mb),
                "per_idle_session": round((idle_mb - base_mb) / students, 1),
                "after_all_closed": round(after_close_mb),
                "freed_per_closed_session": round((idle_mb - after_close_mb) / students, 1),
                "second_class_idle": round(second_idle_mb),
            },
            "cpu_cores_busy": {"average": round(cpu_average, 2), "peak_1s": round(cpu_peak, 2)},
            "training": {
                "start_to_end_s": sorted(round(s, 1) for s in training_seconds),
                "refresh_p50_s": round(statistics.median(refreshes), 3) if refreshes else None,
                "refresh_p95_s": round(percentile(refreshes, 0.95), 3) if refreshes else None,
                "cpu_cores_two_training": round(cpu_training, 2),
                "cpu_cores_after_their_tabs_closed": round(cpu_after_close, 2),
            },
            "second_class_errors": sum(1 for entry in second_log if not entry.ok),
            "second_class_error_examples": [
                f"student {e.student}, {e.action}: {e.detail}" for e in second_log if not e.ok
            ][:5],
        }
    )
    return summary


async def soak(server: Server, sessions: int, minutes: float, picture: bytes, seed: int) -> dict:
    """``sessions`` tabs keep working for ``minutes``; each reopens its tab every few minutes."""
    sampler = asyncio.create_task(server.sample(every=5.0))
    log: list[Interaction] = []
    deadline = time.monotonic() + minutes * 60
    started = time.monotonic()
    moves = [
        ("convolution", [("kernel", 1), ("stride", 2), ("pad", 1), ("stride", 1), ("kernel", 0)]),
        ("padding-stride", [("n_pad", 2), ("s", 2), ("k", 5), ("s", 1)]),
        ("pooling", [("size", 3), ("pool", 1), ("size", 2), ("pool", 0)]),
        ("rgb", [("n1", 6), ("n2", 2), ("n1", 4)]),
        ("activations", [("data", 1), ("data", 0)]),
    ]

    async def student(number: int) -> None:
        rng = random.Random(seed * 7919 + number)
        await asyncio.sleep(rng.uniform(0, 5))
        while time.monotonic() < deadline:
            tab = Student(number, server.url, log)
            reopen_at = time.monotonic() + rng.uniform(90, 180)
            try:
                await tab.open("convolution")
                if rng.random() < 0.5:
                    await tab.set("source", 1, "choose upload")
                    await tab.upload("upload", "photo.jpg", picture)
                while time.monotonic() < min(deadline, reopen_at):
                    page, changes = rng.choice(moves)
                    await tab.go(page)
                    for key, value in changes:
                        await think(rng, 2, 5)
                        await tab.set(key, value, f"{page} {key}")
                        if time.monotonic() > deadline:
                            break
            except Exception as error:
                log.append(Interaction(number, "session", 0.0, False, f"{type(error).__name__}: {error}"))
            finally:
                await tab.close()

    await asyncio.gather(*(student(n) for n in range(sessions)))
    sampler.cancel()
    # Memory swings by ±10 % with whatever runs happen to overlap, so both ends are a
    # minute's median (12 samples): the minute after a 2-minute warm-up, and the last one.
    # The trend over everything after warm-up says whether it keeps climbing.
    samples = [(t - started, memory) for t, memory, _ in server.samples]
    warm_up = min(SOAK_WARM_UP_SECONDS, minutes * 60 / 2)
    after = [(t, memory) for t, memory in samples if t >= warm_up]
    after_warm_up = statistics.median(memory for t, memory in after if t < warm_up + 60)
    final = statistics.median(memory for t, memory in after if t >= minutes * 60 - 60)
    trend = statistics.linear_regression([t / 60 for t, _ in after], [memory for _, memory in after]).slope
    summary = summarize(log)
    summary.update(
        {
            "setup": server.name,
            "sessions": sessions,
            "minutes": minutes,
            "memory_mb_after_warm_up": round(after_warm_up),
            "memory_mb_last_minute": round(final),
            "memory_mb_max": round(max(memory for _, memory in samples)),
            "growth_after_warm_up": round(final / after_warm_up - 1, 3),
            "memory_mb_every_minute": [round(memory) for t, memory in samples if int(t) % 60 < 5],
            "memory_trend_mb_per_minute_after_warm_up": round(trend, 1),
            "memory_samples_s_mb": [(round(t), round(memory)) for t, memory in samples],
        }
    )
    return summary


# Report ----------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(results: dict) -> None:
    for name in ("replicas", "single"):
        result = results.get(name)
        if result is None:
            continue
        memory = result["memory_mb"]
        print(
            f"\n== {name}: {result['students']} students, {result['trainers']} training "
            f"({result['server_processes']} server processes) =="
        )
        print(
            f"interactions {result['interactions']}, errors {result['errors']} "
            f"(target 0: {verdict(result['errors'] == 0)})"
        )
        for example in result["error_examples"]:
            print("   ", example)
        print(
            f"latency p50 {result['p50_s']} s, p95 {result['p95_s']} s, max {result['max_s']} s "
            f"(p95 ≤ {TARGET_P95_SECONDS} s: {verdict((result['p95_s'] or 99) <= TARGET_P95_SECONDS)})"
        )
        for action, (p50, p95, count) in result["by_action_p50_p95_s"].items():
            print(f"    {action:<22} p50 {p50:6.3f} s  p95 {p95:6.3f} s  ({count})")
        print(
            f"memory: {memory['after_warm_up']} MB after warm-up, peak {memory['peak']} MB, "
            f"{memory['all_idle']} MB with all idle → {memory['per_idle_session']} MB per idle session "
            f"(≤ {TARGET_IDLE_SESSION_MB}: {verdict(memory['per_idle_session'] <= TARGET_IDLE_SESSION_MB)})"
        )
        print(
            f"        {memory['after_all_closed']} MB after all closed "
            f"({memory['freed_per_closed_session']} MB freed per closed session); a second class of "
            f"{result['students']}: {memory['second_class_idle']} MB idle "
            f"({result['second_class_errors']} errors)"
        )
        for example in result["second_class_error_examples"]:
            print("   ", example)
        cpu = result["cpu_cores_busy"]
        print(f"cpu: {cpu['average']} cores busy on average, {cpu['peak_1s']} at the busiest second")
        training = result["training"]
        print(
            f"training: start → end {training['start_to_end_s']} s; page refresh p50 "
            f"{training['refresh_p50_s']} s, p95 {training['refresh_p95_s']} s; two training tabs use "
            f"{training['cpu_cores_two_training']} cores, {training['cpu_cores_after_their_tabs_closed']} "
            "after they close"
        )
    result = results.get("soak")
    if result is not None:
        print(f"\n== soak: {result['sessions']} sessions for {result['minutes']} min ({result['setup']}) ==")
        print(
            f"interactions {result['interactions']}, errors {result['errors']}, p50 {result['p50_s']} s, "
            f"p95 {result['p95_s']} s"
        )
        for example in result["error_examples"]:
            print("   ", example)
        print(
            f"memory {result['memory_mb_after_warm_up']} MB in the minute after warm-up → "
            f"{result['memory_mb_last_minute']} MB "
            f"in the last minute: {result['growth_after_warm_up']:+.1%} "
            f"(< {TARGET_SOAK_GROWTH:.0%}: {verdict(result['growth_after_warm_up'] < TARGET_SOAK_GROWTH)}); "
            f"every minute: {result['memory_mb_every_minute']}; trend after warm-up "
            f"{result['memory_trend_mb_per_minute_after_warm_up']:+} MB a minute"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--trainers", type=int, default=5)
    parser.add_argument("--soak-sessions", type=int, default=20)
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--setups", default="replicas,single,soak", help="which of replicas, single, soak")
    parser.add_argument("--quick", action="store_true", help="10 students, 2 training, a 1-minute soak")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.students, args.trainers, args.soak_sessions, args.soak_minutes = 10, 2, 6, 1
    setups = args.setups.split(",")
    if "replicas" in setups and shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        sys.exit("The replicas set-up needs nginx: apt-get install -y nginx-light (or --setups single,soak)")

    RESULTS.parent.mkdir(exist_ok=True)
    picture = photo()
    results: dict = {"cores": os.cpu_count()}
    for setup in ("replicas", "single"):
        if setup in setups:
            with serve(setup) as server:
                results[setup] = asyncio.run(
                    class_of(server, args.students, args.trainers, picture, args.seed)
                )
            report(results)
    if "soak" in setups:
        with serve("single") as server:
            results["soak"] = asyncio.run(
                soak(server, args.soak_sessions, args.soak_minutes, picture, args.seed)
            )
        report({"soak": results["soak"]})
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\nWrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
