// Biofeedback: live per-side measures with the target zone, repetitions counted, the session stored at the end.
// Exercises (Programme.kind): relax_rest (the affected side's activity stays below target), eye_open_smile (while
// smiling, the affected eye's closure stays below target), symmetric_smile (while smiling, symmetry ≥ target).
import { LiveSignals, createLandmarker, drawOverlay, faceLuma, framing, readConfig, runLoop, showChecks, startCamera, csrfToken } from "./facemeasure.js";

const config = readConfig();
const prog = config.programme;
const $ = (id) => document.getElementById(id);
const video = $("camera-video"), overlay = $("camera-overlay"), prompt = $("prompt");
const SMILE_FULL = 0.12; // mouth-corner pull (inner-canthal units) shown as a full bar
const SMILING = 0.3, RELAXED = 0.15; // share of a full smile: smiling / back at rest
const CALIBRATION_S = 3;
const clamp = (v) => Math.min(1, Math.max(0, v));
const targetBelow = prog.kind !== "symmetric_smile";

const state = { phase: "idle", t0: 0, last: null, measured: 0, inTarget: 0, reps: 0, holdStart: null, needRelax: false, sumL: 0, sumR: 0, n: 0, perSecond: new Map() };
window.facetwitchTraining = state;

function perSide(s) {
  const smile = { left: clamp(s.mouth.left / SMILE_FULL), right: clamp(s.mouth.right / SMILE_FULL) };
  if (prog.kind === "relax_rest") {
    return { left: Math.max(s.closure.left, smile.left), right: Math.max(s.closure.right, smile.right) };
  }
  return smile;
}

function goal(s, sides) {
  const smiling = (sides.left + sides.right) / 2 >= SMILING;
  if (prog.kind === "relax_rest") return { value: sides[prog.side], active: true, smiling };
  if (prog.kind === "eye_open_smile") return { value: s.closure[prog.side], active: smiling, smiling };
  const big = Math.max(sides.left, sides.right);
  return { value: big > 0 ? 1 - Math.abs(sides.left - sides.right) / big : 1, active: smiling, smiling };
}

function setBar(id, value, zone) {
  const bar = $(id);
  bar.querySelector(".fill").style.width = `${Math.round(100 * clamp(value))}%`;
  if (zone) { const z = bar.querySelector(".zone"); z.style.left = `${100 * zone[0]}%`; z.style.width = `${100 * (zone[1] - zone[0])}%`; }
}

function onSample(t, s, dt) {
  const sides = perSide(s);
  const g = goal(s, sides);
  const ok = g.active && (targetBelow ? g.value <= prog.target : g.value >= prog.target);
  setBar("bar-left", sides.left); setBar("bar-right", sides.right);
  setBar("bar-goal", g.value, targetBelow ? [0, prog.target] : [prog.target, 1]);
  $("val-left").textContent = sides.left.toFixed(2); $("val-right").textContent = sides.right.toFixed(2); $("val-goal").textContent = g.value.toFixed(2);
  $("bar-goal").classList.toggle("in-target", ok);
  state.measured += dt; state.sumL += sides.left; state.sumR += sides.right; state.n += 1;
  if (ok) state.inTarget += dt;
  // Repetitions: the goal held in target for hold_s; smile exercises then need a return to rest.
  if (prog.kind !== "relax_rest" && state.needRelax) { if ((sides.left + sides.right) / 2 < RELAXED) state.needRelax = false; state.holdStart = null; }
  else if (ok) {
    state.holdStart ??= t;
    if (t - state.holdStart >= prog.hold_s) { state.reps += 1; state.holdStart = null; state.needRelax = prog.kind !== "relax_rest"; }
  } else state.holdStart = null;
  $("reps").textContent = state.reps;
  $("in-target").textContent = Math.round(100 * state.inTarget / Math.max(state.measured, 1e-6));
  const sec = Math.floor(t - state.t0);
  const bucket = state.perSecond.get(sec) || { sum: 0, n: 0, ok: 0 };
  bucket.sum += g.value; bucket.n += 1; bucket.ok += ok ? 1 : 0;
  state.perSecond.set(sec, bucket);
  prompt.textContent = ok ? "In the green zone: hold it." : (g.active ? "Not yet in the zone." : "Smile to start a repetition.");
  if (state.reps >= prog.repetitions) finish();
}

async function finish() {
  if (state.phase !== "training") return;
  state.phase = "saving";
  $("finish").disabled = true;
  const seconds = [...state.perSecond.keys()].sort((a, b) => a - b);
  const aL = state.n ? state.sumL / state.n : 0, aR = state.n ? state.sumR / state.n : 0;
  const big = Math.max(aL, aR);
  const body = {
    duration_s: (performance.now() - state.started) / 1000,
    measured_s: state.measured,
    time_in_target_s: Math.min(state.inTarget, state.measured),
    repetitions_done: state.reps,
    amplitude_left: aL, amplitude_right: aR,
    symmetry: big > 0 ? 1 - Math.abs(aL - aR) / big : 1,
    trace: {
      t_s: seconds,
      value: seconds.map((s) => state.perSecond.get(s).sum / state.perSecond.get(s).n),
      in_target: seconds.map((s) => state.perSecond.get(s).ok * 2 >= state.perSecond.get(s).n),
    },
  };
  const r = await fetch(config.session_url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }, body: JSON.stringify(body) });
  const data = await r.json();
  const saved = $("saved");
  if (!r.ok) { saved.textContent = `The session could not be saved: ${data.error}`; state.phase = "training"; $("finish").disabled = false; return; }
  state.phase = "saved";
  saved.textContent = `Session saved: ${Math.round(100 * data.fraction_in_target)}% of the time in the target zone, ${state.reps} repetitions.`;
  if (data.url) { const a = document.createElement("a"); a.href = data.url; a.textContent = " Open the session"; saved.appendChild(a); }
  prompt.textContent = "Well done.";
}

async function main() {
  await startCamera(video);
  const landmarker = await createLandmarker(config);
  const live = new LiveSignals();
  let luma = null, frames = 0;
  $("start").disabled = false;
  prompt.textContent = "Press Start, then keep your face relaxed for 3 seconds.";
  runLoop(video, landmarker, (m, meta) => {
    const t = performance.now() / 1000;
    if (frames++ % 15 === 0 && m) luma = faceLuma(video, m.box);
    const f = framing(m, luma);
    showChecks($("framing"), f.checks);
    drawOverlay(overlay, video, m, Object.values(f.checks).every(Boolean));
    const s = live.add(t, m);
    if (state.phase === "calibrating") {
      prompt.textContent = `Relax your face… ${Math.ceil(CALIBRATION_S - (t - state.t0))} s`;
      if (t - state.t0 >= CALIBRATION_S) { live.freeze(); state.phase = "training"; state.t0 = t; state.last = t; $("finish").hidden = false; }
    } else if (state.phase === "training") {
      const dt = Math.min(0.2, t - state.last);
      state.last = t;
      if (s) onSample(t, s, dt);
      else prompt.textContent = f.prompt;
    }
  });
}

$("start").addEventListener("click", () => { state.phase = "calibrating"; state.t0 = performance.now() / 1000; state.started = performance.now(); $("start").hidden = true; });
$("finish").addEventListener("click", () => { finish(); });
main().catch((err) => { prompt.textContent = `The camera could not start: ${err.message || err}. Allow the camera for this page and reload.`; });
