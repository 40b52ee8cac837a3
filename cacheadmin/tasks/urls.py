from django.urls import path

from cacheadmin.tasks import api, views

urlpatterns = [
    path("tasks/", views.tasks_page, name="tasks"),
    path("api/workers", api.api_workers, name="api_workers"),
]
