"""The browser playground: its state validation, its session, its server, and the page in Chromium.

Three layers, each proven on its own:

- the session (no web involved): the page's settings are checked against the
  limits, the pipeline is a real feature step then a network, everything shown
  is what the library computes, and the handed-out code and skops file give
  back the same model;
- the server (in-process, 127.0.0.1, a free port): it serves only local
  assets, survives malformed messages, keeps tabs apart, and keeps up the
  update rate;
- the page, in the system's headless Chromium driven by Selenium through the
  system's chromedriver: the donut story by clicking, the code panel and the
  downloaded file.

The browser tests are skipped when no Chromium (or chromedriver) is installed,
except under CI (``CI`` set), where the Makefile installs them and their absence
is a failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
websockets_sync = pytest.importorskip("websockets.sync.client")
ConnectionClosed = pytest.importorskip("websockets.exceptions").ConnectionClosed
skops_io = pytest.importorskip("skops.io")

from _chromium import Chromium, find_chromium  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402

import sklearn_backprop  # noqa: E402
from sklearn_backprop.inspection import hidden_activations  # noqa: E402
from sklearn_backprop.playground import session as playground  # noqa: E402
from sklearn_backprop.playground.data import DATASETS, make_data  # noqa: E402
from sklearn_backprop.playground.server import PlaygroundServer  # noqa: E402
from sklearn_backprop.playground.session import (  # noqa: E402
    PlaygroundState,
    Session,
    StateError,
)
from sklearn_backprop.trace import STEPS  # noqa: E402

STATIC = Path(playground.__file__).with_name("static")


def _session(steps=0, **settings):
    session = Session(PlaygroundState.from_mapping(settings))
    for _ in range(steps):
        session.step()
    return session


def _run_code(code, tmp_path):
    script = tmp_path / "playground_code.py"
    script.write_text(code)
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return float(re.search(r"test (?:accuracy|R\^2): (\S+)", result.stdout).group(1))


# ---- the state the page sends ------------------------------------------------------------


def test_the_default_state_is_the_donut_with_two_hidden_layers():
    state = PlaygroundState.from_mapping({})
    assert (state.dataset, state.features, state.layers) == ("circle", ("x1", "x2"), (4, 2))
    assert PlaygroundState.from_mapping(state.to_mapping()) == state


def test_url_strings_are_read_as_the_settings_they_spell():
    state = PlaygroundState.from_mapping(
        {"layers": "8,8", "features": "x2^2,x1", "noise": "0.2", "seed": "7"}
    )
    assert state.layers == (8, 8)
    assert state.features == ("x1", "x2^2")  # the canonical order
    assert (state.noise, state.seed) == (0.2, 7)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"layers": "1,1,1,1,1,1,1"}, "At most 6 hidden layers"),
        ({"layers": "9"}, "layer 1 must be between 1 and 8"),
        ({"layers": "0"}, "layer 1 must be between 1 and 8"),
        ({"n_samples": "100000"}, "n_samples must be between 20 and 1000"),
        ({"grid": 5000}, "grid must be between 10 and 60"),
        ({"activation": "__import__('os').system('true')"}, "activation must be one of"),
        ({"dataset": "../../etc/passwd"}, "dataset must be one of"),
        ({"features": ""}, "Tick at least one input feature"),
        ({"features": "x1,x3"}, "Unknown feature(s) ['x3']"),
        ({"noise": "nan"}, "noise must be between"),
        ({"seed": "1.5"}, "seed must be a whole number"),
        ({"learning_rate": True}, "learning_rate must be a number"),
        ({"alpha": [1]}, "alpha must be a number"),
        ({"solver": "lbfgs", "dropout": 0.5}, "dropout needs the sgd or adam solver"),
        ({"eval": "1"}, "Unknown setting(s) ['eval']"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_tampered_setting_is_refused_with_a_clear_message(settings, message):
    with pytest.raises(StateError) as error:
        PlaygroundState.from_mapping(settings)
    assert message in str(error.value)


def test_a_state_that_is_not_a_mapping_is_refused():
    with pytest.raises(StateError, match="mapping"):
        PlaygroundState.from_mapping(["dataset", "circle"])


# ---- the session -------------------------------------------------------------------------


@pytest.mark.parametrize("name", DATASETS)
def test_every_data_set_is_reproducible_from_its_seed(name):
    X, y = make_data(name, 200, 0.1, 3)
    X_again, y_again = make_data(name, 200, 0.1, 3)
    assert X.shape == (200, 2)
    assert_allclose(X, X_again)
    assert_allclose(y, y_again)
    if name in playground.CLASSIFICATION:
        assert set(np.unique(y)) == {0, 1}


def test_the_feature_step_is_a_column_transformer_of_the_ticked_features():
    session = _session(features="x1*x2,sin(x2),x1^2,x2", layers="")
    features = session.pipeline.named_steps["features"]
    assert isinstance(features, ColumnTransformer)
    X = session.X_test
    expected = np.column_stack([X[:, 1], X[:, 0] ** 2, X[:, 0] * X[:, 1], np.sin(X[:, 1])])
    assert_allclose(features.transform(X), expected)


@pytest.mark.parametrize("activation", playground.ACTIVATIONS)
def test_every_builtin_activation_trains_in_the_playground(activation):
    session = _session(steps=2, activation=activation, layers="3")
    assert session.network.activation == activation
    assert session.snapshot()["epoch"] == 2


@pytest.mark.parametrize(
    ("penalty", "expected"),
    [
        ("none", ("l2", 0.0)),
        ("l2", ("l2", 0.01)),
        ("l1", ("l1", 0.01)),
        ("elasticnet", ("elasticnet", 0.01)),
    ],
)
def test_the_penalty_choice_becomes_the_networks_penalty_and_alpha(penalty, expected):
    session = _session(steps=1, penalty=penalty, alpha=0.01, dropout=0.2)
    network = session.network
    assert (network.penalty, network.alpha, network.dropout) == (*expected, 0.2)


def test_the_snapshot_shows_what_the_library_computes():
    session = _session(steps=3, layers="5,3", grid=20)
    snapshot = session.snapshot()
    network, features = session.network, session.features
    assert snapshot["epoch"] == 3
    assert_allclose(snapshot["train_loss"], network.loss_curve_)
    assert snapshot["test_score"] == session.pipeline.score(session.X_test, session.y_test)
    grid = playground._grid(20)
    assert_allclose(snapshot["surface"], session.pipeline.predict_proba(grid)[:, 1], atol=5e-4)
    heat = features.transform(playground._grid(playground.HEATMAP_SIZE))
    for shown, A in zip(snapshot["neurons"], hidden_activations(network, heat), strict=True):
        assert_allclose(shown, A.T, atol=5e-4)
    assert [np.shape(W) for W in snapshot["coefs"]] == [(2, 5), (5, 3), (3, 1)]


def test_the_test_loss_curve_is_history_val_loss():
    session = _session(steps=3)
    snapshot = session.snapshot()
    val_loss = [record["val_loss"] for record in session.network.history_]
    assert None not in val_loss
    assert snapshot["test_loss"] == val_loss


def test_a_clicked_point_gets_its_seven_step_trace():
    session = _session(steps=2)
    trace = session.trace("test", 4)
    for step in STEPS:
        assert step in trace["text"]
    assert_allclose(trace["point"], session.X_test[4], atol=1e-4)
    with pytest.raises(StateError, match="index must be a point"):
        session.trace("test", len(session.X_test))
    with pytest.raises(StateError, match="split must be"):
        session.trace("all", 0)


@pytest.mark.parametrize(
    "settings",
    [
        {"dataset": "mixture", "solver": "lbfgs", "layers": "6", "features": "x1,x2,sin(x1)"},
        {"dataset": "spiral", "solver": "sgd", "penalty": "elasticnet", "layers": "8,8"},
    ],
    ids=["lbfgs-regression", "sgd-elasticnet-classification"],
)
def test_the_code_panel_reproduces_the_session_score(settings, tmp_path):
    session = _session(steps=4, **settings)
    assert _run_code(session.code(), tmp_path) == session.snapshot()["test_score"]


def test_the_skops_file_loads_with_the_documented_trusted_types_and_predicts_alike():
    session = _session(steps=3, features="x1,x1^2,x1*x2,sin(x2)", layers="4")
    model = skops_io.loads(session.skops_bytes(), trusted=sklearn_backprop.SKOPS_TRUSTED_TYPES)
    assert_allclose(
        model.predict_proba(session.X_test), session.pipeline.predict_proba(session.X_test)
    )


def test_an_untrained_session_has_nothing_to_take_home():
    with pytest.raises(StateError, match="Train the network first"):
        _session().skops_bytes()


# ---- the server ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    running = PlaygroundServer(port=0).start()
    yield running
    running.stop()


class Client:
    """A WebSocket client of the playground that answers updates as the page does."""

    def __init__(self, server):
        self.exits = ExitStack()  # the connection as a context, closed by close()
        url = server.url.replace("http", "ws") + "ws"
        self.socket = self.exits.enter_context(websockets_sync.connect(url, open_timeout=10))
        assert self.receive()["type"] == "choices"

    def send(self, kind, **payload):
        self.socket.send(json.dumps({"type": kind, **payload}))

    def receive(self, timeout=20):
        return json.loads(self.socket.recv(timeout=timeout))

    def until(self, kind, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(deadline - time.monotonic(), 0.01))
            if message["type"] == kind:
                return message
            if message["type"] == "error" and kind != "error":
                raise AssertionError(message["message"])

    def configure(self, **state):
        self.send("configure", state=state)
        configured = self.until("configured")
        self.until("update")
        return configured

    def close(self):
        self.exits.close()


@pytest.fixture
def client(server):
    connection = Client(server)
    yield connection
    connection.close()


def test_the_page_and_its_assets_are_served_with_a_local_only_policy(server):
    from urllib.request import urlopen

    with urlopen(server.url, timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
        html = response.read().decode()
    assert "default-src 'self'" in policy
    assert "connect-src 'self'" in policy
    for name in ("app.js", "style.css"):
        with urlopen(server.url + "static/" + name, timeout=10) as response:
            assert response.status == 200
    for name in ("index.html", "app.js", "style.css"):
        text = Path(STATIC, name).read_text()
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), name
    assert 'src="/static/app.js"' in html


def test_malformed_messages_get_a_message_and_the_connection_survives(client):
    for text in ("not json", "[1, 2]", '{"type": "__class__"}', '{"type": "trace"}'):
        client.socket.send(text)
        assert client.receive()["type"] == "error"
    client.send("configure", state={"layers": "1,2,3,4,5,6,7"})
    assert "At most 6 hidden layers" in client.until("error")["message"]
    client.configure(layers="3")
    client.send("trace", split="train", index="0; rm -rf /")
    assert "Train the network first" in client.until("error")["message"]
    client.send("step")
    assert client.until("update")["epoch"] == 1
    client.send("trace", split="train", index=10**9)
    assert "index must be a point" in client.until("error")["message"]


def test_an_oversized_message_closes_only_its_own_connection(server, client):
    client.configure()
    client.socket.send("x" * 100_000)
    with pytest.raises(ConnectionClosed):
        client.receive(timeout=10)
    other = Client(server)
    assert other.configure()["state"]["dataset"] == "circle"
    other.close()


def test_tabs_train_their_own_models(server):
    first, second = Client(server), Client(server)
    first.configure(layers="8", seed=1)
    second.configure(dataset="xor", layers="", seed=2, features="x1*x2")
    for _ in range(3):
        first.send("step")
        second.send("step")
        first_update, second_update = first.until("update"), second.until("update")
    alone = _session(steps=3, layers="8", seed=1).snapshot()
    assert first_update["epoch"] == second_update["epoch"] == 3
    assert first_update["test_score"] == alone["test_score"]
    assert first_update["train_loss"] == alone["train_loss"]
    assert second_update["coefs"] != first_update["coefs"]
    first.close()
    second.close()


def test_an_8_by_8_network_on_500_points_updates_at_least_10_times_a_second(client):
    client.configure(layers="8,8", n_samples=500)
    client.send("play")
    client.until("update")
    client.send("ack")  # as the page does once it has drawn an update
    start, updates = time.monotonic(), 0
    while time.monotonic() - start < 2.0:
        message = client.until("update")
        client.send("ack")
        updates += 1
    rate = updates / (time.monotonic() - start)
    client.send("pause")
    while client.until("update")["playing"]:
        pass  # updates already on their way when the pause arrived
    print(f"\nplayground update rate, (8, 8) on 500 points: {rate:.1f} per second")
    assert message["surface"] is not None
    assert rate >= 10


def test_the_command_serves_on_loopback_and_prints_its_url(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "sklearn_backprop.playground", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        line = process.stdout.readline()  # the command prints its URL first, then serves
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        from urllib.request import urlopen

        deadline = time.monotonic() + 20
        while True:
            try:
                with urlopen(url, timeout=5) as response:
                    assert b"sklearn_backprop playground" in response.read()
                break
            except OSError:
                assert time.monotonic() < deadline, "the command did not serve its URL"
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_the_core_never_imports_the_web_dependencies():
    code = (
        "import sys, sklearn_backprop, sklearn_backprop.playground.session; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'websockets') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


# ---- the page, in a real browser ---------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(
                "No chromium under CI: the Makefile's browser step should have installed it."
            )
        pytest.skip(
            "no chromium and chromedriver (apt-get install chromium chromium-driver) for the "
            "browser tests"
        )
    with Chromium(executable) as running:
        yield running


@pytest.fixture
def tab(browser, server):
    opened = []

    def open_tab(fragment=""):
        page = browser.new_tab(server.url + fragment)
        page.wait_for("document.body && document.body.dataset.configured >= 1")
        opened.append(page)
        return page

    yield open_tab
    for page in opened:
        page.close()


def _train(page, epochs, timeout=30):
    """Play until at least ``epochs`` epochs, pause, and return the page's epoch and test score."""
    page.click("#play")
    page.wait_for(f"Number(document.getElementById('epoch').textContent) >= {epochs}", timeout)
    page.click("#play")
    page.wait_for("document.body.dataset.playing === 'false'")
    time.sleep(0.2)  # let the pause's own update land
    epoch = int(page.evaluate("document.getElementById('epoch').textContent"))
    return epoch, float(page.evaluate("document.getElementById('test-score').dataset.value"))


def test_the_page_loads_without_console_errors(tab, tmp_path):
    page = tab("#layers=4,2")
    assert page.evaluate("document.querySelectorAll('input[name=feature]').length") == 7
    assert page.evaluate("document.getElementById('activation').options.length") == 9
    _train(page, 40)
    page.click("#surface")  # a click far from any point is ignored
    page.screenshot(tmp_path / "playground.png")
    target = os.environ.get("PLAYGROUND_SCREENSHOT")
    if target:
        shutil.copy(tmp_path / "playground.png", target)
    assert page.errors() == []


def test_the_circle_without_hidden_layers_on_x1_and_x2_stays_near_chance(tab):
    page = tab("#dataset=circle&features=x1,x2&layers=")
    epoch, accuracy = _train(page, 30)
    print(f"\ncircle, no hidden layer, x1 x2: test accuracy {accuracy:.3f} after {epoch} epochs")
    assert 0.3 < accuracy < 0.7
    assert page.errors() == []


def test_ticking_the_squares_lets_no_hidden_layer_pass_0_9(tab):
    page = tab("#dataset=circle&layers=")
    for feature in ("x1^2", "x2^2"):
        page.click(f"input[name=feature][value='{feature}']")
        page.wait_for(f"location.hash.includes('{feature.replace('^', '%5E')}')")
    epoch, accuracy = _train(page, 30)
    print(
        f"\ncircle, no hidden layer, x1 x2 x1^2 x2^2: test accuracy {accuracy:.3f} ({epoch} epochs)"
    )
    assert accuracy > 0.9
    assert page.errors() == []


def test_two_hidden_layers_on_x1_x2_pass_0_9_and_the_model_goes_home_intact(tab, browser, tmp_path):
    page = tab("#dataset=circle&features=x1,x2&layers=8,8&n_samples=500")
    start = time.monotonic()
    epoch, accuracy = _train(page, 40)
    rate = epoch / (time.monotonic() - start)
    print(f"\ncircle, (8, 8), x1 x2: test accuracy {accuracy:.3f} ({epoch} epochs), "
          f"~{rate:.0f} updates per second in the browser")  # fmt: skip
    assert accuracy > 0.9

    # The code panel's code, run on its own, gives the page's test accuracy exactly.
    page.click("#show-code")
    code = page.wait_for("document.getElementById('code').textContent")
    assert _run_code(code, tmp_path) == accuracy

    # The downloaded file loads with the documented trusted types and predicts as the page.
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    page.allow_downloads(downloads)
    page.click("#download")
    deadline = time.monotonic() + 20
    while not list(downloads.glob("*.skops")):
        assert time.monotonic() < deadline, "no skops file was downloaded"
        time.sleep(0.1)
    time.sleep(0.2)
    (path,) = downloads.glob("*.skops")
    model = skops_io.load(path, trusted=sklearn_backprop.SKOPS_TRUSTED_TYPES)
    state = PlaygroundState.from_mapping(json.loads(page.evaluate("JSON.stringify(page.state)")))
    reference = Session(state)
    assert model.score(reference.X_test, reference.y_test) == accuracy
    surface = page.evaluate("page.snapshot.surface")
    grid = playground._grid(state.grid)
    assert_allclose(model.predict_proba(grid)[:, 1], surface, atol=5e-4)
    assert page.errors() == []


def test_a_tampered_url_gets_a_message_on_the_page(tab):
    page = tab("#layers=1,2,3,4,5,6,7,8&activation=eval")
    message = page.wait_for("document.getElementById('error').textContent")
    assert "activation must be one of" in message or "At most 6 hidden layers" in message
    # The page falls back to the defaults and stays usable.
    page.wait_for("page.state && page.state.dataset === 'circle'")
    page.click("#step")
    page.wait_for("document.getElementById('epoch').textContent === '1'")


def test_clicking_a_point_shows_its_backpropagation_trace(tab):
    page = tab("#layers=3")
    page.click("#step")
    page.wait_for("document.getElementById('epoch').textContent === '1'")
    page.evaluate(
        """(() => {
          const canvas = document.getElementById('surface');
          const [x, y] = toPixel(page.points.train.X[0], canvas);
          const box = canvas.getBoundingClientRect();
          canvas.dispatchEvent(new MouseEvent('click', {
            clientX: box.left + x * box.width / canvas.width,
            clientY: box.top + y * box.height / canvas.height}));
        })()"""
    )
    text = page.wait_for("document.getElementById('trace').textContent")
    for step in STEPS:
        assert step in text
    assert page.errors() == []
