// inpaintkit page: open a photo, click or paint what to remove, compare, download.
//
// The photo and every layer live in canvases at the photo's *full* resolution (a
// 4000×3000 photo gives 4000×3000 canvases) and CSS scales them to fit the window, so
// what is sent and downloaded is always full size. The layers hold paint in opaque
// colours; the overlay's transparency is CSS. In the "Click object" tool the selection is
// a prompt as in SAM-style tools: the first left click picks an object, further left
// clicks add parts, right clicks (or Alt+clicks) take parts away and a drag draws a box
// that bounds it; each change asks /api/segment for the new proposal. "Remove" sends either
//   the prompt, to /api/remove, when the red area is that proposal only (the server
//   redoes the segmentation and builds the guidance of §5.4.3 itself; a hole over
//   the server's limit — a quarter of the photo — is sent only after the user agrees), or
//   mask     = the red layer as a PNG with alpha (server: alpha at least half opaque = hole) and
//   guidance = "do not copy from here" (§5.4): the blue "avoid" paint, plus — when any
//              green "copy from" paint exists — everything that is *not* green,
//   to /api/inpaint, with removal = true (the hole is an object: filled as /api/remove fills it).
// History is a list of actions (strokes, proposed masks, clears, results) rather than
// pixel snapshots: undo replays the actions since the last result, which costs
// milliseconds and no memory even at 12 MP. A removal's result is itself an action, so
// undo also steps back to the photo before it, with the mask that produced it.
"use strict";

const $ = (id) => document.getElementById(id);
const COLORS = { mask: "rgb(255,40,40)", avoid: "rgb(40,110,255)", copy: "rgb(40,220,90)" };
const LAYERS = ["mask", "avoid", "copy"];
const TOOL_LAYER = { brush: "mask", avoid: "avoid", copy: "copy", eraser: "all" };

const state = {
  original: null,     // {blob, bitmap, width, height, name}: the opened photo
  press: null,        // the pointer press in the click tool: {x, y, clientX, clientY, exclude}
  done: [],           // actions, oldest first
  undone: [],         // actions undone, most recent last
  drawn: null,        // the image now on the photo canvas
  stroke: null,       // the stroke being painted
  tool: "click",
  busy: false,
  maxPixels: Infinity,
  maxHole: 0.25,      // replaced by the server's max_unasked_hole_fraction
  results: 0,
};

const canvases = {
  photo: $("photo"), before: $("before"),
  mask: $("mask-layer"), avoid: $("avoid-layer"), copy: $("copy-layer"), prompt: $("prompt-layer"),
};
const DRAG_PIXELS = 6; // a press that moves further (screen pixels) draws a box
// The paint layers are read back (the mask sent, an erased layer checked): the first
// getContext sets that, so Chrome keeps them where reading is cheap.
for (const layer of LAYERS) canvases[layer].getContext("2d", { willReadFrequently: true });

// ---- state derived from the action list --------------------------------------------

function lastResultIndex() {
  for (let i = state.done.length - 1; i >= 0; i--) if (state.done[i].kind === "result") return i;
  return -1;
}

function currentImage() {
  const i = lastResultIndex();
  return i < 0 ? state.original : state.done[i].after;
}

function layerActions() {
  return state.done.slice(lastResultIndex() + 1);
}

// The prompt behind the red area: the latest prompt action since the last clear, or null.
function currentPrompt() {
  const actions = layerActions();
  for (let i = actions.length - 1; i >= 0; i--) {
    if (actions[i].kind === "clear") return null;
    if (actions[i].kind === "prompt") return actions[i];
  }
  return null;
}

// Whether a stroke or a prompt came after the last clear (or the last result): Clear has
// something to take away. Erased or not: no pixel readback on every render.
function anythingSinceClear() {
  const actions = layerActions();
  for (let i = actions.length - 1; i >= 0; i--) {
    if (actions[i].kind === "clear") return false;
    if (actions[i].kind === "stroke" || actions[i].kind === "prompt") return true;
  }
  return false;
}

function layerHasPaint(layer) {
  // A test on the actions (any paint after the last clear), and only where an eraser
  // came after that paint, a look at the layer's pixels: an eraser may have wiped it all,
  // and Remove would then send an empty mask.
  const actions = layerActions();
  let erased = false;
  for (let i = actions.length - 1; i >= 0; i--) {
    const a = actions[i];
    if (a.kind === "clear") return false;
    if (a.kind === "stroke" && a.erase) erased = true;
    else if ((a.kind === "stroke" && a.layer === layer) || (a.kind === "prompt" && layer === "mask")) {
      return !erased || canvasHasPaint(canvases[layer]);
    }
  }
  return false;
}

function canvasHasPaint(canvas) {
  const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < px.length; i += 4) if (px[i]) return true;
  return false;
}

// ---- drawing ---------------------------------------------------------------------

function drawStroke(ctx, stroke, from = 0) {
  ctx.save();
  ctx.globalCompositeOperation = stroke.erase ? "destination-out" : "source-over";
  ctx.strokeStyle = ctx.fillStyle = stroke.erase ? "#000" : COLORS[stroke.layer];
  ctx.lineWidth = stroke.size;
  ctx.lineCap = ctx.lineJoin = "round";
  const pts = stroke.points;
  if (pts.length === 1) {
    ctx.beginPath();
    ctx.arc(pts[0][0], pts[0][1], stroke.size / 2, 0, 2 * Math.PI);
    ctx.fill();
  } else {
    ctx.beginPath();
    const start = Math.max(0, from - 1);
    ctx.moveTo(pts[start][0], pts[start][1]);
    for (let i = start + 1; i < pts.length; i++) ctx.lineTo(pts[i][0], pts[i][1]);
    ctx.stroke();
  }
  ctx.restore();
}

function applyAction(action, latestPrompt) {
  if (action.kind === "prompt") {
    // Each prompt action holds the whole proposal: only the latest one is shown.
    if (action === latestPrompt) canvases.mask.getContext("2d").drawImage(action.canvas, 0, 0);
  } else if (action.kind === "clear") {
    for (const layer of LAYERS) clearCanvas(canvases[layer]);
  } else if (action.kind === "stroke") {
    const targets = action.layer === "all" ? LAYERS : [action.layer];
    for (const layer of targets) drawStroke(canvases[layer].getContext("2d"), action);
  }
}

// Green dots on the object, red dots on excluded parts, the box in yellow; sized in
// screen pixels so they read the same on any photo.
function drawPromptMarks(prompt) {
  const canvas = canvases.prompt;
  clearCanvas(canvas);
  if (!prompt) return;
  const ctx = canvas.getContext("2d");
  const rect = canvases.photo.getBoundingClientRect();
  const unit = rect.width ? canvas.width / rect.width : 1;
  const dot = ([x, y], colour) => {
    ctx.beginPath();
    ctx.arc(x + 0.5, y + 0.5, 5 * unit, 0, 2 * Math.PI);
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.lineWidth = 1.5 * unit;
    ctx.strokeStyle = "#000";
    ctx.stroke();
  };
  if (prompt.box) {
    const [x0, y0, x1, y1] = prompt.box;
    ctx.lineWidth = 2 * unit;
    ctx.strokeStyle = "#ffd23f";
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  }
  for (const p of prompt.clicks.concat(prompt.add)) dot(p, "#3ddc84");
  for (const p of prompt.exclude) dot(p, "#ff4d4d");
}

function clearCanvas(canvas) {
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}

function render() {
  const image = currentImage();
  if (!image) return;
  if (state.drawn !== image) {
    for (const canvas of Object.values(canvases)) {
      canvas.width = image.width;
      canvas.height = image.height;
    }
    canvases.photo.getContext("2d").drawImage(image.bitmap, 0, 0);
    state.drawn = image;
    fitStage();
  }
  for (const layer of LAYERS) clearCanvas(canvases[layer]);
  const prompt = currentPrompt();
  for (const action of layerActions()) applyAction(action, prompt);
  drawPromptMarks(prompt && prompt.prompt);
  renderCompare();
  updateControls();
}

function renderCompare() {
  const i = lastResultIndex();
  const show = i >= 0 && !state.busy;
  $("compare-label").hidden = !show;
  canvases.before.hidden = !show;
  $("divider").hidden = !show;
  if (!show) return;
  const before = state.done[i].before;
  const ctx = canvases.before.getContext("2d");
  ctx.clearRect(0, 0, canvases.before.width, canvases.before.height);
  ctx.drawImage(before.bitmap, 0, 0);
  const v = Number($("compare").value);
  // Left of the divider: the photo before the last removal; right: the result.
  canvases.before.style.clipPath = `inset(0 ${100 - v}% 0 0)`;
  $("divider").style.left = `${v}%`;
}

function fitStage() {
  const image = currentImage();
  if (!image) return;
  const box = $("workspace").getBoundingClientRect();
  const scale = Math.min(1, (box.width - 16) / image.width, (box.height - 16) / image.height);
  const stage = $("stage");
  stage.style.width = `${Math.max(1, Math.floor(image.width * scale))}px`;
  stage.style.height = `${Math.max(1, Math.floor(image.height * scale))}px`;
  const pct = Math.round(scale * 100);
  $("status").textContent = `${image.width} × ${image.height} px` + (pct < 100 ? ` · shown at ${pct}%` : "");
}

function updateControls() {
  const has = Boolean(state.original);
  document.querySelectorAll("button, select, input").forEach((el) => {
    if (el.id !== "file-input") el.disabled = state.busy || (!has && el.closest(".toolbar") && el.id !== "model-select");
  });
  $("undo").disabled = state.busy || state.done.length === 0;
  $("redo").disabled = state.busy || state.undone.length === 0;
  $("remove-button").disabled = state.busy || !layerHasPaint("mask");
  $("clear").disabled = state.busy || !anythingSinceClear();
  // Before the first removal a download would only hand the photo back, named "inpainted".
  for (const id of ["download-png", "download-jpeg"]) $(id).disabled = state.busy || lastResultIndex() < 0;
  document.querySelectorAll(".tool").forEach((b) => b.setAttribute("aria-checked", String(b.dataset.tool === state.tool)));
  $("stage").style.cursor = state.tool === "click" ? "crosshair" : "none";
  document.body.dataset.busy = String(state.busy);
  document.body.dataset.results = String(state.results);
}

function hint(text) {
  $("hint").textContent = text;
}

function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 6000);
}

function clearToast() {
  clearTimeout(toast.timer);
  $("toast").hidden = true;
}

// ---- history -------------------------------------------------------------------------

function push(action) {
  state.done.push(action);
  state.undone = [];
  render();
}

function undo() {
  if (state.busy || !state.done.length) return;
  state.undone.push(state.done.pop());
  render();
  settledHint();
}

function redo() {
  if (state.busy || !state.undone.length) return;
  state.done.push(state.undone.pop());
  render();
  settledHint();
}

// After undo or redo the last hint may speak of a step that is gone (a slider no longer
// shown, a selection taken back): say what the page now holds.
function settledHint() {
  if (layerHasPaint("mask")) hint("Press Remove to fill the red area, or keep painting.");
  else if (state.done.length && state.done[state.done.length - 1].kind === "result") {
    hint("Done. Drag the slider below to compare, or download the result.");
  } else hint("Click an object to remove it, or paint over it with the brush.");
}

// ---- pointer input -------------------------------------------------------------------

function toImage(event) {
  const rect = canvases.photo.getBoundingClientRect();
  const image = currentImage();
  return [
    (event.clientX - rect.left) * (image.width / rect.width),
    (event.clientY - rect.top) * (image.height / rect.height),
  ];
}

function brushSize() {
  // The slider is in screen pixels; the stroke is stored in image pixels.
  const rect = canvases.photo.getBoundingClientRect();
  return Number($("brush-size").value) * (currentImage().width / rect.width);
}

function onPointerDown(event) {
  if (state.busy || !state.original) return;
  const [x, y] = toImage(event);
  if (state.tool === "click") {
    if (event.button !== 0 && event.button !== 2) return;
    $("stage").setPointerCapture(event.pointerId);
    state.press = { x, y, clientX: event.clientX, clientY: event.clientY,
                    exclude: event.button === 2 || event.altKey, dragging: false };
    return;
  }
  if (event.button !== 0) return;
  $("stage").setPointerCapture(event.pointerId);
  const layer = TOOL_LAYER[state.tool];
  state.stroke = { kind: "stroke", layer, erase: layer === "all", size: brushSize(), points: [[x, y]] };
  applyAction(state.stroke);
}

function onPointerMove(event) {
  moveCursor(event);
  if (state.press) return dragBox(event);
  if (!state.stroke) return;
  const stroke = state.stroke;
  stroke.points.push(toImage(event));
  const targets = stroke.layer === "all" ? LAYERS : [stroke.layer];
  for (const layer of targets) drawStroke(canvases[layer].getContext("2d"), stroke, stroke.points.length - 1);
}

function onPointerUp(event) {
  if (state.press) return finishPress(event);
  if (!state.stroke) return;
  const stroke = state.stroke;
  state.stroke = null;
  push(stroke);
  if (stroke.layer === "mask") hint("Press Remove to fill the red area, or keep painting.");
}

// A left press that moves draws a box; the box is shown in screen pixels while dragging.
function dragBox(event) {
  const press = state.press;
  const dx = event.clientX - press.clientX, dy = event.clientY - press.clientY;
  if (!press.dragging && (press.exclude || Math.hypot(dx, dy) < DRAG_PIXELS)) return;
  press.dragging = true;
  const stage = $("stage").getBoundingClientRect();
  const el = $("box-drag");
  el.hidden = false;
  el.style.left = `${Math.min(event.clientX, press.clientX) - stage.left}px`;
  el.style.top = `${Math.min(event.clientY, press.clientY) - stage.top}px`;
  el.style.width = `${Math.abs(dx)}px`;
  el.style.height = `${Math.abs(dy)}px`;
}

function finishPress(event) {
  const press = state.press;
  state.press = null;
  $("box-drag").hidden = true;
  const image = currentImage();
  const clamp = (v, max) => Math.min(Math.max(v, 0), max);
  const previous = currentPrompt();
  const prompt = previous
    ? { ...previous.prompt, add: [...previous.prompt.add], exclude: [...previous.prompt.exclude] }
    : { clicks: [], add: [], exclude: [], box: null };
  if (press.dragging) {
    const [x, y] = toImage(event);
    const xs = [clamp(press.x, image.width), clamp(x, image.width)].sort((a, b) => a - b);
    const ys = [clamp(press.y, image.height), clamp(y, image.height)].sort((a, b) => a - b);
    prompt.box = [Math.floor(xs[0]), Math.floor(ys[0]), Math.ceil(xs[1]), Math.ceil(ys[1])];
  } else {
    const point = [Math.floor(press.x), Math.floor(press.y)];
    if (press.exclude) {
      if (!previous) return toast("Click the object first; right-click (or Alt+click) then takes a part away.");
      prompt.exclude.push(point);
    } else if (!prompt.clicks.length && !prompt.box) {
      prompt.clicks.push(point);
    } else {
      prompt.add.push(point);
    }
  }
  return segmentPrompt(prompt);
}

function moveCursor(event) {
  const cursor = $("cursor");
  if (state.tool === "click" || !state.original) { cursor.hidden = true; return; }
  const rect = $("stage").getBoundingClientRect();
  const size = Number($("brush-size").value);
  cursor.hidden = false;
  cursor.style.width = cursor.style.height = `${size}px`;
  cursor.style.left = `${event.clientX - rect.left}px`;
  cursor.style.top = `${event.clientY - rect.top}px`;
}

// ---- talking to the server -------------------------------------------------------------

// POST a form with upload progress; resolves to the response Blob, rejects with the
// server's one-sentence error.
function post(url, form, label) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.responseType = "blob";
    const bar = $("busy-progress");
    const started = performance.now();
    let poll = null;
    const working = () => {
      bar.removeAttribute("value"); // indeterminate while the model works
      const tick = async () => {
        const seconds = ((performance.now() - started) / 1000).toFixed(0);
        let queue = "";
        try {
          const health = await (await fetch("/api/health")).json();
          if (health.queued > 0) queue = ` · ${health.queued} waiting`;
        } catch (_) { /* the answer matters more than the queue length */ }
        $("busy-text").textContent = `${label}… ${seconds} s${queue}`;
      };
      tick();
      poll = setInterval(tick, 1000);
    };
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      bar.value = (100 * e.loaded) / e.total;
      $("busy-text").textContent = `Uploading… ${Math.round(bar.value)}%`;
    };
    xhr.upload.onload = working;
    xhr.onload = async () => {
      clearInterval(poll);
      if (xhr.status === 200) return resolve(xhr.response);
      let detail = `the server answered ${xhr.status}`;
      try { detail = JSON.parse(await xhr.response.text()).detail || detail; } catch (_) { /* keep */ }
      reject(new Error(detail));
    };
    xhr.onerror = () => { clearInterval(poll); reject(new Error("the server cannot be reached; is `inpaintkit serve` still running?")); };
    $("busy-text").textContent = `${label}…`;
    bar.value = 0;
    xhr.send(form);
  });
}

async function withBusy(label, work) {
  state.busy = true;
  $("busy").hidden = false;
  $("busy-text").textContent = `${label}…`;
  updateControls();
  renderCompare();
  try {
    await work();
  } catch (error) {
    toast(capitalise(error.message || String(error)));
  } finally {
    state.busy = false;
    $("busy").hidden = true;
    render();
  }
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function imageForm(extra) {
  const image = currentImage();
  const form = new FormData();
  form.append("image", image.blob, image.name);
  for (const [key, value] of Object.entries(extra)) form.append(key, value);
  return form;
}

// The prompt as form fields: only those it has (the server refuses empty prompts).
function promptFields(prompt) {
  const fields = {};
  if (prompt.clicks.length) fields.clicks = JSON.stringify(prompt.clicks);
  if (prompt.add.length) fields.add = JSON.stringify(prompt.add);
  if (prompt.exclude.length) fields.exclude = JSON.stringify(prompt.exclude);
  if (prompt.box) fields.box = JSON.stringify(prompt.box);
  return fields;
}

function segmentPrompt(prompt) {
  return withBusy("Finding the object", async () => {
    const blob = await post("/api/segment", imageForm(promptFields(prompt)), "Finding the object");
    const image = currentImage();
    const mask = await createImageBitmap(blob);
    const tinted = tint(mask, image.width, image.height, [255, 40, 40]);
    push({ kind: "prompt", prompt, canvas: tinted.canvas, fraction: tinted.fraction });
    const share = `${Math.round(100 * tinted.fraction)}% of the photo`;
    hint(tinted.fraction > state.maxHole
      ? `The red area covers ${share}: Remove will ask first. Right-click parts to keep, or drag a box.`
      : `The red area (${share}) will be removed. Click to add a part, right-click (or Alt+click) to take one away, drag a box to bound it; then press Remove.`);
  });
}

// White-on-black mask image → {canvas with the colour where the mask is, transparent
// elsewhere; fraction of the photo the mask covers}.
function tint(bitmap, width, height, rgb) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, width, height);
  const px = data.data;
  let count = 0;
  for (let i = 0; i < px.length; i += 4) {
    const on = px[i] > 127;
    count += on;
    px[i] = rgb[0]; px[i + 1] = rgb[1]; px[i + 2] = rgb[2]; px[i + 3] = on ? 255 : 0;
  }
  ctx.putImageData(data, 0, 0);
  return { canvas, fraction: count / (width * height) };
}

function canvasBlob(canvas, type = "image/png", quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

// Guidance map (§5.4), opaque = "do not copy from here". Opaque *white* so that a reader
// using either the alpha channel or the grey value gets the same map.
async function guidanceBlob() {
  const hasCopy = layerHasPaint("copy");
  if (!hasCopy && !layerHasPaint("avoid")) return null;
  const { width, height } = currentImage();
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (hasCopy) {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.globalCompositeOperation = "destination-out";
    ctx.drawImage(canvases.copy, 0, 0);
    ctx.globalCompositeOperation = "source-over";
  }
  ctx.drawImage(whiten(canvases.avoid), 0, 0);
  return canvasBlob(canvas);
}

function whiten(layer) {
  const canvas = document.createElement("canvas");
  canvas.width = layer.width;
  canvas.height = layer.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(layer, 0, 0);
  ctx.globalCompositeOperation = "source-in";
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  return canvas;
}

// The prompt action behind the red area when it is the proposal only (no brush, eraser
// or guidance paint since the last clear), else null. /api/remove then redoes exactly
// that segmentation and adds the automatic guidance of §5.4.3: the fill avoids copying
// from the other people and objects in the photo.
function promptOnlySelection() {
  for (const action of layerActions()) {
    if (action.kind !== "clear" && action.kind !== "prompt") return null;
  }
  return currentPrompt();
}

// The fill's detail (form field ``detail``): the photo's own patches, or the network alone.
function detailMode() {
  return $("detail-toggle").checked ? "synthesis" : "none";
}

// null when the user declines to remove a large proposal, else the request's promise.
async function removalRequest() {
  const model = $("model-select").value;
  const detail = detailMode();
  const selection = promptOnlySelection();
  if (selection) {
    const fields = { ...promptFields(selection.prompt), model, detail, format: "png" };
    if (selection.fraction > state.maxHole) {
      const share = Math.round(100 * selection.fraction);
      if (!window.confirm(`The red area covers ${share}% of the photo, more than ${Math.round(100 * state.maxHole)}% `
                          + "a removal takes unasked. Remove it anyway?")) return null;
      fields.allow_large_hole = "true";
    }
    return post("/api/remove", imageForm(fields), "Removing");
  }
  // A painted removal is an object removal too: the server fills it as /api/remove would.
  const form = imageForm({ model, detail, format: "png", removal: "true" });
  form.append("mask", await canvasBlob(whiten(canvases.mask)), "mask.png");
  const guidance = await guidanceBlob();
  if (guidance) form.append("guidance", guidance, "guidance.png");
  return post("/api/inpaint", form, "Removing");
}

function removeMasked() {
  if (state.busy) return;
  if (!layerHasPaint("mask")) {
    toast("Click an object or paint over it first.");
    return;
  }
  return withBusy("Removing", async () => {
    const before = currentImage();
    const blob = await removalRequest();
    if (!blob) return;
    const bitmap = await createImageBitmap(blob);
    const after = { blob, bitmap, width: bitmap.width, height: bitmap.height, name: before.name };
    state.results += 1;
    push({ kind: "result", before, after });
    hint("Done. Drag the slider below to compare. Click or paint to remove more, or download the result.");
  });
}

// One step: the server finds the text and fills it (its form field ``text``).
function removeText() {
  if (state.busy || !state.original) return;
  return withBusy("Removing text", async () => {
    const before = currentImage();
    const blob = await post("/api/remove", imageForm({ text: "true", model: $("model-select").value, detail: detailMode(), format: "png" }),
                            "Removing text");
    const bitmap = await createImageBitmap(blob);
    state.results += 1;
    push({ kind: "result", before, after: { blob, bitmap, width: bitmap.width, height: bitmap.height, name: before.name } });
    hint("Done. Drag the slider below to compare, or download the result.");
  });
}

// ---- opening and saving -------------------------------------------------------------

async function openFile(file) {
  if (!file) return;
  if (state.busy) return toast("Wait for the current removal to finish.");
  if (file.type && !file.type.startsWith("image/")) return toast(`${file.name} is not an image.`);
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch (_) {
    return toast(`${file.name} cannot be read as an image.`);
  }
  if (bitmap.width * bitmap.height > state.maxPixels) {
    toast(`This photo has ${(bitmap.width * bitmap.height / 1e6).toFixed(0)} MP; the server accepts up to ${(state.maxPixels / 1e6).toFixed(0)} MP.`);
  }
  clearToast(); // the last photo's message is not about this one
  state.original = { blob: file, bitmap, width: bitmap.width, height: bitmap.height, name: file.name || "photo" };
  state.done = [];
  state.undone = [];
  state.drawn = null;
  $("dropzone").hidden = true;
  $("stage").hidden = false;
  render();
  hint("Click an object to remove it, or paint over it with the brush.");
}

async function download(type) {
  const image = currentImage();
  if (!image) return;
  const ext = type === "image/png" ? "png" : "jpg";
  // A server result is already a PNG: hand over its exact bytes. Otherwise encode the
  // full-resolution photo canvas.
  const blob = type === "image/png" && image.blob.type === "image/png"
    ? image.blob
    : await canvasBlob(canvases.photo, type, 0.95);
  const stem = image.name.replace(/\.[^.]+$/, "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${stem}-inpainted.${ext}`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

async function loadModels() {
  try {
    const info = await (await fetch("/api/models")).json();
    state.maxPixels = info.max_pixels;
    if (info.max_unasked_hole_fraction) state.maxHole = info.max_unasked_hole_fraction;
    const select = $("model-select");
    select.innerHTML = "";
    for (const model of info.models) {
      const option = new Option(model.ready ? model.name : `${model.name} (no weights)`, model.name);
      option.disabled = !model.ready;
      option.selected = model.default;
      select.add(option);
    }
  } catch (_) {
    toast("The list of models could not be loaded; is the server running?");
  }
}

// ---- wiring ------------------------------------------------------------------------------

function setTool(tool) {
  state.tool = tool;
  updateControls();
  hint({
    click: "Click an object to select it; click again to add a part, right-click (or Alt+click) to take one away, drag a box to bound it.",
    brush: "Paint over what to remove.",
    eraser: "Erase paint from any layer.",
    avoid: "Paint what the fill must not copy from (other people, objects).",
    copy: "Paint the background the fill should copy from; it will copy from nowhere else.",
  }[tool]);
}

function wire() {
  $("file-input").addEventListener("change", (e) => { openFile(e.target.files[0]); e.target.value = ""; });
  document.querySelectorAll(".tool").forEach((b) => b.addEventListener("click", () => setTool(b.dataset.tool)));
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("clear").addEventListener("click", () => push({ kind: "clear" }));
  $("remove-button").addEventListener("click", removeMasked);
  $("remove-text").addEventListener("click", removeText);
  $("download-png").addEventListener("click", () => download("image/png"));
  $("download-jpeg").addEventListener("click", () => download("image/jpeg"));
  $("compare").addEventListener("input", renderCompare);
  const stage = $("stage");
  stage.addEventListener("pointerdown", onPointerDown);
  stage.addEventListener("pointermove", onPointerMove);
  stage.addEventListener("pointerup", onPointerUp);
  stage.addEventListener("pointercancel", onPointerUp);
  stage.addEventListener("pointerleave", () => { $("cursor").hidden = true; });
  stage.addEventListener("contextmenu", (e) => e.preventDefault()); // right click = exclude
  // The workspace changes size with the window and when the toolbar, hint or footer wrap
  // onto another line (the compare slider appearing after a removal): fit the photo anew.
  new ResizeObserver(fitStage).observe($("workspace"));
  document.addEventListener("dragover", (e) => { e.preventDefault(); document.body.classList.add("dragging"); });
  document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    document.body.classList.remove("dragging");
    openFile(e.dataTransfer.files[0]);
  });
  document.addEventListener("keydown", onKey);
}

function onKey(e) {
  if (e.target.tagName === "SELECT" || e.target.type === "text") return;
  const key = e.key.toLowerCase();
  if ((e.ctrlKey || e.metaKey) && key === "z") { e.preventDefault(); (e.shiftKey ? redo : undo)(); return; }
  if ((e.ctrlKey || e.metaKey) && key === "y") { e.preventDefault(); redo(); return; }
  // While a request runs, keys change nothing: Esc would clear the mask the result is for.
  if (e.ctrlKey || e.metaKey || e.altKey || !state.original || state.busy) return;
  const tools = { c: "click", b: "brush", e: "eraser", a: "avoid", f: "copy" };
  if (tools[key]) setTool(tools[key]);
  else if (key === "enter") removeMasked();
  else if (key === "escape" && !$("clear").disabled) push({ kind: "clear" });
  else if (key === "[" || key === "]") {
    const size = $("brush-size");
    size.value = Number(size.value) * (key === "]" ? 1.25 : 0.8);
  }
}

wire();
setTool("click");
hint("Open or drop a photo to start.");
loadModels();
