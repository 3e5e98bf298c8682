// Resumable upload of a recorded video: chunks sent with their byte offset (Upload-Offset); after a dropped
// connection the client asks the server how much it has and continues from there. The recording is also kept in
// this browser (IndexedDB) until the server has all of it, so closing or reloading the page loses nothing: the
// page offers to send it on. The server analyses the video once, when the last byte arrives.
import { csrfToken } from "./facemeasure.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DB = "facetwitch-capture", STORE = "pending";

function db() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function store(mode, fn) {
  const conn = await db();
  return new Promise((resolve, reject) => {
    const tx = conn.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req && req.result);
    tx.onerror = () => reject(tx.error);
  });
}

// The recording this page (its upload address) has not finished sending, or null.
export async function pendingUpload(startUrl) {
  try { return (await store("readonly", (s) => s.get(startUrl))) || null; } catch (_) { return null; }
}

async function keep(startUrl, entry) {
  try { await store("readwrite", (s) => s.put(entry, startUrl)); } catch (_) { /* private mode: memory only */ }
}

async function forget(startUrl) {
  try { await store("readwrite", (s) => s.delete(startUrl)); } catch (_) { /* nothing kept */ }
}

export async function uploadVideo(blob, { startUrl, segments, chunkBytes, onProgress, onStatus, resumeUrl = null }) {
  let url = resumeUrl;
  let offset = 0;
  if (!url) {
    await keep(startUrl, { blob, segments, url: null, savedAt: Date.now() });
    const headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
    const res = await fetch(startUrl, { method: "POST", headers, credentials: "same-origin", body: JSON.stringify({ size_bytes: blob.size, protocol_segments: segments, name: "recording.webm" }) });
    const started = await res.json();
    if (!res.ok) throw new Error(started.error || `The upload could not start (${res.status}).`);
    url = started.url;
    await keep(startUrl, { blob, segments, url, savedAt: Date.now() });
  } else {
    const r = await fetch(url, { credentials: "same-origin" });
    const state = await r.json();
    if (!r.ok) throw new Error(state.error || "This recording can no longer be sent.");
    if (state.status !== "receiving") { await forget(startUrl); return state; }
    offset = state.offset;
  }
  let failures = 0;
  for (;;) {
    const end = Math.min(offset + chunkBytes, blob.size);
    let state;
    try {
      const r = await fetch(url, { method: "PUT", credentials: "same-origin", headers: { "Upload-Offset": String(offset), "X-CSRFToken": csrfToken(), "Content-Type": "application/octet-stream" }, body: blob.slice(offset, end) });
      state = await r.json();
      if (r.status === 409) { offset = state.offset; continue; }
      if (!r.ok) throw new Error(state.error || `Upload refused (${r.status}).`);
      failures = 0;
    } catch (err) {
      // The connection dropped (or the server failed): wait, ask where to resume, carry on.
      failures += 1;
      onStatus(`Connection lost: resuming (attempt ${failures})… The recording is kept on this device.`);
      await sleep(Math.min(30000, 500 * 2 ** Math.min(failures, 6)));
      try {
        const r = await fetch(url, { credentials: "same-origin" });
        if (r.ok) { state = await r.json(); offset = state.offset; }
      } catch (_) { /* still offline: try again */ }
      if (failures > 50) throw new Error("The upload keeps failing: check the connection, then reload this page to send it.");
      if (!state || state.status === "receiving") continue;
    }
    offset = state.offset;
    onProgress(offset / blob.size);
    if (state.status === "done") { await forget(startUrl); return state; }
    if (state.status === "failed") { await forget(startUrl); throw new Error(state.error || "The server could not read the video."); }
  }
}
