// Record page (clinic "Record now" and the patient's home link): camera, live framing guidance, the guided
// protocol with prompts and timing, MediaRecorder, then the resumable upload.
import { createLandmarker, drawOverlay, faceLuma, framing, readConfig, runLoop, showChecks, startCamera } from "./facemeasure.js";
import { pendingUpload, uploadVideo } from "./upload.js";

const config = readConfig();
const $ = (id) => document.getElementById(id);
const video = $("camera-video"), overlay = $("camera-overlay"), prompt = $("prompt"), startButton = $("start");
let stream, recorder = null, chunks = [], framingPrompt = "", recording = false, goodSince = null;

function pickMime() {
  for (const type of ["video/webm;codecs=vp8", "video/webm;codecs=vp9", "video/webm", "video/mp4"]) {
    if (window.MediaRecorder && MediaRecorder.isTypeSupported(type)) return type;
  }
  return "";
}

async function runProtocol() {
  recording = true;
  startButton.disabled = true;
  startButton.hidden = true;
  $("cancel").hidden = false;
  const mimeType = pickMime();
  recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
  chunks = [];
  recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
  const stopped = new Promise((r) => { recorder.onstop = r; });
  recorder.start(1000);
  const t0 = performance.now();
  const segments = [];
  const items = document.querySelectorAll("#protocol li");
  for (const [i, step] of config.protocol.entries()) {
    if (!recording) break;
    items.forEach((li, j) => li.classList.toggle("current", j === i));
    const start = (performance.now() - t0) / 1000;
    const endAt = performance.now() + step.duration_s * 1000;
    while (recording && performance.now() < endAt) {
      const left = Math.ceil((endAt - performance.now()) / 1000);
      prompt.textContent = `${step.label}: ${step.prompt} ${left} s`;
      await new Promise((r) => setTimeout(r, 200));
    }
    segments.push({ task: step.task, start_s: start, end_s: (performance.now() - t0) / 1000 });
    items[i].classList.remove("current");
    items[i].classList.add("done");
  }
  recorder.stop();
  await stopped;
  $("cancel").hidden = true;
  if (!recording) { prompt.textContent = "Cancelled: nothing was sent."; startButton.hidden = false; startButton.disabled = false; return; }
  recording = false;
  stream.getTracks().forEach((t) => t.stop());
  prompt.textContent = "Recorded. Sending it now: keep this page open.";
  for (const el of document.querySelectorAll(".camera, #protocol, .capture-actions")) el.hidden = true;
  await send(new Blob(chunks, { type: recorder.mimeType || "video/webm" }), segments);
}

async function send(blob, segments, resumeUrl = null) {
  $("upload").hidden = false;
  const message = $("upload-message");
  message.textContent = "Uploading…";
  try {
    const state = await uploadVideo(blob, {
      startUrl: config.upload_url, segments, chunkBytes: config.chunk_bytes, resumeUrl,
      onProgress: (f) => { $("upload-progress").value = Math.round(100 * f); message.textContent = `Uploading… ${Math.round(100 * f)}%`; },
      onStatus: (text) => { message.textContent = text; },
    });
    message.textContent = "Received. The analysis runs in the background.";
    const done = $("upload-done");
    if (state.recording_url) {
      done.innerHTML = "";
      const a = document.createElement("a");
      a.href = state.recording_url; a.className = "button"; a.textContent = config.done_label || "Open the recording";
      done.appendChild(a);
    } else {
      done.textContent = "Thank you: your clinic has received your recording. You can close this page.";
    }
    done.hidden = false;
    prompt.textContent = "Done.";
    for (const el of document.querySelectorAll(".camera, #protocol, .capture-actions")) el.hidden = true;
  } catch (err) {
    message.textContent = `The video could not be sent: ${err.message}`;
  }
}

// A recording from an earlier visit of this page that did not finish sending (page closed, phone offline).
async function offerPending() {
  const pending = await pendingUpload(config.upload_url);
  if (!pending) return;
  const box = $("pending");
  const when = new Date(pending.savedAt).toLocaleString();
  $("pending-text").textContent = `A recording made ${when} was not completely sent.`;
  box.hidden = false;
  $("pending-send").addEventListener("click", async () => {
    box.hidden = true;
    await send(pending.blob, pending.segments, pending.url);
  }, { once: true });
}

async function main() {
  offerPending();
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    prompt.textContent = "This browser cannot record video. Please use a recent Chrome, Edge, Firefox or Safari.";
    return;
  }
  stream = await startCamera(video);
  prompt.textContent = "Loading the face guide…";
  const landmarker = await createLandmarker(config);
  let luma = null, frames = 0;
  runLoop(video, landmarker, (m) => {
    if (frames++ % 15 === 0 && m) luma = faceLuma(video, m.box);
    const f = framing(m, luma);
    const ok = Object.values(f.checks).every(Boolean);
    if (!recording) {
      showChecks($("framing"), f.checks);
      drawOverlay(overlay, video, m, ok);
      if (f.prompt !== framingPrompt) { framingPrompt = f.prompt; prompt.textContent = f.prompt; }
      // Start once the face is found; the checks say what would make the video better.
      goodSince = f.checks.found ? (goodSince ?? performance.now()) : null;
      startButton.disabled = goodSince === null;
    } else if (frames % 5 === 0) {
      showChecks($("framing"), f.checks);
      drawOverlay(overlay, video, m, ok);
    }
  });
}

startButton.addEventListener("click", () => { runProtocol().catch((err) => { prompt.textContent = `Recording failed: ${err.message}`; }); });
$("cancel").addEventListener("click", () => { recording = false; });
main().catch((err) => { prompt.textContent = `The camera could not start: ${err.message || err}. Allow the camera for this page and reload.`; });
