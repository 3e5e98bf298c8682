from django.apps import AppConfig


class CaptureConfig(AppConfig):
    name = "facetwitch.clinic.capture"
    label = "capture"
    verbose_name = "Capture: in-browser recording, home links, biofeedback"

    def ready(self) -> None:
        # The outcome timeline shows biofeedback sessions: capture registers them with recordings (one-way
        # dependency, capture -> recordings; recordings never imports capture).
        from facetwitch.clinic.capture import timeline

        timeline.register()
