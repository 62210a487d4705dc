// The playground's page. It only draws what the server computes and sends the
// user's choices back; the server validates every setting, the model lives there.
"use strict";

const ORANGE = [245, 147, 34];
const BLUE = [8, 119, 189];
const WHITE = [255, 255, 255];
const FEATURE_LABELS = {
  "x1": "x\u2081", "x2": "x\u2082", "x1^2": "x\u2081\u00b2", "x2^2": "x\u2082\u00b2",
  "x1*x2": "x\u2081x\u2082", "sin(x1)": "sin x\u2081", "sin(x2)": "sin x\u2082",
};
// Mirrors of the server's limits, for the buttons only: the server enforces them.
const MAX_LAYERS = 6;
const MAX_NEURONS = 8;

const $ = (id) => document.getElementById(id);
const page = {
  socket: null, state: null, points: null, snapshot: null, playing: false,
  selected: null,
};

// ---- colours and heatmaps -------------------------------------------------------------

function colour(v) {
  // v in [-1, 1]: blue (negative) through white to orange (positive).
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const end = t >= 0 ? ORANGE : BLUE;
  const a = Math.abs(t);
  return WHITE.map((w, i) => Math.round(w + (end[i] - w) * a));
}

function heatmapImage(values, size, scale) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  const image = context.createImageData(size, size);
  for (let k = 0; k < size * size; k++) {
    const [r, g, b] = colour(values[k] / scale);
    image.data.set([r, g, b, 255], 4 * k);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

function maxAbs(values) {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m || 1;
}

// ---- the connection -------------------------------------------------------------------

function send(type, payload = {}) {
  if (page.socket && page.socket.readyState === WebSocket.OPEN) {
    page.socket.send(JSON.stringify({ type, ...payload }));
  }
}

function connect() {
  const socket = new WebSocket(`ws://${location.host}/ws`);
  page.socket = socket;
  socket.addEventListener("open", () => send("configure", { state: stateFromHash() }));
  socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    showError("The connection to the playground server is closed: restart it and reload.");
    setPlaying(false);
  });
}

function receive(message) {
  const handlers = {
    configured: onConfigured, update: onUpdate, trace: onTrace, code: onCode,
    skops: onSkops, choices: onChoices, error: onError,
  };
  const handler = handlers[message.type];
  if (handler) handler(message);
}

function onError(message) {
  showError(message.message);
  // A tampered URL: say so, and start from the defaults rather than from nothing.
  if (page.state === null) send("configure", { state: {} });
}

function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

// ---- state: the controls and the URL ---------------------------------------------------

function stateFromHash() {
  const state = {};
  for (const [key, value] of new URLSearchParams(location.hash.slice(1))) state[key] = value;
  return state;
}

function hashFromState(state) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  return "#" + params.toString();
}

function setSelect(select, value) {
  const text = String(value);
  if (![...select.options].some((o) => (o.value || o.text) === text)) {
    select.add(new Option(text, text));
  }
  select.value = text;
}

const SIMPLE_CONTROLS = [
  "dataset", "noise", "train_ratio", "n_samples", "seed", "learning_rate", "activation",
  "solver", "batch_size", "penalty", "alpha", "l1_ratio", "dropout", "grid",
];

function controlsFromState(state) {
  for (const name of SIMPLE_CONTROLS) {
    const control = $(name);
    if (control.tagName === "SELECT") setSelect(control, state[name]);
    else control.value = state[name];
  }
  $("noise-value").textContent = state.noise;
  $("train_ratio-value").textContent = Math.round(state.train_ratio * 100) + "%";
  for (const box of document.querySelectorAll("input[name=feature]")) {
    box.checked = state.features.includes(box.value);
  }
  page.layers = [...state.layers];
  drawLayerControls();
  const regularised = state.penalty !== "none";
  $("alpha").disabled = !regularised;
  $("l1_ratio").disabled = state.penalty !== "elasticnet";
  const stochastic = state.solver !== "lbfgs";
  for (const name of ["learning_rate", "batch_size", "dropout"]) $(name).disabled = !stochastic;
}

function stateFromControls() {
  const state = {};
  for (const name of SIMPLE_CONTROLS) state[name] = $(name).value;
  state.features = [...document.querySelectorAll("input[name=feature]:checked")].map((b) => b.value);
  state.layers = page.layers;
  return state;
}

function configure(changes = {}) {
  clearError();
  send("configure", { state: { ...stateFromControls(), ...changes } });
}

function drawLayerControls() {
  const n = page.layers.length;
  $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  const box = $("neuron-controls");
  box.replaceChildren();
  page.layers.forEach((size, i) => {
    const layer = document.createElement("span");
    layer.className = "layer";
    const minus = document.createElement("button");
    minus.type = "button";
    minus.textContent = "\u2212";
    minus.title = `One neuron fewer in layer ${i + 1}`;
    minus.addEventListener("click", () => changeNeurons(i, -1));
    const plus = document.createElement("button");
    plus.type = "button";
    plus.textContent = "+";
    plus.title = `One neuron more in layer ${i + 1}`;
    plus.addEventListener("click", () => changeNeurons(i, +1));
    const label = document.createElement("span");
    label.textContent = `${size} neuron${size === 1 ? "" : "s"}`;
    layer.append(minus, label, plus);
    box.append(layer);
  });
}

function changeNeurons(i, delta) {
  const size = page.layers[i] + delta;
  if (size < 1 || size > MAX_NEURONS) return;
  page.layers[i] = size;
  configure();
}

// ---- messages from the server ----------------------------------------------------------

function onConfigured(message) {
  page.state = message.state;
  page.points = message.points;
  page.selected = null;
  controlsFromState(message.state);
  history.replaceState(null, "", hashFromState(message.state));
  const scoreName = message.points.classification ? "accuracy" : "R\u00b2";
  $("train-score-name").textContent = $("test-score-name").textContent = scoreName;
  $("trace").textContent = "";
  $("trace-title").textContent = "(click a point)";
  $("code").textContent = "";
  document.body.dataset.configured = String(Number(document.body.dataset.configured || 0) + 1);
}

function onChoices(message) {
  for (const name of message.activations) $("activation").add(new Option(name, name));
  for (const name of message.features) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "feature";
    box.value = name;
    box.addEventListener("change", () => configure());
    label.append(box, FEATURE_LABELS[name] || name);
    $("features").append(label);
  }
}

function onUpdate(snapshot) {
  page.snapshot = snapshot;
  setPlaying(snapshot.playing);
  $("epoch").textContent = String(snapshot.epoch);
  showScore("train-score", snapshot.train_score);
  showScore("test-score", snapshot.test_score);
  drawLoss(snapshot);
  drawSurface(snapshot);
  drawNetwork(snapshot);
  document.body.dataset.steps = String(snapshot.steps);
  if (snapshot.playing) requestAnimationFrame(() => send("ack"));
}

function showScore(id, value) {
  const box = $(id);
  box.dataset.value = value === null ? "" : String(value);
  box.textContent = value === null ? "\u2013" : value.toFixed(3);
}

function onTrace(trace) {
  $("trace-title").textContent =
    `of ${trace.split} point ${trace.index} at (${trace.point.join(", ")}), target ${trace.target}`;
  $("trace").textContent = trace.text;
}

function onCode(message) {
  $("code").textContent = message.code;
}

function onSkops(message) {
  const bytes = Uint8Array.from(atob(message.data), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = message.filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function setPlaying(playing) {
  page.playing = playing;
  document.body.dataset.playing = String(playing);
  $("play").textContent = playing ? "\u23F8 Pause" : "\u25B6 Play";
}

// ---- drawing ---------------------------------------------------------------------------

function toPixel(x, canvas) {
  const d = page.points.domain;
  return [((x[0] + d) / (2 * d)) * canvas.width, ((d - x[1]) / (2 * d)) * canvas.height];
}

function pointColour(y) {
  if (page.points.classification) return y > 0.5 ? ORANGE : BLUE;
  return colour(y / page.targetScale);
}

function drawSurface(snapshot) {
  const canvas = $("surface");
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (!page.points) return;
  const classification = page.points.classification;
  page.targetScale = maxAbs([...page.points.train.y, ...page.points.test.y]);
  if (snapshot.surface) {
    const values = classification ? snapshot.surface.map((p) => 2 * p - 1) : snapshot.surface;
    const image = heatmapImage(values, snapshot.grid, classification ? 1 : page.targetScale);
    context.globalAlpha = 0.8;
    context.imageSmoothingEnabled = true;
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    context.globalAlpha = 1;
  }
  for (const split of ["train", "test"]) {
    const { X, y } = page.points[split];
    X.forEach((x, i) => {
      const [px, py] = toPixel(x, canvas);
      context.beginPath();
      context.arc(px, py, 3.5, 0, 2 * Math.PI);
      context.fillStyle = `rgb(${pointColour(y[i]).join(",")})`;
      context.fill();
      context.lineWidth = split === "test" ? 1.5 : 0.8;
      context.strokeStyle = split === "test" ? "black" : "white";
      context.stroke();
    });
  }
  if (page.selected) {
    const [px, py] = toPixel(page.points[page.selected.split].X[page.selected.index], canvas);
    context.beginPath();
    context.arc(px, py, 8, 0, 2 * Math.PI);
    context.lineWidth = 2;
    context.strokeStyle = "#183d4e";
    context.stroke();
  }
}

function drawLoss(snapshot) {
  const canvas = $("loss");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const curves = [
    [snapshot.train_loss, "#333"],
    [snapshot.test_loss.filter((v) => v !== null), "rgb(245,147,34)"],
  ];
  const all = curves.flatMap(([c]) => c).filter(Number.isFinite);
  if (all.length === 0) return;
  const top = Math.max(...all) || 1;
  const n = Math.max(snapshot.train_loss.length, 2);
  for (const [curve, stroke] of curves) {
    if (curve.length === 0) continue;
    context.beginPath();
    curve.forEach((v, i) => {
      const x = (i / (n - 1)) * (canvas.width - 4) + 2;
      const y = canvas.height - 2 - (v / top) * (canvas.height - 14);
      if (i === 0) context.moveTo(x, y);
      else context.lineTo(x, y);
    });
    context.lineWidth = 1.5;
    context.strokeStyle = stroke;
    context.stroke();
  }
  context.fillStyle = "#666";
  context.font = "11px system-ui, sans-serif";
  const last = snapshot.train_loss[snapshot.train_loss.length - 1];
  context.fillText(`train loss ${last === undefined ? "" : last.toFixed(4)}`, 4, 11);
}

function drawNetwork(snapshot) {
  const canvas = $("network");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (!page.points) return;
  const maps = page.points.feature_maps;
  const size = page.points.heatmap_size;
  const columns = [maps, ...(snapshot.neurons || page.layers.map((n) => Array(n).fill(null)))];
  const node = 40;
  const gapX = (canvas.width - node) / Math.max(columns.length, 1);
  const positions = columns.map((column, c) =>
    column.map((_, r) => {
      const gapY = Math.min(50, (canvas.height - node) / Math.max(column.length - 1, 1));
      const height = (column.length - 1) * gapY;
      return [10 + c * gapX, (canvas.height - node - height) / 2 + r * gapY];
    }));
  // The output node: the decision surface, small.
  const output = [canvas.width - node - 4, (canvas.height - node) / 2];
  const coefs = snapshot.coefs || [];
  coefs.forEach((W, l) => {
    const from = positions[l];
    const to = l + 1 < positions.length ? positions[l + 1] : [output];
    const scale = maxAbs(W.flat());
    W.forEach((row, i) => row.forEach((w, j) => {
      if (!from[i] || !to[j]) return;
      context.beginPath();
      context.moveTo(from[i][0] + node, from[i][1] + node / 2);
      context.lineTo(to[j][0], to[j][1] + node / 2);
      context.lineWidth = 0.5 + 4 * Math.abs(w) / scale;
      context.strokeStyle = `rgba(${(w >= 0 ? ORANGE : BLUE).join(",")},0.8)`;
      context.stroke();
    }));
  });
  columns.forEach((column, c) => column.forEach((values, r) => {
    const [x, y] = positions[c][r];
    if (values) context.drawImage(heatmapImage(values, size, maxAbs(values)), x, y, node, node);
    context.strokeStyle = "#999";
    context.lineWidth = 1;
    context.strokeRect(x, y, node, node);
    if (c === 0) {
      context.fillStyle = "#333";
      context.font = "11px system-ui, sans-serif";
      context.fillText(FEATURE_LABELS[page.points.features[r]] || "", x, y - 2);
    }
  }));
  context.drawImage($("surface"), output[0], output[1], node, node);
  context.strokeRect(output[0], output[1], node, node);
}

// ---- the user's actions ---------------------------------------------------------------

function pickPoint(event) {
  if (!page.points) return;
  const canvas = $("surface");
  const box = canvas.getBoundingClientRect();
  const x = ((event.clientX - box.left) / box.width) * canvas.width;
  const y = ((event.clientY - box.top) / box.height) * canvas.height;
  let best = null;
  for (const split of ["train", "test"]) {
    page.points[split].X.forEach((p, index) => {
      const [px, py] = toPixel(p, canvas);
      const d = Math.hypot(px - x, py - y);
      if (d < 12 && (!best || d < best.d)) best = { split, index, d };
    });
  }
  if (!best) return;
  page.selected = { split: best.split, index: best.index };
  if (page.snapshot) drawSurface(page.snapshot);
  send("trace", page.selected);
}

function bind() {
  $("play").addEventListener("click", () => send(page.playing ? "pause" : "play"));
  $("step").addEventListener("click", () => send("step"));
  $("reset").addEventListener("click", () => { clearError(); send("reset"); });
  $("regenerate").addEventListener("click", () => configure({ seed: Number($("seed").value) + 1 }));
  for (const name of SIMPLE_CONTROLS) $(name).addEventListener("change", () => configure());
  $("noise").addEventListener("input", () => { $("noise-value").textContent = $("noise").value; });
  $("add-layer").addEventListener("click", () => {
    if (page.layers.length < MAX_LAYERS) { page.layers.push(2); configure(); }
  });
  $("remove-layer").addEventListener("click", () => {
    if (page.layers.length > 0) { page.layers.pop(); configure(); }
  });
  $("surface").addEventListener("click", pickPoint);
  $("show-code").addEventListener("click", () => send("code"));
  $("download").addEventListener("click", () => send("download"));
  window.addEventListener("hashchange", () => {
    if (page.state && location.hash !== hashFromState(page.state)) {
      clearError();
      send("configure", { state: stateFromHash() });
    }
  });
}

page.layers = [];
bind();
connect();
