from django.urls import path

from cacheadmin.tasks import api, views

urlpatterns = [
    path("tasks/", views.tasks_page, name="tasks"),
    path("tasks/jobs", views.task_list, name="task_list"),
    path("api/workers", api.api_workers, name="api_workers"),
    path("api/tasks", api.api_tasks, name="api_tasks"),
]
