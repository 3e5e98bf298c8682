// Live measures page: per-side signals and the live spasm count; window.facetwitchLive holds the per-frame samples
// (camera time, raw and normalised signals, the camera-file frame when a probe is installed) for the browser/engine agreement test and the benchmark.
import { LiveSignals, createLandmarker, drawOverlay, faceLuma, framing, readConfig, runLoop, showChecks, startCamera } from "./facemeasure.js";

const config = readConfig();
const video = document.getElementById("camera-video");
const overlay = document.getElementById("camera-overlay");
const prompt = document.getElementById("prompt");
const state = { samples: [], fps: 0, frames: 0, ready: false, counts: { left: 0, right: 0, both: 0 }, episodeStarts: [], callMsTotal: 0, error: null };
window.facetwitchLive = state;

const fmt = (v) => (v === undefined || v === null || Number.isNaN(v) ? "—" : (Math.abs(v) < 0.005 ? 0 : v).toFixed(2)); // no "-0.00"

async function main() {
  await startCamera(video);
  const landmarker = await createLandmarker(config);
  const live = new LiveSignals();
  let luma = null;
  state.ready = true;
  prompt.textContent = "Measuring.";
  runLoop(video, landmarker, (m, meta, _result, fps, callMs, source) => {
    state.callMsTotal += callMs;
    const t = meta.mediaTime;
    if (state.frames % 15 === 0 && m) luma = faceLuma(video, m.box);
    state.frames += 1;
    state.fps = fps;
    if (state.frames % 3 === 0) { // the page need not redraw every frame: the measuring loop gets the time
      const f = framing(m, luma);
      showChecks(document.getElementById("framing"), f.checks);
      drawOverlay(overlay, video, m, Object.values(f.checks).every(Boolean));
      prompt.textContent = f.prompt;
    }
    const s = live.add(t, m);
    // A test or benchmark may install window.facetwitchFrameProbe(source): which camera-file frame this was
    // (simulate/camera.py draws each frame's index), read from the very frame the landmarker measured.
    const frame = typeof window.facetwitchFrameProbe === "function" ? window.facetwitchFrameProbe(source) : null;
    state.samples.push(m ? [t, m.aperture.left, m.aperture.right, m.mouth.left, m.mouth.right,
      s ? s.closure.left : null, s ? s.closure.right : null, s ? s.mouth.left : null, s ? s.mouth.right : null, frame]
      : [t, null, null, null, null, null, null, null, null, frame]);
    if (state.samples.length > 20000) state.samples.shift();
    state.counts = live.counter.episodes;
    state.episodeStarts = live.counter.episodeStarts;
    if (state.frames % 5 === 0) {
      document.getElementById("m-closure-left").textContent = fmt(s && s.closure.left);
      document.getElementById("m-closure-right").textContent = fmt(s && s.closure.right);
      document.getElementById("m-mouth-left").textContent = fmt(s && s.mouth.left);
      document.getElementById("m-mouth-right").textContent = fmt(s && s.mouth.right);
      const e = live.counter.episodes;
      document.getElementById("m-spasms").textContent = `${e.left} · ${e.right} · ${e.both}`;
      document.getElementById("m-fps").textContent = fps.toFixed(1);
    }
  });
}

main().catch((err) => { state.error = String(err); prompt.textContent = `The camera or the face model could not start: ${err}`; });
