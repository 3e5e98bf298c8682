// Live face measurement in the browser: MediaPipe's face landmarker for the web (served by the app itself),
// the same per-side geometry as the offline engine (facetwitch/signals.py: measure), framing checks, live
// normalisation against the patient's own rest, and a live spasm-episode counter (facetwitch/events/ rules).
// Sides are the patient's own. Times in seconds.

// The engine's definition (facetwitch/live.py: landmark indices, quality limits, baselines, detection thresholds),
// read from the page's config so that the page and the engine cannot drift apart.
let ENGINE = null;
export const SIDES = ["left", "right"];
const OTHER = { left: "right", right: "left" };

// Stricter framing guidance for recording than the engine's quality limits (the face's brightness: the engine's
// own limits, which its analysis warns about).
export const FRAMING = { maxYawDeg: 15, maxPitchDeg: 15, maxRollDeg: 8, minFaceWidth: 0.25, centreTol: 0.15 };

export function readConfig() {
  const config = JSON.parse(document.getElementById("capture-config").textContent);
  ENGINE = config.engine;
  return config;
}

export async function createLandmarker(config) {
  const vision = await import(config.bundle_url);
  const fileset = await vision.FilesetResolver.forVisionTasks(config.wasm_url);
  return vision.FaceLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: config.model_url, delegate: "CPU" },
    runningMode: "VIDEO",
    numFaces: 1,
    outputFacialTransformationMatrixes: true,
    outputFaceBlendshapes: false,
  });
}

export async function startCamera(video) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  return stream;
}

// 3x3 rotation (row r, column c like numpy's pose[:3, :3]) scaled to unit columns. MediaPipe's Matrix is
// documented column-major; the layout is checked by where the translation sits.
function rotation(matrix) {
  const d = matrix.data;
  const colMajor = Math.abs(d[12]) + Math.abs(d[13]) + Math.abs(d[14]) >= Math.abs(d[3]) + Math.abs(d[7]) + Math.abs(d[11]);
  const at = (r, c) => (colMajor ? d[c * 4 + r] : d[r * 4 + c]);
  const scale = Math.hypot(at(0, 0), at(1, 0), at(2, 0)) || 1;
  const R = [];
  for (let r = 0; r < 3; r++) R.push([at(r, 0) / scale, at(r, 1) / scale, at(r, 2) / scale]);
  return R;
}

function headAngles(R) {
  const deg = 180 / Math.PI;
  const yaw = Math.asin(Math.max(-1, Math.min(1, -R[2][0]))) * deg;
  const pitch = Math.atan2(R[2][1], R[2][2]) * deg;
  const roll = Math.atan2(R[1][0], R[0][0]) * deg;
  return { yaw, pitch, roll };
}

const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

// One frame's raw geometry, as signals.measure(): the landmarks rotated into the head's own frame,
// eye aperture (mean lid gap / eye width, 3-D), and cheek height and the mouth corner's position along the
// up-and-outward diagonal, relative to the nose tip, in units of the inner-canthal distance; plus pose and framing.
export function measure(result, width, height, engine = ENGINE) {
  if (!result || !result.faceLandmarks || result.faceLandmarks.length === 0) return null;
  const L = engine.landmarks, EYE = L.eye;
  const lm = result.faceLandmarks[0];
  const R = result.facialTransformationMatrixes && result.facialTransformationMatrixes.length
    ? rotation(result.facialTransformationMatrixes[0]) : [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const at = (i) => [lm[i].x * width, -lm[i].y * height, -lm[i].z * width]; // image axes -> y up, z to the camera
  const nose = at(L.nose_tip);
  const f = (i) => {
    const p = at(i), c = [p[0] - nose[0], p[1] - nose[1], p[2] - nose[2]];
    return [0, 1, 2].map((k) => c[0] * R[0][k] + c[1] * R[1][k] + c[2] * R[2][k]);
  };
  const unit = dist(f(EYE.left.inner), f(EYE.right.inner)) || 1;
  const out = { aperture: {}, mouth: {}, cheek: {} };
  const outward = { left: 1, right: -1 };
  for (const s of SIDES) {
    const e = EYE[s];
    const eyeWidth = dist(f(e.outer), f(e.inner));
    const lids = e.pairs.reduce((acc, [a, b]) => acc + dist(f(a), f(b)), 0) / e.pairs.length;
    out.aperture[s] = lids / eyeWidth;
    out.cheek[s] = f(L.cheek[s])[1] / unit;
    const corner = f(L.mouth_corner[s]);
    out.mouth[s] = (outward[s] * corner[0] + corner[1]) / (Math.SQRT2 * unit);
  }
  const centre = (s) => [(lm[EYE[s].outer].x + lm[EYE[s].inner].x) * width / 2, (lm[EYE[s].outer].y + lm[EYE[s].inner].y) * height / 2];
  const cl = centre("left"), cr = centre("right");
  out.iodPx = Math.hypot(cl[0] - cr[0], cl[1] - cr[1]);
  Object.assign(out, headAngles(R));
  let minX = 1, maxX = 0, minY = 1, maxY = 0;
  for (const p of lm) { minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y); }
  out.box = { x: minX, y: minY, w: maxX - minX, h: maxY - minY };
  const q = engine.quality;
  out.usable = Math.abs(out.yaw) <= q.max_yaw_deg && Math.abs(out.pitch) <= q.max_pitch_deg && out.iodPx >= q.min_iod_px;
  return out;
}

// Mean brightness (0-255) of the face box, from a small copy of the frame.
const lumaCanvas = typeof document !== "undefined" ? document.createElement("canvas") : null;
export function faceLuma(video, box) {
  if (!lumaCanvas || !box) return null;
  lumaCanvas.width = 32; lumaCanvas.height = 32;
  const ctx = lumaCanvas.getContext("2d", { willReadFrequently: true });
  const w = video.videoWidth, h = video.videoHeight;
  ctx.drawImage(video, box.x * w, box.y * h, Math.max(1, box.w * w), Math.max(1, box.h * h), 0, 0, 32, 32);
  const px = ctx.getImageData(0, 0, 32, 32).data;
  let sum = 0;
  for (let i = 0; i < px.length; i += 4) sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
  return sum / (px.length / 4);
}

// Framing checks: each true/false; prompt = what to do about the first failing one.
export function framing(m, luma, engine = ENGINE) {
  const q = engine.quality;
  if (!m) return { checks: { found: false, centred: false, large: false, level: false, lit: false, frontal: false }, prompt: "No face found: sit in front of the camera." };
  const cx = m.box.x + m.box.w / 2, cy = m.box.y + m.box.h / 2;
  const checks = {
    found: true,
    centred: Math.abs(cx - 0.5) <= FRAMING.centreTol && Math.abs(cy - 0.5) <= FRAMING.centreTol + 0.05,
    large: m.box.w >= FRAMING.minFaceWidth,
    level: Math.abs(m.roll) <= FRAMING.maxRollDeg,
    lit: luma === null || (luma >= q.min_face_luma && luma <= q.max_face_luma),
    frontal: Math.abs(m.yaw) <= FRAMING.maxYawDeg && Math.abs(m.pitch) <= FRAMING.maxPitchDeg,
  };
  const prompts = {
    centred: "Move so that your face is in the middle of the picture.",
    large: "Come closer to the camera.",
    level: "Hold your head straight (not tilted).",
    lit: luma !== null && luma > q.max_face_luma ? "Too bright: turn away from the light." : "Too dark: face a window or a lamp.",
    frontal: "Look straight at the camera.",
  };
  const failing = Object.keys(prompts).find((k) => !checks[k]);
  return { checks, prompt: failing ? prompts[failing] : "Good: everything is in place." };
}

function percentile(values, q) {
  if (!values.length) return NaN;
  const s = Float64Array.from(values).sort();
  const pos = (s.length - 1) * q / 100, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

// Noise SD from the median absolute frame-to-frame difference (signals.robust_noise).
function robustNoise(x) {
  if (x.length < 4) return 0;
  const d = [];
  for (let i = 1; i < x.length; i++) d.push(x[i] - x[i - 1]);
  const m = percentile(d, 50);
  return 1.4826 * percentile(d.map((v) => Math.abs(v - m)), 50) / Math.SQRT2;
}

// Live signals relative to the patient's own rest (signals.normalise over the past baseline window instead of a
// centred one): closure 0 (open as usual) .. 1 (as closed as in full blinks); cheek and mouth-corner deflections
// from rest in inner-canthal units; the head's angular speed (degrees/s). And a live episode counter.
export class LiveSignals {
  constructor(engine = ENGINE) {
    this.e = engine;
    this.window = []; // {t, apL, apR, mL, mR, cL, cR}
    this.base = null;
    this.frozen = false;
    this.sinceBase = 99;
    this.prev = null;
    this.speeds = [];
    this.counter = new SpasmCounter(engine);
  }
  freeze() { this.frozen = true; }
  add(t, m) {
    if (!m || !m.usable) { this.prev = null; this.counter.add(t, null); return null; }
    if (!this.frozen) {
      this.window.push({ t, apL: m.aperture.left, apR: m.aperture.right, mL: m.mouth.left, mR: m.mouth.right, cL: m.cheek.left, cR: m.cheek.right });
      while (this.window.length && this.window[0].t < t - this.e.baseline_window_s) this.window.shift();
      if (this.window.length && this.window[this.window.length - 1].t < this.window[0].t) this.window = this.window.slice(-1);
      if (++this.sinceBase >= 5 || !this.base) { this.updateBase(); this.sinceBase = 0; }
    }
    // Head speed median over three frames (signals.head_speed): the pose estimate jumps for a frame in a twitch.
    if (this.prev && t > this.prev.t) {
      const dt = t - this.prev.t;
      this.speeds = [...this.speeds.slice(-2), Math.hypot(m.yaw - this.prev.yaw, m.pitch - this.prev.pitch, m.roll - this.prev.roll) / dt];
    }
    this.prev = { t, yaw: m.yaw, pitch: m.pitch, roll: m.roll };
    const b = this.base;
    const raw = { left: Math.min(1, Math.max(0, 1 - m.aperture.left / b.openL)), right: Math.min(1, Math.max(0, 1 - m.aperture.right / b.openR)) };
    const out = {
      t,
      closure: { left: Math.min(1, raw.left / b.depth), right: Math.min(1, raw.right / b.depth) },
      mouth: { left: m.mouth.left - b.mouthL, right: m.mouth.right - b.mouthR },
      cheek: { left: m.cheek.left - b.cheekL, right: m.cheek.right - b.cheekR },
      headSpeed: this.speeds.length ? percentile(this.speeds, 50) : 0,
      noise: b.noise,
    };
    this.counter.add(t, out);
    return out;
  }
  updateBase() {
    const w = this.window, e = this.e;
    const openL = percentile(w.map((r) => r.apL), e.open_percentile), openR = percentile(w.map((r) => r.apR), e.open_percentile);
    let depth = e.default_closure_depth;
    if (w.length >= 30) {
      const both = w.map((r) => Math.min(Math.max(0, 1 - r.apL / openL), Math.max(0, 1 - r.apR / openR)));
      const p = percentile(both, 99);
      if (p >= 0.4) depth = p;
    }
    const rest = (k) => percentile(w.map((r) => r[k]), e.rest_percentile);
    this.base = {
      openL, openR, depth, mouthL: rest("mL"), mouthR: rest("mR"), cheekL: rest("cL"), cheekR: rest("cR"),
      // Noise of the left-right difference (events/: lower-face thresholds), over the baseline window.
      noise: { mouth: robustNoise(w.map((r) => r.mL - r.mR)), cheek: robustNoise(w.map((r) => r.cL - r.cR)) },
    };
  }
}

// Contractions as in events/, per side: a unilateral eye contraction (one eye closing clearly more than the
// other) or a unilateral lower-face pull (mouth corner or cheek pulled more than the other side's by a margin
// above the noise, the other side moving little), not during a head jerk; bilateral closures longer than a
// blink ("both"); brief one-sided blips at a blink's edges belong to the blink; a lower-face pull during the
// other side's eye squeeze is the mesh's crosstalk. Contractions of a side no more than the merge gap apart are
// one episode (episodes.py).
export class SpasmCounter {
  constructor(engine = ENGINE) {
    this.p = engine.detection;
    this.mergeGapS = engine.merge_gap_s;
    this.episodes = { left: 0, right: 0, both: 0 };
    this.run = { left: null, right: null, both: null }; // {start, last, core, eye}
    this.pending = []; // finished runs waiting for the blink-shadow check
    this.blinks = []; // [start, end] of bilateral closures
    this.lastEnd = { left: -Infinity, right: -Infinity, both: -Infinity };
    this.contractions = [];
    this.episodeStarts = []; // {side, t}: when each episode began
  }
  lowerFace(s, side) {
    const p = this.p, other = OTHER[side];
    return ["cheek", "mouth"].some((region) => {
      const mine = s[region][side], theirs = s[region][other];
      const threshold = Math.max(p.lower_face_min, p.noise_k * (s.noise ? s.noise[region] : 0));
      return mine - theirs > threshold && mine > threshold && mine * p.unilateral_ratio - theirs > 0;
    });
  }
  add(t, s) {
    const p = this.p;
    // A run of frames lasts until the next frame (as events.span does): a run of one frame is one frame long.
    if (this.lastT !== undefined && t > this.lastT) {
      this.intervals = [...(this.intervals || []).slice(-14), t - this.lastT];
      this.dt = [...this.intervals].sort((a, b) => a - b)[Math.floor(this.intervals.length / 2)];
    }
    this.lastT = t;
    const states = { left: "none", right: "none", both: "none" }, eye = { left: false, right: false }; // eye: a unilateral eye core
    if (s) {
      const c = s.closure;
      const steady = !(s.headSpeed > p.max_head_speed_deg_s);
      for (const side of SIDES) {
        const a = c[side], o = c[OTHER[side]];
        eye[side] = steady && a >= p.unilateral_close && a - o >= p.asymmetry && o < p.eye_ratio * a;
        if (eye[side] || (steady && this.lowerFace(s, side))) states[side] = "core";
        else if (a >= p.close_low && a - o >= p.asymmetry / 2) states[side] = "low";
      }
      if (c.left >= p.close && c.right >= p.close) states.both = "core";
      else if (c.left >= p.close_low && c.right >= p.close_low && states.left === "none" && states.right === "none") states.both = "low";
    }
    for (const side of ["left", "right", "both"]) {
      const run = this.run[side];
      if (states[side] === "core" || (run && states[side] === "low")) {
        if (!run) this.run[side] = { start: t, last: t, core: states[side] === "core", eye: !!eye[side] };
        else { run.last = t; run.core = run.core || states[side] === "core"; run.eye = run.eye || !!eye[side]; }
      } else if (run && t - run.last > Math.max(p.bridge_s, 1.5 * (this.dt || 0))) {
        this.run[side] = null;
        if (run.core) this.finish(side, run.start, run.last + (this.dt || 1 / 30), run.eye);
      }
    }
    this.settle(t);
  }
  finish(side, start, end, eye = true) {
    if (side === "both") {
      if (end - start <= this.p.blink_max_s) { this.blinks.push([start, end]); return; }
    } else if (end - start < this.p.min_contraction_s) return;
    this.pending.push({ side, start, end, eye });
  }
  settle(t) {
    const p = this.p;
    const ready = this.pending.filter((e) => t - e.end > p.blink_shadow_s);
    this.pending = this.pending.filter((e) => t - e.end <= p.blink_shadow_s);
    const overlaps = (a, b) => a.start < b.end && b.start < a.end;
    for (const e of ready) {
      const shadow = e.side !== "both" && e.end - e.start <= p.blink_shadow_max_s &&
        this.blinks.some(([a, b]) => e.start <= b + p.blink_shadow_s && e.end >= a - p.blink_shadow_s);
      if (shadow) continue;
      if (e.side !== "both" && !e.eye) {
        const squeezes = [...this.contractions, ...this.pending, ...ready].filter((q) => q.side === OTHER[e.side] && q.eye);
        const running = this.run[OTHER[e.side]];
        if (running && running.eye) squeezes.push({ start: running.start, end: t });
        if (squeezes.some((q) => overlaps(q, e))) continue; // crosstalk (events.contractions._without_crosstalk)
      }
      this.contractions.push(e);
      if (e.start - this.lastEnd[e.side] > this.mergeGapS) {
        this.episodes[e.side] += 1;
        this.episodeStarts.push({ side: e.side, t: e.start });
      }
      this.lastEnd[e.side] = Math.max(this.lastEnd[e.side], e.end);
    }
  }
  flush(t) { for (const side of ["left", "right", "both"]) { const run = this.run[side]; if (run) { this.run[side] = null; if (run.core) this.finish(side, run.start, run.last + (this.dt || 1 / 30), run.eye); } } this.settle(t + 1); }
}

// The loop: one landmarker call per new camera frame (requestVideoFrameCallback), never twice on the same frame.
// A camera video element moves on to newer frames on its own while a slow call runs, so each step holds the frame
// it measures (a VideoFrame snapshot) and takes its time from that frame: the time, the landmarks and whatever
// else reads the frame (onFrame's ``source``) all belong to the same picture.
export function runLoop(video, landmarker, onFrame) {
  let lastMs = 0, stopped = false, frames = 0;
  let snapshots = typeof VideoFrame === "function"; // browsers without WebCodecs measure the element itself
  const started = performance.now();
  const step = (now, meta) => {
    if (stopped) return;
    let snapshot = null;
    try { snapshot = snapshots ? new VideoFrame(video) : null; } catch (_) { snapshot = null; }
    let source = snapshot || video;
    // The frame's own time (s), like the engine's video timestamps.
    const t = snapshot && Number.isFinite(snapshot.timestamp) ? snapshot.timestamp / 1e6 : (meta.mediaTime ?? now / 1000);
    // VIDEO mode needs strictly increasing integer milliseconds.
    const ms = Math.max(Math.round(1000 * t), lastMs + 1);
    lastMs = ms;
    const before = performance.now();
    try {
      let result;
      try {
        result = landmarker.detectForVideo(source, ms);
      } catch (err) {
        if (!snapshot) throw err;
        snapshots = false; // a landmarker that cannot read a VideoFrame: the element from now on
        source = video;
        result = landmarker.detectForVideo(video, ms);
      }
      const callMs = performance.now() - before;
      frames += 1;
      const m = measure(result, video.videoWidth, video.videoHeight);
      onFrame(m, { ...meta, mediaTime: t }, result, frames / ((performance.now() - started) / 1000), callMs, source);
    } finally {
      if (snapshot) snapshot.close();
    }
    video.requestVideoFrameCallback(step);
  };
  video.requestVideoFrameCallback(step);
  return () => { stopped = true; };
}

// Draws the face box and the centre target on the overlay (mirrored like the preview by CSS).
export function drawOverlay(canvas, video, m, ok) {
  if (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight) {
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  }
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 3;
  ctx.strokeStyle = "rgba(255,255,255,0.6)";
  ctx.setLineDash([8, 6]);
  const w = canvas.width, h = canvas.height;
  ctx.beginPath(); ctx.ellipse(w / 2, h / 2, w * 0.2, h * 0.36, 0, 0, 2 * Math.PI); ctx.stroke();
  if (m) {
    ctx.setLineDash([]);
    ctx.strokeStyle = ok ? "#1a7f37" : "#b35900";
    ctx.strokeRect(m.box.x * w, m.box.y * h, m.box.w * w, m.box.h * h);
  }
}

export function showChecks(list, checks) {
  for (const li of list.querySelectorAll("li[data-check]")) {
    const ok = checks[li.dataset.check];
    li.classList.toggle("ok", ok);
    li.classList.toggle("bad", !ok);
    li.setAttribute("aria-label", `${li.textContent.trim()}: ${ok ? "yes" : "not yet"}`);
  }
}

export function csrfToken() {
  const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}
