from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import LoginApi
from ops import views as ops_views
from remoteconfig.urls import api_urlpatterns as remoteconfig_api
from stories.urls import api_urlpatterns as stories_api

handler404 = "mira.errors.api_not_found"

admin.site.site_header = "Mira ops console"
admin.site.site_title = "Mira"
# The admin's index with links to the Operations dashboard on top (ops/templates/ops/).
admin.site.index_template = "ops/admin_index.html"

# Media is never served from MEDIA_URL: story audio and covers go through signed, owner-only
# views in ``stories.views``.
urlpatterns = [
    # Before admin.site.urls, whose catch-all would answer these paths with a 404.
    path(
        "admin/operations/",
        admin.site.admin_view(ops_views.dashboard_view),
        name="ops-dashboard",
    ),
    path(
        "admin/operations/vendors/",
        admin.site.admin_view(ops_views.vendors_view),
        name="ops-vendors",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", LoginApi.as_view(), name="api-token"),
    # OpenAPI 3 and Swagger UI (assets from drf-spectacular-sidecar; its init script is a
    # separate file, so the page needs no inline script under the CSP).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    # Config first: the app polls it more than anything else, and no story path overlaps it.
    path("api/v1/", include((remoteconfig_api, "remoteconfig_api"))),
    path("api/v1/", include((stories_api, "stories_api"))),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics_view, name="metrics"),
    path("", include("stories.urls")),
]
