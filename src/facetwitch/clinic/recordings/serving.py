"""Serve private files through views: byte ranges for video seeking, no caching, no sniffing."""

from __future__ import annotations

import re
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def _private_headers(response: HttpResponse, filename: str, disposition: str) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _read_range(path: Path, start: int, length: int):
    with open(path, "rb") as f:
        f.seek(start)
        remaining = length
        while remaining > 0:
            block = f.read(min(CHUNK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block


def serve_file(
    request, path: Path, *, content_type: str, filename: str, disposition: str = "inline"
) -> HttpResponse:
    """A private file response; honours a single ``Range: bytes=a-b`` (HTML5 video seeking)."""
    size = path.stat().st_size
    header = request.headers.get("Range", "")
    match = RANGE_RE.match(header.strip()) if header else None
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # suffix range: the last N bytes
            start = max(size - int(last), 0)
            end = size - 1
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _private_headers(response, filename, disposition)
        response = StreamingHttpResponse(
            _read_range(path, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 - closed by Django
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    return _private_headers(response, filename, disposition)
