"""``limit`` / ``offset`` paging that refuses values it cannot use (DRF's own falls back to the
defaults silently, so ``?limit=ten`` looked like it worked)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.pagination import LimitOffsetPagination

from .errors import InvalidInput

MAX_PAGE_SIZE = 100


class StrictLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_PAGE_SIZE

    def _whole_number(self, request, name: str, minimum: int, maximum: int | None) -> int | None:
        raw = request.query_params.getlist(name)
        if not raw:
            return None
        try:
            value = int(raw[-1], 10)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            bound = f"from {minimum} to {maximum}" if maximum is not None else f"≥ {minimum}"
            raise InvalidInput(f"{name} must be a whole number {bound}.", field=name)
        return value

    def get_limit(self, request) -> int:
        limit = self._whole_number(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request) -> int:
        offset = self._whole_number(request, self.offset_query_param, 0, None)
        return offset or 0


PAGINATION_PARAMETERS = [
    OpenApiParameter(
        "limit",
        type={"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        location=OpenApiParameter.QUERY,
        required=False,
        description=f"Page size, 1-{MAX_PAGE_SIZE} (default 20).",
    ),
    OpenApiParameter(
        "offset",
        type={"type": "integer", "minimum": 0},
        location=OpenApiParameter.QUERY,
        required=False,
    ),
]
