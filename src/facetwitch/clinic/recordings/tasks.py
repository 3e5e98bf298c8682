"""Background task of the recordings app (django-tasks; run by ``manage.py analysis_worker``)."""

from __future__ import annotations

from django_tasks import TaskContext, task

from facetwitch.clinic.recordings import services


@task(takes_context=True)
def analyse_recording(context: TaskContext, recording_id: int) -> str:
    """Analyse one uploaded recording; the queue row id guards against running a superseded entry."""
    return services.run_analysis(recording_id, task_id=str(context.task_result.id))
