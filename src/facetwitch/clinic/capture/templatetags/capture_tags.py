"""``{% home_adherence patient as weeks %}``: this and the last weeks' expected and received home recordings."""

from django import template

from facetwitch.clinic.capture import services

register = template.Library()


@register.simple_tag
def home_adherence(patient, weeks: int = 4):
    return services.adherence(patient, weeks=weeks)
