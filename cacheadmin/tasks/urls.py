from django.urls import path

from cacheadmin.tasks import api, views

urlpatterns = [
    path("tasks/", views.tasks_page, name="tasks"),
    path("tasks/jobs", views.task_list, name="task_list"),
    path("tasks/job", views.task_page, name="task"),
    path("api/workers", api.api_workers, name="api_workers"),
    path("api/tasks", api.api_tasks, name="api_tasks"),
    path("api/tasks/<str:job_id>", api.api_task, name="api_task"),
]
