// Edge digits page: drawing pad, photo upload and live view. Talks to the JSON API of edge/web/server.py.
"use strict";

const $ = (id) => document.getElementById(id);
const maxUploadMb = parseFloat(document.querySelector("main").dataset.maxUploadMb);

function show(el, visible) { el.classList.toggle("d-none", !visible); }

function showError(el, message) {
  el.textContent = message;
  show(el, Boolean(message));
}

// POST a body and return the JSON answer; an error answer throws with the server's message.
async function postJson(url, body) {
  const response = await fetch(url, { method: "POST", body });
  let answer = null;
  try { answer = await response.json(); } catch (e) { /* not JSON: reported below */ }
  if (!response.ok) throw new Error(answer && answer.error ? answer.error : `${response.status} ${response.statusText}`);
  return answer;
}

// Numbers as large badges; "none" when nothing was found.
function renderNumbers(el, numbers) {
  el.replaceChildren();
  if (!numbers.length) {
    const none = document.createElement("span");
    none.className = "text-body-secondary fs-5";
    none.textContent = "none";
    el.append(none);
  }
  for (const n of numbers) {
    const badge = document.createElement("span");
    badge.className = "badge text-bg-success";
    badge.textContent = n.text;
    el.append(badge);
  }
}

/* ---- Draw: black ink on a white canvas, pointer events cover mouse, pen and touch ---- */
const pad = $("pad");
const ctx = pad.getContext("2d");
const INK_WIDTH = 22; // canvas pixels on the 280x280 pad: about a pen stroke on MNIST's scale
let drawing = false;
let last = null;
let inked = false;

function clearPad() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  inked = false;
  show($("digit-result"), false);
  show($("digit-hint"), true);
  showError($("digit-error"), "");
}

function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
}

function strokeTo(p) {
  ctx.strokeStyle = "#000";
  ctx.lineWidth = INK_WIDTH;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  ctx.lineTo(p.x, p.y);
  ctx.stroke();
  last = p;
  inked = true;
}

pad.addEventListener("pointerdown", (e) => {
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  drawing = true;
  last = padPoint(e);
  strokeTo(last); // a tap leaves a dot
});
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const c of (events.length ? events : [e])) strokeTo(padPoint(c));
});
for (const type of ["pointerup", "pointercancel"]) pad.addEventListener(type, () => { drawing = false; });

async function predict() {
  showError($("digit-error"), "");
  if (!inked) { showError($("digit-error"), "Draw a digit first."); return; }
  const button = $("predict");
  button.disabled = true;
  try {
    const png = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
    const form = new FormData();
    form.append("image", png, "drawing.png");
    const answer = await postJson("/api/digit", form);
    $("digit-label").textContent = answer.label;
    $("digit-label").classList.toggle("display-1", answer.label.length === 1); // "not a digit" in smaller type
    $("digit-label").classList.toggle("fs-2", answer.label.length > 1);
    $("digit-input").src = answer.input;
    const grid = $("digit-top"); // label | bar | percentage, one row per label
    grid.replaceChildren();
    for (const t of answer.top) {
      const pct = (100 * t.probability).toFixed(1);
      const label = document.createElement("span");
      label.className = "top-label fw-semibold";
      label.textContent = t.label;
      const bar = document.createElement("div");
      bar.className = "progress prob-bar";
      bar.append(Object.assign(document.createElement("div"), { className: "progress-bar" }));
      bar.firstChild.style.width = `${pct}%`;
      const prob = document.createElement("span");
      prob.className = "small text-end";
      prob.textContent = `${pct}%`;
      grid.append(label, bar, prob);
    }
    show($("digit-hint"), false);
    show($("digit-result"), true);
  } catch (err) {
    showError($("digit-error"), err.message);
  } finally {
    button.disabled = false;
  }
}

$("clear").addEventListener("click", clearPad);
$("predict").addEventListener("click", predict);
clearPad();

/* ---- Photo: read like `edge detect`, show the annotated image and the numbers ---- */
$("photo-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = $("photo-file").files[0];
  showError($("photo-error"), "");
  if (!file) { showError($("photo-error"), "Choose a photo first."); return; }
  if (file.size > maxUploadMb * 1024 * 1024) {
    showError($("photo-error"), `The photo is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${maxUploadMb} MB.`);
    return;
  }
  const button = $("photo-read");
  button.disabled = true;
  try {
    const form = new FormData();
    form.append("image", file, file.name);
    const answer = await postJson("/api/annotate", form);
    renderNumbers($("photo-numbers"), answer.result.numbers);
    $("photo-meta").textContent =
      `${answer.result.digits.length} digit(s) in ${answer.width}x${answer.height} px, read in ${answer.read_ms} ms`;
    $("photo-image").src = answer.image;
    show($("photo-result"), true);
  } catch (err) {
    show($("photo-result"), false);
    showError($("photo-error"), err.message);
  } finally {
    button.disabled = false;
  }
});

/* ---- Live: the stream runs only while its tab is shown; numbers are polled once a second ---- */
const liveTab = $("live");
const LIVE_POLL_MS = 1000;
let livePoll = null;

async function refreshLive() {
  try {
    const response = await fetch("/api/live", { cache: "no-store" });
    const status = await response.json();
    if (!response.ok) throw new Error(status.error || response.statusText);
    if (status.result) renderNumbers($("live-numbers"), status.result.numbers);
    $("live-meta").textContent = status.frame
      ? `frame ${status.frame}, ${status.age_s} s ago, read in ${status.read_ms} ms` : "waiting for the first frame";
    showError($("live-error"), status.error || "");
  } catch (err) {
    showError($("live-error"), `No answer from the server: ${err.message}`);
  }
}

if (liveTab.dataset.hasSource === "true") {
  $("live-tab").addEventListener("shown.bs.tab", () => {
    $("live-image").src = `/stream.mjpg?t=${Date.now()}`;
    refreshLive();
    livePoll = setInterval(refreshLive, LIVE_POLL_MS);
  });
  $("live-tab").addEventListener("hidden.bs.tab", () => {
    $("live-image").removeAttribute("src"); // closes the stream so the camera thread can idle
    clearInterval(livePoll);
  });
}
