from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

from remoteconfig.urls import api_urlpatterns as remoteconfig_api
from stories.urls import api_urlpatterns as stories_api


def health(request):
    return JsonResponse({"status": "ok"})


admin.site.site_header = "Mira ops console"
admin.site.site_title = "Mira"

# Media is never served from MEDIA_URL: story audio and covers go through signed, owner-only
# views in ``stories.views``.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", obtain_auth_token, name="api-token"),
    path("api/v1/", include((stories_api, "stories_api"))),
    path("api/v1/", include((remoteconfig_api, "remoteconfig_api"))),
    path("healthz", health),
    path("", include("stories.urls")),
]
