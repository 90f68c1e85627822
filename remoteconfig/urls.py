from django.urls import path

from . import api

api_urlpatterns = [
    path("config", api.ClientConfigApi.as_view(), name="config"),
]
