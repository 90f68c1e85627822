"""``DELETE /api/v1/account`` and ``GET /api/v1/account/export``: the family's data rights
(docs/privacy.md). Thin views over ``stories.account``."""

from __future__ import annotations

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from mira.fields import StrictCharField
from mira.openapi import RETRY_AFTER, error, errors

from .account import account_delete, account_export


class ReauthenticationThrottle(UserRateThrottle):
    """Password confirmations per account: a stolen token cannot guess the password."""

    scope = "reauthenticate"


class AccountDeleteSerializer(serializers.Serializer):
    password = StrictCharField(trim_whitespace=False, max_length=128)


class AccountApi(APIView):
    parser_classes = [JSONParser]
    throttle_classes = [ReauthenticationThrottle]

    @extend_schema(
        operation_id="account_destroy",
        summary="Delete the family: every row and media file (re-authenticate with the password)",
        description=(
            "Removes the account, its token, kid profiles, preferences, stories with their "
            "drawings, recordings, narration and covers, usage records and experiment data. "
            "Only the AI cost ledger is kept, anonymised (no user, story or text), for "
            "accounting. Cannot be undone: export first."
        ),
        request=AccountDeleteSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: inline_serializer(
                "AccountDeleted",
                {
                    "deleted": inline_serializer(
                        "AccountDeletedCounts",
                        {
                            "stories": serializers.IntegerField(),
                            "kids": serializers.IntegerField(),
                            "ledger_rows_anonymised": serializers.IntegerField(),
                        },
                    )
                },
            ),
            400: error("invalid", "parse_error"),
            403: error("reauthentication_failed"),
            415: error("unsupported_media_type"),
            429: error("throttled"),
            **errors(),
        },
    )
    def delete(self, request):
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        removed = account_delete(user=request.user, password=serializer.validated_data["password"])
        return Response({"deleted": removed})


class AccountExportApi(APIView):
    @extend_schema(
        operation_id="account_export",
        summary="Everything Mira holds about the family, as a zip",
        description=(
            "`profile.json` (account, plan, preferences, kids) and, per story, "
            "`stories/<id>/story.json` with its drawing, recording, narration and cover."
        ),
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="A zip."),
            **errors(),
        },
    )
    def get(self, request):
        archive = account_export(user=request.user)
        name = f"mira-export-{timezone.now():%Y%m%d}.zip"
        return FileResponse(
            archive, as_attachment=True, filename=name, content_type="application/zip"
        )
