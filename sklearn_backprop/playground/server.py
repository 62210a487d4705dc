"""The playground's web server: the page, its assets, and one WebSocket per browser tab.

Starlette serves ``static/`` and a WebSocket at ``/ws``; uvicorn runs it on
127.0.0.1 only. Each connection owns one :class:`~.session.Session`, so tabs
never share a model. Training runs in a worker thread (numpy releases the GIL
in its kernels), so one tab's training never blocks another's messages.

The protocol is JSON, one object per message, with a ``type``. From the page:
``configure`` (with ``state``), ``play``, ``pause``, ``step``, ``reset``,
``ack`` (an update was drawn), ``trace`` (``split``, ``index``), ``code`` and
``download``. To the page: ``choices`` (on connecting), ``configured`` (the canonical state and the
points), ``update`` (a snapshot), ``trace``, ``code``, ``skops`` (the file,
base64) and ``error`` (a message to show). Anything malformed gets an
``error``; the connection stays usable.
"""

import asyncio
import base64
import contextlib
import json
import logging
import socket
import threading
import time
import warnings
from pathlib import Path

import uvicorn
from sklearn.exceptions import ConvergenceWarning
from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocketDisconnect, WebSocketState

from .session import ACTIVATIONS, FEATURES, PlaygroundState, Session, StateError

STATIC_DIR = Path(__file__).with_name("static")

#: The largest message the page may send; a state is a few hundred bytes.
MAX_MESSAGE_BYTES = 16 * 1024

#: A play loop waits this long at most for the page to draw an update before the next.
ACK_TIMEOUT = 2.0

#: A tab left playing stops by itself after this many steps.
MAX_STEPS = 10_000

# The page may load and connect to nothing but this server.
CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"
)

logger = logging.getLogger(__name__)


async def index(request):
    return FileResponse(STATIC_DIR / "index.html", headers={"Content-Security-Policy": CSP})


class Tab:
    """One WebSocket connection: its session, its play loop, and the page's acknowledgements."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.session = None
        self.play_task = None
        self.playing = False
        self.drawn = asyncio.Event()
        # One training call or read of the model at a time (the play loop and the
        # page's requests share the session).
        self.lock = asyncio.Lock()

    async def send(self, kind, **payload):
        if WebSocketState.CONNECTED not in (
            self.websocket.client_state,
            self.websocket.application_state,
        ):
            raise WebSocketDisconnect()  # the tab is gone: end its loop quietly
        await self.websocket.send_text(json.dumps({"type": kind, **payload}))

    async def run(self):
        try:
            await self.send("choices", activations=list(ACTIVATIONS), features=list(FEATURES))
            while True:
                text = await self.websocket.receive_text()
                await self.receive(text)
        except WebSocketDisconnect:
            pass
        finally:
            await self.stop_playing()

    async def receive(self, text):
        """Handle one message; whatever goes wrong becomes an ``error`` message."""
        try:
            message = _parse(text)
            handler = getattr(self, f"on_{message['type']}")
            await handler(message)
        except (StateError, ValueError, TypeError) as error:
            await self.send("error", message=str(error))
        except WebSocketDisconnect:
            raise
        except Exception as error:  # never let one message take the connection down
            logger.exception("playground: message failed")
            await self.send("error", message=f"The server could not do that: {error!r}")

    def _session(self):
        if self.session is None:
            raise StateError("Choose a configuration first.")
        return self.session

    async def on_configure(self, message):
        state = PlaygroundState.from_mapping(message.get("state"))
        await self.start(state)

    async def on_reset(self, message):
        await self.start(self._session().state)

    async def start(self, state):
        await self.stop_playing()
        async with self.lock:
            self.session = await asyncio.to_thread(Session, state)
            snapshot = await asyncio.to_thread(self.session.snapshot)
        await self.send("configured", state=state.to_mapping(), points=self.session.points())
        await self.send("update", playing=False, **snapshot)

    async def on_play(self, message):
        self._session()
        if self.play_task is None:
            self.playing = True
            self.play_task = asyncio.create_task(self.play())

    async def on_pause(self, message):
        await self.stop_playing()
        if self.session is not None:
            await self.send("update", playing=False, **await self.snapshot())

    async def on_step(self, message):
        await self.stop_playing()
        await self.send("update", playing=False, **await self.train_step())

    async def on_ack(self, message):
        self.drawn.set()

    async def on_trace(self, message):
        session = self._session()
        async with self.lock:
            trace = await asyncio.to_thread(
                session.trace, message.get("split"), message.get("index")
            )
        await self.send("trace", **trace)

    async def on_code(self, message):
        await self.send("code", code=self._session().code())

    async def on_download(self, message):
        session = self._session()
        async with self.lock:
            data = await asyncio.to_thread(session.skops_bytes)
        name = f"playground-{session.state.dataset}-epoch{session.snapshot()['epoch']}.skops"
        await self.send("skops", filename=name, data=base64.b64encode(data).decode("ascii"))

    async def snapshot(self):
        async with self.lock:
            return await asyncio.to_thread(self.session.snapshot)

    async def train_step(self):
        session = self._session()
        if session.n_steps >= MAX_STEPS:
            raise StateError(f"This run has reached the limit of {MAX_STEPS} steps: reset it.")

        def step_and_snapshot():
            session.step()
            return session.snapshot()

        async with self.lock:
            return await asyncio.to_thread(step_and_snapshot)

    async def play(self):
        # Stopped by stop_playing() clearing self.playing, not by cancelling the task:
        # a cancellation that meets a finishing step or acknowledgement can be lost
        # (asyncio.wait_for before Python 3.12), and the loop would play on.
        try:
            while self.playing:
                snapshot = await self.train_step()
                if not self.playing:
                    break  # paused during the step: the pause reports the final state
                self.drawn.clear()
                await self.send("update", playing=True, **snapshot)
                # Flow control: the next step waits for the page to draw this one.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.drawn.wait(), ACK_TIMEOUT)
        except (StateError, ValueError) as error:
            self.playing = False
            await self.send("error", message=str(error))
            await self.send("update", playing=False, **await self.snapshot())

    async def stop_playing(self):
        task, self.play_task = self.play_task, None
        self.playing = False
        self.drawn.set()  # no need to wait for the page any more
        if task is not None:
            # Bounded: at most one step and one send are under way.
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await task


def _parse(text):
    if len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise StateError(f"Message too long (more than {MAX_MESSAGE_BYTES} bytes).")
    try:
        message = json.loads(text)
    except json.JSONDecodeError:
        raise StateError("The message is not valid JSON.") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise StateError('A message must be a JSON object with a "type".')
    if not hasattr(Tab, f"on_{message['type']}"):
        raise StateError(f"Unknown message type {message['type']!r}.")
    return message


async def playground_socket(websocket):
    await websocket.accept()
    await Tab(websocket).run()


def create_app():
    """The Starlette application: the page at ``/``, assets under ``/static``, ``/ws``."""
    return Starlette(
        routes=[
            Route("/", index),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            WebSocketRoute("/ws", playground_socket),
        ]
    )


class PlaygroundServer:
    """The server bound to 127.0.0.1:``port`` (0: a free port); :attr:`url` is its address.

    :meth:`run` serves until interrupted; :meth:`start` serves from a thread
    and :meth:`stop` ends it (as the tests do).
    """

    def __init__(self, port=0):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(
            create_app(), log_level="warning", ws_max_size=MAX_MESSAGE_BYTES, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = None

    def run(self):
        # A step's early stop is the playground's design, not news for the console.
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        self.server.run(sockets=[self.socket])

    def start(self, timeout=10.0):
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("The playground server did not start.")
            time.sleep(0.02)
        return self

    def stop(self, timeout=10.0):
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout)
        self.socket.close()
