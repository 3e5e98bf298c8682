from django.urls import path, re_path

from facetwitch.clinic.scheduling import views
from facetwitch.clinic.scheduling.feeds import TOKEN_PATTERN

app_name = "scheduling"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.appointment_new, name="new"),
    path("<id:pk>/", views.appointment_detail, name="detail"),
    path("<id:pk>/reschedule/", views.appointment_reschedule, name="reschedule"),
    path("<id:pk>/cancel/", views.appointment_cancel, name="cancel"),
    path("<id:pk>/complete/", views.appointment_complete, name="complete"),
    path("<id:pk>/appointment.ics", views.appointment_ics, name="ics"),
    # Before the numeric feed: a 43-character token never resolves as a user id.
    re_path(rf"^feed/(?P<token>{TOKEN_PATTERN})\.ics$", views.token_feed, name="token_feed"),
    path("feed/<id:user_pk>.ics", views.clinician_feed, name="feed"),
    path("subscribe/", views.feed_subscription, name="subscription"),
    path("requests/", views.request_queue, name="requests"),
    path("requests/<id:pk>/", views.request_confirm, name="request_confirm"),
]
