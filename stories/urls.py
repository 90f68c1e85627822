from django.urls import path

from . import account_api, api, views

app_name = "stories"

api_urlpatterns = [
    path("account", account_api.AccountApi.as_view(), name="account"),
    path("account/export", account_api.AccountExportApi.as_view(), name="account-export"),
    path("kids/", api.KidListCreateApi.as_view(), name="kids"),
    path("stories/", api.StoryListCreateApi.as_view(), name="stories"),
    path("stories/<uuid:story_id>/", api.StoryDetailApi.as_view(), name="story-detail"),
    path("stories/<uuid:story_id>/rating", api.StoryRatingApi.as_view(), name="story-rating"),
    path(
        "stories/<uuid:story_id>/listening",
        api.StoryListeningApi.as_view(),
        name="story-listening",
    ),
]

urlpatterns = [
    path("stories/<uuid:story_id>/read/", views.read_along, name="read-along"),
    path("stories/<uuid:story_id>/media/<str:kind>", views.story_media, name="media"),
]
