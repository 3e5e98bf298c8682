"""A seeded corpus of broken videos for fuzzing the engine and the clinic (pure Python + PyAV).

:func:`seed_videos` writes a few small valid videos in code (about a second each, tiny pictures, several
containers and codecs); :func:`make_corpus` mutates them into at least ``count`` bad files of these kinds:

- ``truncated``: cut at a random byte;
- ``bitflip``: random bits flipped (anywhere, or in the first kilobytes where the headers are);
- ``shuffled``: chunks of the file swapped, reversed or repeated, random bytes inserted;
- ``header``: the first bytes or a container box overwritten;
- ``wrong_container``: a video's bytes under another container's extension, or another kind of file (picture,
  text, HTML, PDF, ZIP, random bytes, zero bytes) named like a video;
- ``huge_dimensions``: width and height patched in the headers (MP4 sample entry and track header, AVI stream
  format, JPEG frame header, H.264 sequence parameter set), up to 65535 x 65535;
- ``frame_rate``: zero, absurdly high or absurdly low frame rates (time scales, sample durations, AVI rates, every
  frame at the same time);
- ``no_frames``: a video stream without a frame, a container cut after its header, audio-only files;
- ``bomb``: small files declaring enormous frame counts, durations or picture sizes, and a real one (many tiny
  frames).

Every file is described by a :class:`BadVideo` (kind, the seed it came from, what was done). The same ``seed``
always gives the same corpus.
"""

from __future__ import annotations

import io
import random
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

KINDS = (
    "truncated",
    "bitflip",
    "shuffled",
    "header",
    "wrong_container",
    "huge_dimensions",
    "frame_rate",
    "no_frames",
    "bomb",
)


BUILT_IN_SEEDS = ("h264.mp4", "h264-faststart.mp4", "h264.mkv", "vp8.webm", "mpeg4.avi", "mjpeg.avi", "mjpeg.mov",
                  "mpeg2.ts", "h264.h264")  # fmt: skip


@dataclass(frozen=True)
class BadVideo:
    path: Path
    kind: str  # one of KINDS
    seed: str  # the seed video it was made from ("-" when made from nothing)
    detail: str  # what was done, for messages


# --- seed videos -------------------------------------------------------------------------------------------------


def _pattern(width: int, height: int, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Moving gradients and a bright square: enough texture that the encoders make real key and delta frames."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = []
    for i in range(n):
        base = 120 + 60 * np.sin((x + 3 * i) / 9.0) * np.cos((y - 2 * i) / 7.0)
        rgb = np.stack([base, np.roll(base, i, axis=1), 255 - base], axis=-1)
        cx, cy = (7 * i) % max(1, width - 16), (5 * i) % max(1, height - 16)
        rgb[cy : cy + 16, cx : cx + 16] = 240
        rgb += rng.normal(0, 4, rgb.shape)
        frames.append(np.clip(rgb, 0, 255).astype(np.uint8))
    return frames


def write_video(
    path: Path,
    *,
    codec: str = "libx264",
    fmt: str | None = None,
    size: tuple[int, int] = (96, 64),
    frames: int = 12,
    rate: Fraction | int = 12,
    pts: Callable[[int], int] | None = None,
    time_base: Fraction | None = None,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
    audio: str | None = None,
    seed: int = 0,
    pictures: list[np.ndarray] | None = None,
) -> Path:
    """A small synthetic video (PyAV); ``pts(i)``/``time_base`` set odd timing, ``audio`` adds an audio stream,
    ``pictures`` (RGB arrays) replace the synthetic pattern (``size`` and ``frames`` then follow them)."""
    if pictures is not None:
        size, frames = (pictures[0].shape[1], pictures[0].shape[0]), len(pictures)
    width, height = size
    rng = np.random.default_rng(seed)
    with av.open(str(path), "w", format=fmt, container_options=_bitexact(container_options)) as out:
        stream = out.add_stream(codec, rate=rate, options=options or {})
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if time_base is not None:
            stream.time_base = time_base
            stream.codec_context.time_base = time_base
        audio_stream = _add_audio(out, audio) if audio else None
        for i, rgb in enumerate(pictures if pictures is not None else _pattern(width, height, frames, rng)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if pts is not None:
                frame.pts = pts(i)
                frame.time_base = time_base
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
        if audio_stream is not None:
            _encode_tone(out, audio_stream, seconds=frames / float(rate))
    return path


def _bitexact(options: dict[str, str] | None = None) -> dict[str, str]:
    """No creation date or random segment id in the container, so that the same seed gives the same bytes."""
    return {"fflags": "+bitexact", **(options or {})}


def _add_audio(out, codec: str):
    rate = 48000 if codec == "libopus" else 16000
    stream = out.add_stream(codec, rate=rate)
    stream.layout = "mono"
    return stream


def _encode_tone(out, stream, seconds: float) -> None:
    rate = stream.rate
    fmt = stream.codec_context.format.name
    samples = (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(rate * seconds)) / rate)).astype(np.float32)
    if fmt.startswith("s16"):
        samples = (samples * 32767).astype(np.int16)
    step = stream.codec_context.frame_size or 1024
    for start in range(0, len(samples), step):
        frame = av.AudioFrame.from_ndarray(samples[None, start : start + step], format=fmt, layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)


def audio_only(path: Path, codec: str = "aac", fmt: str | None = None, seconds: float = 1.0) -> Path:
    with av.open(str(path), "w", format=fmt, container_options=_bitexact()) as out:
        _encode_tone(out, _add_audio(out, codec), seconds)
    return path


def seed_videos(folder: str | Path, extra: dict[str, Path] | None = None) -> dict[str, Path]:
    """Small valid videos in several containers and codecs (name -> path), plus ``extra`` ones (e.g. a face)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    baseline = {"profile": "baseline", "preset": "ultrafast"}
    seeds = {
        "h264.mp4": write_video(folder / "h264.mp4", options=baseline),
        "h264-faststart.mp4": write_video(
            folder / "h264-faststart.mp4",
            options=baseline,
            container_options={"movflags": "faststart"},
            audio="aac",
        ),
        "h264.mkv": write_video(folder / "h264.mkv", options=baseline, seed=1),
        "vp8.webm": write_video(folder / "vp8.webm", codec="libvpx", seed=2, audio="libopus"),
        "mpeg4.avi": write_video(folder / "mpeg4.avi", codec="mpeg4", seed=3),
        "mjpeg.avi": write_video(folder / "mjpeg.avi", codec="mjpeg", seed=4),
        "mjpeg.mov": write_video(folder / "mjpeg.mov", codec="mjpeg", seed=5),
        "mpeg2.ts": write_video(folder / "mpeg2.ts", codec="mpeg2video", rate=25, frames=15, seed=6),
        "h264.h264": write_video(folder / "h264.h264", fmt="h264", options=baseline, seed=7),
    }
    return {**seeds, **(extra or {})}


# --- byte-level helpers ------------------------------------------------------------------------------------------


def _boxes(data: bytes, fourcc: bytes) -> list[int]:
    """Offsets of MP4 boxes of this type (their size field), found by their four-character code."""
    found, start = [], 0
    while (at := data.find(fourcc, start)) >= 4:
        size = struct.unpack(">I", data[at - 4 : at])[0]
        if 8 <= size <= len(data) - at + 4:
            found.append(at - 4)
        start = at + 1
    return found


def _put(data: bytearray, offset: int, fmt: str, value) -> None:
    struct.pack_into(fmt, data, offset, value)


def _patch_boxes(data: bytes, fourcc: bytes, patches: list[tuple[int, str, object]]) -> bytes:
    """Write ``(offset in box, struct format, value)`` into every box of this type (version 0 layout)."""
    out = bytearray(data)
    for box in _boxes(data, fourcc):
        for offset, fmt, value in patches:
            if box + offset + struct.calcsize(fmt) <= len(out):
                _put(out, box + offset, fmt, value)
    return bytes(out)


def _patch_avi(data: bytes, chunk: bytes, patches: list[tuple[int, str, object]]) -> bytes:
    """Patch fields of every AVI chunk ``chunk`` (offsets from the start of its data)."""
    out = bytearray(data)
    start = 0
    while (at := data.find(chunk, start)) >= 0:
        for offset, fmt, value in patches:
            if at + 8 + offset + struct.calcsize(fmt) <= len(out):
                _put(out, at + 8 + offset, fmt, value)
        start = at + 1
    return bytes(out)


def _patch_jpeg_sof(data: bytes, width: int, height: int) -> bytes:
    """Every JPEG frame header (SOF0) in an MJPEG stream declares ``width`` x ``height``."""
    out = bytearray(data)
    start = 0
    while (at := data.find(b"\xff\xc0\x00\x11", start)) >= 0:
        struct.pack_into(">HH", out, at + 5, height, width)
        start = at + 1
    return bytes(out)


class _Bits:
    def __init__(self, data: bytes):
        self.bits = "".join(f"{b:08b}" for b in data)
        self.pos = 0

    def u(self, n: int) -> int:
        value = int(self.bits[self.pos : self.pos + n], 2) if n else 0
        self.pos += n
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bits[self.pos] == "0":
            zeros += 1
            self.pos += 1
        self.pos += 1
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k % 2 else -(k // 2)


def _ue_bits(value: int) -> str:
    code = bin(value + 1)[2:]
    return "0" * (len(code) - 1) + code


def _rbsp(nal: bytes) -> bytes:
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _escape(rbsp: bytes) -> bytes:
    out = bytearray()
    zeros = 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def _patch_sps(nal: bytes, width_mbs: int, height_mbs: int) -> bytes:
    """A sequence parameter set (H.264, NAL header included) with its picture size replaced (in macroblocks)."""
    r = _Bits(_rbsp(nal[1:]))
    profile = r.u(8)
    r.u(16)
    r.ue()
    if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        if r.ue() == 3:
            r.u(1)
        r.ue(), r.ue(), r.u(1)
        if r.u(1):
            raise ValueError("scaling matrices are not supported")
    r.ue()
    poc = r.ue()
    if poc == 0:
        r.ue()
    elif poc == 1:
        r.u(1), r.se(), r.se()
        for _ in range(r.ue()):
            r.se()
    r.ue(), r.u(1)
    before = r.bits[: r.pos]
    r.ue(), r.ue()
    rest = r.bits[r.pos :].rstrip("0")[:-1]  # without the stop bit and its padding
    bits = before + _ue_bits(width_mbs - 1) + _ue_bits(height_mbs - 1) + rest + "1"
    bits += "0" * (-len(bits) % 8)
    rbsp = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
    return nal[:1] + _escape(rbsp)


def _patch_annexb_sps(data: bytes, width: int, height: int) -> bytes:
    """Every SPS of a raw H.264 (Annex B) stream declares ``width`` x ``height`` pixels."""
    parts = data.split(b"\x00\x00\x01")
    out = []
    for part in parts:
        if part and part[0] & 0x1F == 7:
            trail = len(part) - len(part.rstrip(b"\x00"))  # the next start code's leading zero
            body = _patch_sps(part[: len(part) - trail], -(-width // 16), -(-height // 16))
            part = body + b"\x00" * trail
        out.append(part)
    return b"\x00\x00\x01".join(out)


# --- other kinds of files ------------------------------------------------------------------------------------------


def _png(size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0], 3), 128, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.full((48, 64, 3), 90, np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _gif() -> bytes:
    from PIL import Image

    frames = [Image.fromarray(np.full((32, 32, 3), v, np.uint8)) for v in (0, 120, 240)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def _zip() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("video.mp4", date_time=(2020, 1, 1, 0, 0, 0)), b"not really")
    return buffer.getvalue()


def _wav() -> bytes:
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(np.zeros(8000, np.int16).tobytes())
    return buffer.getvalue()


# --- the corpus ------------------------------------------------------------------------------------------------------


class _Corpus:
    def __init__(self, folder: Path, seeds: dict[str, Path], rng: random.Random):
        self.folder, self.seeds, self.rng = folder, seeds, rng
        self.data = {name: path.read_bytes() for name, path in seeds.items()}
        self.items: list[BadVideo] = []
        self.scratch = folder / ".scratch"
        self.scratch.mkdir(exist_ok=True)

    def add(self, kind: str, seed: str, detail: str, data: bytes, ext: str | None = None) -> None:
        ext = ext or (Path(seed).suffix if seed != "-" else ".mp4")
        path = self.folder / f"{len(self.items):03d}-{kind}{ext}"
        path.write_bytes(data)
        self.items.append(BadVideo(path, kind, seed, detail))

    def written(self, kind: str, detail: str, name: str, write: Callable[[Path], Path]) -> None:
        """A file written by PyAV (odd timing, no frames, ...), kept under the corpus' numbering."""
        scratch = write(self.scratch / name)
        self.add(kind, "-", detail, scratch.read_bytes(), ext=Path(name).suffix)
        scratch.unlink()

    def pick(self) -> tuple[str, bytes]:
        # The extra seeds (a face) one time in five, so that some mutants still analyse to the end.
        extra = sorted(set(self.data) - set(BUILT_IN_SEEDS))
        name = self.rng.choice(extra if extra and self.rng.random() < 0.2 else BUILT_IN_SEEDS)
        return name, self.data[name]


def make_corpus(
    folder: str | Path, *, count: int = 200, seed: int = 0, extra_seeds: dict[str, Path] | None = None
) -> list[BadVideo]:
    """Write at least ``count`` bad videos into ``folder`` (numbered ``NNN-kind.ext``) and describe them.

    The crafted kinds (wrong containers, huge dimensions, frame rates, no frames, bombs) are made once each; the
    random kinds (truncated, bitflip, shuffled, header) fill the rest, in equal shares. ``extra_seeds`` are
    mutated like the built-in seeds (e.g. a short video with a face, so that some mutants analyse).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    seeds = seed_videos(folder / "seeds", extra_seeds)
    corpus = _Corpus(folder, seeds, random.Random(seed))
    _wrong_containers(corpus)
    _huge_dimensions(corpus)
    _frame_rates(corpus)
    _no_frames(corpus)
    _bombs(corpus)
    _display_matrices(corpus)
    random_kinds = (_truncate, _bitflip, _shuffle, _header)
    i = 0
    while len(corpus.items) < count or i < 4 * len(random_kinds):
        random_kinds[i % len(random_kinds)](corpus)
        i += 1
    (corpus.scratch).rmdir()
    return corpus.items


def make_face_corpus(folder: str | Path, *, count: int = 200, seed: int = 0) -> tuple[list[BadVideo], Path]:
    """:func:`make_corpus` with a short rendered face video among the seeds (so that some mutants decode into
    something the face model reads); returns the corpus and that valid face video."""
    from facetwitch.simulate import Blink, Scenario, render

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    face = folder / "face-seed.mp4"
    render(Scenario(duration_s=2.0, fps=15.0, size=(256, 192), seed=11, events=[Blink(0.6)]), face)
    items = make_corpus(folder / "corpus", count=count, seed=seed, extra_seeds={"face.mp4": face})
    return items, face


def summary_line(items: list[BadVideo]) -> str:
    counts = Counter(item.kind for item in items)
    return f"{len(items)} files: " + ", ".join(f"{k} {counts[k]}" for k in KINDS if counts[k])


def _truncate(c: _Corpus) -> None:
    name, data = c.pick()
    # Half the cuts near the start (headers), half anywhere.
    end = c.rng.randrange(1, min(len(data), 4096)) if c.rng.random() < 0.5 else c.rng.randrange(1, len(data))
    c.add("truncated", name, f"cut at byte {end} of {len(data)}", data[:end])


def _bitflip(c: _Corpus) -> None:
    name, data = c.pick()
    out = bytearray(data)
    n = c.rng.choice((1, 4, 16, 64, 256))
    region = len(out) if c.rng.random() < 0.5 else min(len(out), 2048)
    for _ in range(n):
        at = c.rng.randrange(region)
        out[at] ^= 1 << c.rng.randrange(8)
    c.add("bitflip", name, f"{n} bits flipped in the first {region} bytes", bytes(out))


def _shuffle(c: _Corpus) -> None:
    name, data = c.pick()
    how = c.rng.choice(("swap", "reverse", "repeat", "insert", "sort"))
    size = c.rng.choice((16, 188, 512, 4096))
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    if how == "swap":
        for _ in range(max(1, len(chunks) // 8)):
            a, b = c.rng.randrange(len(chunks)), c.rng.randrange(len(chunks))
            chunks[a], chunks[b] = chunks[b], chunks[a]
    elif how == "reverse":
        a = c.rng.randrange(len(chunks))
        chunks[a:] = chunks[a:][::-1]
    elif how == "repeat":
        a = c.rng.randrange(len(chunks))
        chunks[a:a] = [chunks[a]] * c.rng.randrange(2, 50)
    elif how == "insert":
        a = c.rng.randrange(len(chunks))
        chunks.insert(a, c.rng.randbytes(size))
    else:  # byte values sorted inside a window: plausible-looking but meaningless
        a = c.rng.randrange(len(chunks))
        chunks[a] = bytes(sorted(chunks[a]))
    c.add("shuffled", name, f"{how} of {size}-byte chunks", b"".join(chunks))


def _header(c: _Corpus) -> None:
    name, data = c.pick()
    out = bytearray(data)
    how = c.rng.choice(("zeros", "random", "box-size", "fourcc"))
    if how in ("zeros", "random"):
        n = c.rng.choice((4, 8, 32, 256))
        out[:n] = bytes(n) if how == "zeros" else c.rng.randbytes(n)
        detail = f"first {n} bytes {how}"
    elif how == "box-size" and _boxes(data, b"moov"):
        box = c.rng.choice(_boxes(data, b"moov") + _boxes(data, b"trak") + _boxes(data, b"stsd"))
        value = c.rng.choice((0, 1, 7, 0xFFFFFFFF, len(data) * 2))
        _put(out, box, ">I", value)
        detail = f"box size at {box} set to {value}"
    else:
        at = c.rng.randrange(min(len(out) - 4, 512))
        out[at : at + 4] = c.rng.choice((b"moov", b"mdat", b"RIFF", b"\x1aE\xdf\xa3", b"\xff\xff\xff\xff"))
        detail = f"four bytes at {at} replaced by a container marker"
    c.add("header", name, detail, bytes(out))


def _wrong_containers(c: _Corpus) -> None:
    d = c.data
    renames = [
        ("h264.mp4", ".avi"), ("h264.mp4", ".mkv"), ("h264.mp4", ".webm"), ("h264.mkv", ".mp4"),
        ("h264.mkv", ".mov"), ("vp8.webm", ".mp4"), ("vp8.webm", ".avi"), ("mpeg4.avi", ".mp4"),
        ("mjpeg.avi", ".mov"), ("mjpeg.mov", ".avi"), ("mpeg2.ts", ".mp4"), ("h264.h264", ".mp4"),
        ("h264.h264", ".mov"), ("mpeg2.ts", ".webm"), ("h264-faststart.mp4", ".3gp"),
    ]  # fmt: skip
    for seed, ext in renames:
        c.add("wrong_container", seed, f"{seed} bytes named {ext}", d[seed], ext=ext)
    rng = c.rng
    others = [
        ("zero bytes", b"", ".mp4"),
        ("a PNG picture", _png(), ".mp4"),
        ("a large PNG picture", _png((1200, 900)), ".mov"),
        ("a JPEG picture", _jpeg(), ".mov"),
        ("an animated GIF", _gif(), ".mp4"),
        ("text", b"Patient video will follow.\n" * 40, ".mp4"),
        ("HTML", b"<!doctype html><html><body><video src='x.mp4'></video></body></html>", ".webm"),
        ("a PDF header", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" * 20, ".mp4"),
        ("a ZIP archive", _zip(), ".mp4"),
        ("a WAV sound", _wav(), ".mp4"),
        ("random bytes", rng.randbytes(30000), ".mp4"),
        ("one byte", b"\x00", ".avi"),
        ("an MP4 signature only", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", ".mp4"),
        ("a Matroska signature only", b"\x1aE\xdf\xa3", ".mkv"),
        ("a RIFF/AVI signature only", b"RIFF\x00\x10\x00\x00AVI LIST", ".avi"),
        ("UTF-16 text", "video ü".encode("utf-16") * 100, ".mp4"),
    ]
    for detail, data, ext in others:
        c.add("wrong_container", "-", detail, data, ext=ext)


def _huge_dimensions(c: _Corpus) -> None:
    d = c.data
    sizes = [(65535, 65535), (60000, 60000), (16000, 16000), (8192, 8192), (1, 65535), (65535, 1), (0, 0)]
    for w, h in sizes:  # the MP4 sample entry (what the container declares)
        c.add("huge_dimensions", "h264.mp4", f"avc1 sample entry {w}x{h}",
              _patch_boxes(d["h264.mp4"], b"avc1", [(32, ">H", w), (34, ">H", h)]))  # fmt: skip
    # The track header (display size, 16.16 fixed point).
    for w, h in [(60000, 60000), (16000, 16000), (0, 0)]:
        c.add("huge_dimensions", "h264-faststart.mp4", f"tkhd display size {w}x{h}",
              _patch_boxes(d["h264-faststart.mp4"], b"tkhd", [(84, ">I", w << 16), (88, ">I", h << 16)]))  # fmt: skip
    for w, h in sizes:  # the AVI stream format and main header
        patched = _patch_avi(d["mpeg4.avi"], b"strf", [(4, "<i", w), (8, "<i", h)])
        c.add("huge_dimensions", "mpeg4.avi", f"AVI strf {w}x{h}", patched)
    c.add("huge_dimensions", "mpeg4.avi", "AVI main header 100000x100000",
          _patch_avi(d["mpeg4.avi"], b"avih", [(32, "<I", 100000), (36, "<I", 100000)]))  # fmt: skip
    c.add("huge_dimensions", "mpeg4.avi", "AVI strf negative height",
          _patch_avi(d["mpeg4.avi"], b"strf", [(8, "<i", -2**31)]))  # fmt: skip
    for w, h in [(65535, 65535), (16000, 16000), (12000, 9000), (8192, 8192), (4000, 4000), (0, 0)]:
        for seed in ("mjpeg.avi", "mjpeg.mov"):  # every JPEG frame header: the decoder itself sees the size
            c.add("huge_dimensions", seed, f"JPEG SOF {w}x{h}", _patch_jpeg_sof(d[seed], w, h))
    for w, h in [(16384, 16384), (12000, 12000), (8192, 8192), (4096, 4096)]:  # what the H.264 decoder sees
        c.add("huge_dimensions", "h264.h264", f"H.264 SPS {w}x{h}", _patch_annexb_sps(d["h264.h264"], w, h),
              ext=".h264")  # fmt: skip


_BASELINE = {"profile": "baseline", "preset": "ultrafast"}


def _frame_rates(c: _Corpus) -> None:
    d = c.data
    baseline = _BASELINE
    for rate, label in [(Fraction(1_000_000), "1e6 fps"), (Fraction(1, 1000), "0.001 fps"), (Fraction(1, 60), "one frame a minute")]:  # fmt: skip
        c.written("frame_rate", f"written at {label}", f"rate-{rate}.mp4".replace("/", "_"),
                  lambda p, rate=rate: write_video(p, rate=rate, options=baseline))  # fmt: skip
    c.written("frame_rate", "every frame at time 0 (Matroska)", "same-time.mkv",
              lambda p: write_video(p, fmt="matroska", pts=lambda i: 0, time_base=Fraction(1, 1000),
                                    options=baseline))  # fmt: skip
    c.written("frame_rate", "frames 1 microsecond apart (Matroska, ms clock)", "us.mkv",
              lambda p: write_video(p, fmt="matroska", pts=lambda i: i // 4, time_base=Fraction(1, 1000),
                                    options=baseline))  # fmt: skip
    c.written("frame_rate", "time base of one second per tick, 3600 s between frames", "hour.mkv",
              lambda p: write_video(p, fmt="matroska", pts=lambda i: 3600 * i, time_base=Fraction(1, 1),
                                    options=baseline))  # fmt: skip
    for name in sorted(set(c.data) - set(BUILT_IN_SEEDS)):  # the extra seeds decode to a face: timing reaches
        with av.open(str(c.seeds[name])) as src:  # the signal processing, not only the decoder
            pictures = [f.to_ndarray(format="rgb24") for f in src.decode(video=0)]
        half = len(pictures) // 2
        retimings = [
            ("mp4", Fraction(1_000_000), Fraction(1, 1_000_000), lambda i: i, "frames 1 microsecond apart"),
            ("matroska", 25, Fraction(1, 1000), lambda i: 0, "every frame at time 0"),
            ("matroska", 25, Fraction(1, 1000), lambda i: i // 3, "three frames per millisecond"),
            ("mp4", Fraction(1, 100), Fraction(1, 1), lambda i: 100 * i, "a frame every 100 s"),
            ("matroska", 25, Fraction(1, 1000), lambda i, half=half: 40 * i + (400 if i >= half else 0),
             "a 0.4 s jump in the middle"),
        ]  # fmt: skip
        for fmt, rate, time_base, pts, label in retimings:
            ext = ".mkv" if fmt == "matroska" else ".mp4"
            c.written("frame_rate", f"{name} re-timed: {label}", f"retimed{ext}",
                      lambda p, fmt=fmt, rate=rate, tb=time_base, pts=pts, pictures=pictures: write_video(
                          p, fmt=fmt, rate=rate, time_base=tb, pts=pts, pictures=pictures, options=_BASELINE))  # fmt: skip
        c.add("frame_rate", name, "mdhd time scale 1", _patch_boxes(c.data[name], b"mdhd", [(20, ">I", 1)]))
        c.add("frame_rate", name, "mdhd time scale 2^32-1",
              _patch_boxes(c.data[name], b"mdhd", [(20, ">I", 0xFFFFFFFF)]))  # fmt: skip
    for value, label in [(0, "zero"), (1, "one"), (0xFFFFFFFF, "2^32-1")]:
        c.add("frame_rate", "h264.mp4", f"mdhd time scale {label}",
              _patch_boxes(d["h264.mp4"], b"mdhd", [(20, ">I", value)]))  # fmt: skip
        c.add("frame_rate", "h264.mp4", f"mvhd time scale {label}",
              _patch_boxes(d["h264.mp4"], b"mvhd", [(20, ">I", value)]))  # fmt: skip
    for value, label in [(0, "zero"), (0xFFFFFFFF, "2^32-1")]:
        c.add("frame_rate", "h264-faststart.mp4", f"stts sample duration {label}",
              _patch_boxes(d["h264-faststart.mp4"], b"stts", [(20, ">I", value)]))  # fmt: skip
    for scale, rate in [(0, 0), (1, 0), (0, 25), (1, 1_000_000_000), (1_000_000_000, 1)]:
        c.add("frame_rate", "mjpeg.avi", f"AVI strh scale {scale} rate {rate}",
              _patch_avi(d["mjpeg.avi"], b"strh", [(20, "<I", scale), (24, "<I", rate)]))  # fmt: skip
    c.add("frame_rate", "mpeg4.avi", "AVI 0 microseconds per frame",
          _patch_avi(d["mpeg4.avi"], b"avih", [(0, "<I", 0)]))  # fmt: skip


def _no_frames(c: _Corpus) -> None:
    d = c.data

    def empty_stream(path: Path, fmt: str, codec: str) -> Path:
        with av.open(str(path), "w", format=fmt, container_options=_bitexact()) as out:
            stream = out.add_stream(codec, rate=25)
            stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
            out.start_encoding()
        return path

    for name, fmt, codec in [("empty.mkv", "matroska", "mpeg4"), ("empty.avi", "avi", "mpeg4"),
                             ("empty.mp4", "mp4", "mpeg4"), ("empty.webm", "webm", "libvpx")]:  # fmt: skip
        c.written("no_frames", f"a video stream without a frame ({fmt})", name,
                  lambda p, fmt=fmt, codec=codec: empty_stream(p, fmt, codec))  # fmt: skip
    mkv = d["h264.mkv"]
    cluster = mkv.find(b"\x1f\x43\xb6\x75")
    c.add("no_frames", "h264.mkv", "Matroska cut before its first cluster", mkv[:cluster])
    mp4 = d["h264-faststart.mp4"]
    mdat = _boxes(mp4, b"mdat")[0]
    c.add("no_frames", "h264-faststart.mp4", "MP4 cut after its index, before the frames", mp4[: mdat + 8])
    c.add("no_frames", "h264-faststart.mp4", "MP4 frames zeroed",
          mp4[: mdat + 8] + bytes(len(mp4) - mdat - 8))  # fmt: skip
    plain = d["h264.mp4"]
    moov = _boxes(plain, b"moov")[0]
    c.add("no_frames", "h264.mp4", "MP4 index only (frames removed)", plain[moov:])
    for name, codec, fmt in [("aac.mp4", "aac", "mp4"), ("opus.webm", "libopus", "webm"),
                             ("flac.mkv", "flac", "matroska"), ("pcm.avi", "pcm_s16le", "avi"),
                             ("aac.mov", "aac", "mov")]:  # fmt: skip
        c.written("no_frames", f"audio only ({codec} in {fmt})", name,
                  lambda p, codec=codec, fmt=fmt: audio_only(p, codec, fmt))  # fmt: skip


def _bombs(c: _Corpus) -> None:
    d = c.data
    c.add("bomb", "mjpeg.avi", "AVI declares 2^32-1 frames",
          _patch_avi(d["mjpeg.avi"], b"avih", [(16, "<I", 0xFFFFFFFF)]))  # fmt: skip
    c.add("bomb", "mjpeg.avi", "AVI stream declares 2^32-1 frames at 1e9 fps",
          _patch_avi(d["mjpeg.avi"], b"strh", [(20, "<I", 1), (24, "<I", 10**9), (32, "<I", 0xFFFFFFFF)]))  # fmt: skip
    c.add("bomb", "h264.mp4", "stts declares 2^31 samples",
          _patch_boxes(d["h264.mp4"], b"stts", [(16, ">I", 2**31)]))  # fmt: skip
    c.add("bomb", "h264.mp4", "stsz declares 2^30 samples",
          _patch_boxes(d["h264.mp4"], b"stsz", [(16, ">I", 2**30)]))  # fmt: skip
    c.add("bomb", "h264.mp4", "mvhd and mdhd durations 2^32-1",
          _patch_boxes(_patch_boxes(d["h264.mp4"], b"mvhd", [(24, ">I", 0xFFFFFFFF)]), b"mdhd",
                       [(24, ">I", 0xFFFFFFFF)]))  # fmt: skip
    mkv = bytearray(d["h264.mkv"])
    at = mkv.find(b"\x44\x89\x88")  # Segment Info Duration, an 8-byte float
    if at >= 0:
        struct.pack_into(">d", mkv, at + 3, 1e15)
        c.add("bomb", "h264.mkv", "Matroska duration 1e15 ms", bytes(mkv))
        struct.pack_into(">d", mkv, at + 3, float("nan"))
        c.add("bomb", "h264.mkv", "Matroska duration NaN", bytes(mkv))
        struct.pack_into(">d", mkv, at + 3, float("inf"))
        c.add("bomb", "h264.mkv", "Matroska duration infinite", bytes(mkv))
    for w, h in [(16000, 16000), (7680, 7680)]:  # many frames, each decoded at an enormous size
        big = _patch_annexb_sps(d["h264.h264"] * 20, w, h)
        c.add("bomb", "h264.h264", f"240 frames declared {w}x{h} by the H.264 SPS", big, ext=".h264")
    c.add("bomb", "mjpeg.avi", "MJPEG frames declared 16000x16000",
          _patch_jpeg_sof(d["mjpeg.avi"], 16000, 16000))  # fmt: skip
    # A real one: a few kilobytes that decode to thousands of tiny frames (nothing to measure in them).
    c.written("bomb", "3000 frames of 16x16 at 1000 fps", "tiny-frames.mp4",
              lambda p: write_video(p, size=(16, 16), frames=3000, rate=1000,
                                    options={"preset": "ultrafast"}))  # fmt: skip


def _display_matrices(c: _Corpus) -> None:
    """The MP4 track header's display matrix (rotation) damaged: all zeros, 45 degrees, a skew, huge values."""
    matrices = {
        "zeros": [0] * 9,
        "45 degrees": [46341, 46341, 0, -46341, 46341, 0, 0, 0, 1 << 30],
        "a skew": [1 << 16, 3 << 16, 0, 0, 1 << 16, 0, 0, 0, 1 << 30],
        "huge values": [0x7FFFFFFF] * 9,
    }
    for name in ["h264.mp4", *sorted(set(c.data) - set(BUILT_IN_SEEDS))]:
        if not _boxes(c.data[name], b"tkhd"):
            continue
        for label, matrix in matrices.items():
            patches = [(48 + 4 * i, ">I", v & 0xFFFFFFFF) for i, v in enumerate(matrix)]
            c.add(
                "header", name, f"tkhd display matrix: {label}", _patch_boxes(c.data[name], b"tkhd", patches)
            )
