from django.urls import path

from cacheadmin.tasks import api, event_views, views

urlpatterns = [
    path("tasks/", views.tasks_page, name="tasks"),
    path("tasks/celery/workers", views.celery_workers_part, name="celery_workers"),
    path("tasks/celery/events", event_views.celery_events_part, name="celery_events"),
    path("tasks/jobs", views.task_list, name="task_list"),
    path("tasks/job", views.task_page, name="task"),
    path("tasks/job/change", views.task_change, name="task_change"),
    path("tasks/celery/change", views.celery_change_page, name="celery_change"),
    path("tasks/failed/change", views.failed_change, name="failed_change"),
    path("tasks/actions/<int:action_id>", views.action_page, name="task_action"),
    path("tasks/actions/<int:action_id>/cancel", views.action_cancel, name="task_action_cancel"),
    path("api/workers", api.api_workers, name="api_workers"),
    path("api/tasks", api.api_tasks, name="api_tasks"),
    # before api/tasks/<job_id>: these words are no job's id here
    path("api/tasks/requeue", api.api_task_action("requeue"), name="api_tasks_requeue"),
    path("api/tasks/delete", api.api_task_action("delete"), name="api_tasks_delete"),
    path("api/tasks/cancel", api.api_task_action("cancel"), name="api_tasks_cancel"),
    path("api/tasks/retry", api.api_celery_change("retry"), name="api_tasks_retry"),
    path("api/tasks/revoke", api.api_celery_change("revoke"), name="api_tasks_revoke"),
    path("api/tasks/actions/<int:action_id>", api.api_task_action_state, name="api_task_action"),
    path(
        "api/tasks/actions/<int:action_id>/cancel",
        api.api_task_action_cancel,
        name="api_task_action_cancel",
    ),
    path("api/tasks/<str:job_id>", api.api_task, name="api_task"),
]
