from django.apps import AppConfig


class CaptureConfig(AppConfig):
    name = "facetwitch.clinic.capture"
    label = "capture"
    verbose_name = "Capture: in-browser recording, home links, biofeedback"

    def ready(self) -> None:
        import mimetypes

        # MediaPipe's web files: a module script needs a JavaScript type and WebAssembly streaming compilation
        # needs application/wasm, whatever the system's mime table says.
        mimetypes.add_type("text/javascript", ".mjs")
        mimetypes.add_type("application/wasm", ".wasm")
        # The outcome timeline shows biofeedback sessions: capture registers them with recordings (one-way
        # dependency, capture -> recordings; recordings never imports capture).
        from facetwitch.clinic.capture import timeline

        timeline.register()
