from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("cacheadmin.urls")),
]

# Pages as Django makes them; under /api/, JSON in the API's one error shape.
handler400 = "cacheadmin.web.error_pages.bad_request"
handler403 = "cacheadmin.web.error_pages.permission_denied"
handler404 = "cacheadmin.web.error_pages.page_not_found"
handler500 = "cacheadmin.web.error_pages.server_error"
