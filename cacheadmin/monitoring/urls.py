from django.urls import path

from cacheadmin.monitoring import views

urlpatterns = [
    path("history/rq", views.rq_charts, name="rq_history"),
    path("metrics", views.metrics, name="metrics"),
]
