from django.urls import path

from cacheadmin.audit import views

urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
]
