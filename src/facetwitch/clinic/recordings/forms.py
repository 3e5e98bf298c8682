"""Upload form: size limit, content probed with PyAV, consent required, visit of the same patient only."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload, TemporaryFileUploadHandler
from django.utils import timezone

from facetwitch.clinic.recordings.access import has_consent
from facetwitch.clinic.recordings.probe import NotAVideo, VideoProbe, probe_video


def max_upload_bytes() -> int:
    return int(settings.FACETWITCH_MAX_UPLOAD_MB) * 1024 * 1024


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a file as soon as it passes the size limit, so an oversized upload never fills the disk.

    The rest of the request body is skipped and the form then reports the limit.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request.upload_too_large = content_length > max_upload_bytes() + 64 * 1024
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received = start + len(raw_data)
        if self.received > max_upload_bytes():
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def private_tmp_dir() -> Path:
    """Upload scratch space inside the private store (never the shared system temp folder)."""
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "tmp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class PrivateTemporaryUploadedFile(TemporaryUploadedFile):
    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        # Same as Django's, but in the private store; the name is random, the extension is not kept.
        file = tempfile.NamedTemporaryFile(suffix=".upload", dir=private_tmp_dir())  # noqa: SIM115
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class PrivateTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Streams every uploaded video to a private temporary file, chunk by chunk (never held in memory)."""

    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = PrivateTemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )


def video_upload_handlers(request) -> list[FileUploadHandler]:
    return [SizeLimitUploadHandler(request), PrivateTemporaryFileUploadHandler(request)]


class RecordingUploadForm(forms.Form):
    video = forms.FileField(
        label="Video file",
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
        help_text="MP4, MOV, WebM or AVI from a phone or webcam; the face filling much of the picture.",
        error_messages={
            "required": "Choose a video file to upload.",
            "empty": "The file is empty (0 bytes). Choose the video file again.",
        },
    )
    recorded_on = forms.DateField(
        label="Recorded on", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    visit = forms.ModelChoiceField(queryset=None, required=False, label="Visit", empty_label="— no visit —")
    mirrored = forms.BooleanField(
        required=False,
        label="Mirrored (front / selfie camera)",
        help_text="Tick when the video shows the patient like a mirror, so left and right are assigned correctly.",
    )
    notes = forms.CharField(required=False, max_length=300, label="Notes (conditions, task performed)")

    def __init__(self, *args, patient, upload_too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.upload_too_large = upload_too_large
        self.probe: VideoProbe | None = None
        self.fields["visit"].queryset = patient.visits.all()
        if upload_too_large:  # the handler stopped reading the file: it is absent, say why
            self.fields["video"].error_messages["required"] = (
                f"The file is larger than the limit of {settings.FACETWITCH_MAX_UPLOAD_MB} MB."
            )
        self.fields["visit"].label_from_instance = lambda v: f"{v.date:%Y-%m-%d}"

    def clean(self):
        cleaned = super().clean()
        if not has_consent(self.patient):
            raise forms.ValidationError(
                "This patient has not consented to video recording. Record the consent on the patient's "
                "page before uploading a video.",
                code="no_consent",
            )
        return cleaned

    def clean_recorded_on(self):
        value = self.cleaned_data["recorded_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The recording date cannot be in the future.")
        return value

    def clean_video(self):
        upload = self.cleaned_data.get("video")
        limit_mb = settings.FACETWITCH_MAX_UPLOAD_MB
        if not has_consent(self.patient):
            return upload  # refused in clean(); no point in reading the file
        if upload.size == 0:
            raise forms.ValidationError("The file is empty (0 bytes). Choose the video file again.")
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                f"The file is {upload.size / 1048576:.0f} MB, larger than the limit of {limit_mb} MB."
            )
        try:
            self.probe = _probe_upload(upload)
        except NotAVideo as exc:
            raise forms.ValidationError(str(exc), code="not_a_video") from exc
        return upload


def _probe_upload(upload) -> VideoProbe:
    """Probe the uploaded content: Django's temporary file when it has one, else a private temp copy."""
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary:
        return probe_video(temporary())
    with tempfile.NamedTemporaryFile(suffix=".upload", dir=private_tmp_dir()) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        upload.seek(0)
        return probe_video(tmp.name)


__all__ = [
    "PrivateTemporaryFileUploadHandler",
    "RecordingUploadForm",
    "SizeLimitUploadHandler",
    "max_upload_bytes",
    "video_upload_handlers",
]
