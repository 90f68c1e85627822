"""The parents' API: thin views that parse, call one service or selector, and serialize."""

from __future__ import annotations

from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from mira.pagination import StrictLimitOffsetPagination

from . import openapi, selectors, services
from .serializers import (
    KidInputSerializer,
    KidOutputSerializer,
    StoryFeedbackSerializer,
    StoryInputSerializer,
    StoryListeningSerializer,
    StoryRatingSerializer,
    StorySerializer,
)
from .throttles import StoryCreationThrottle


class KidListCreateApi(APIView):
    parser_classes = [JSONParser]

    @openapi.kid_list
    def get(self, request):
        kids = selectors.kid_list(parent=request.user)
        return Response(KidOutputSerializer(kids, many=True).data)

    @openapi.kid_create
    def post(self, request):
        serializer = KidInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kid = services.kid_create(parent=request.user, **serializer.validated_data)
        return Response(KidOutputSerializer(kid).data, status=status.HTTP_201_CREATED)


class StoryListCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    throttle_classes = [StoryCreationThrottle]

    @openapi.story_list
    def get(self, request):
        paginator = StrictLimitOffsetPagination()
        page = paginator.paginate_queryset(
            selectors.story_list(owner=request.user), request, view=self
        )
        data = StorySerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @openapi.story_create
    def post(self, request):
        serializer = StoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("drawing")
        recording = data.get("audio")
        story, created = services.story_request(
            owner=request.user,
            kid_id=data["kid"],
            story_type=data["story_type"],
            story_length=data["story_length"],
            drawing=upload.read() if upload is not None else None,
            audio=recording.read() if recording is not None else None,
            text=data["text"],
            special_requests=data["special_requests"],
            language=data["language"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        body = StorySerializer(story, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


class StoryDetailApi(APIView):
    @openapi.story_detail
    def get(self, request, story_id):
        story = selectors.story_get(owner=request.user, story_id=story_id)
        return Response(StorySerializer(story, context={"request": request}).data)


class StoryRatingApi(APIView):
    parser_classes = [JSONParser]

    @openapi.story_rate
    def post(self, request, story_id):
        serializer = StoryRatingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        story = services.story_rate(
            owner=request.user, story_id=story_id, **serializer.validated_data
        )
        return Response(StoryFeedbackSerializer(story).data)


class StoryListeningApi(APIView):
    parser_classes = [JSONParser]

    @openapi.story_listening
    def post(self, request, story_id):
        serializer = StoryListeningSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        story = services.story_listening_record(
            owner=request.user, story_id=story_id, **serializer.validated_data
        )
        return Response(StoryFeedbackSerializer(story).data)
