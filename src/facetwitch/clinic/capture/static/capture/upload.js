// Resumable upload of a recorded video: chunks sent with their byte offset (Upload-Offset); after a dropped
// connection the client asks the server how much it has and continues from there. The server analyses the video
// once, when the last byte arrives.
import { csrfToken } from "./facemeasure.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function uploadVideo(blob, { startUrl, segments, chunkBytes, onProgress, onStatus }) {
  const headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
  const res = await fetch(startUrl, { method: "POST", headers, credentials: "same-origin", body: JSON.stringify({ size_bytes: blob.size, protocol_segments: segments, name: "recording.webm" }) });
  const started = await res.json();
  if (!res.ok) throw new Error(started.error || `The upload could not start (${res.status}).`);
  const url = started.url;
  let offset = 0, failures = 0;
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
      onStatus(`Connection lost: resuming (attempt ${failures})…`);
      await sleep(Math.min(30000, 500 * 2 ** Math.min(failures, 6)));
      try {
        const r = await fetch(url, { credentials: "same-origin" });
        if (r.ok) { state = await r.json(); offset = state.offset; }
      } catch (_) { /* still offline: try again */ }
      if (failures > 50) throw new Error("The upload keeps failing: check the connection and try again later.");
      if (!state || state.status === "receiving") continue;
    }
    offset = state.offset;
    onProgress(offset / blob.size);
    if (state.status === "done") return state;
    if (state.status === "failed") throw new Error(state.error || "The server could not read the video.");
  }
}
