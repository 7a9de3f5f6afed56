"""Paging for every JSON API list, and how a paged list is described in the OpenAPI schema: the
page object the API really sends (LimitOffsetPagination's count/next/previous/results), and its
limit and offset parameters."""

from __future__ import annotations

import re
from functools import cache

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Far past any real list, far below PostgreSQL's bigint: a larger offset once reached the
# database as OFFSET and failed there (500 "bigint out of range").
MAX_OFFSET = 1_000_000_000
WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")

PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        int,
        description=f"How many items to return, 1 to {MAX_LIMIT} (a larger number returns {MAX_LIMIT}; "
        f"default {DEFAULT_LIMIT}).",
    ),
    OpenApiParameter(
        "offset",
        int,
        description=f"How many items to skip, 0 to {MAX_OFFSET}; anything else answers 400 naming `offset`.",
    ),
]


class PortalPagination(LimitOffsetPagination):
    """LimitOffsetPagination with a ceiling on both numbers. A limit above MAX_LIMIT is clamped
    (DRF's own convention for max_limit); an offset that is not a whole number from 0 to
    MAX_OFFSET answers 400 with a field error rather than silently restarting at 0."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        if not WHOLE_NUMBER.fullmatch(raw) or int(raw) > MAX_OFFSET:
            message = _("Offset must be a whole number from 0 to %(max)s.") % {"max": MAX_OFFSET}
            raise ValidationError({self.offset_query_param: [message]})
        return int(raw)


@cache
def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """A serializer for one page of `item`s; one class per item, so the schema names each page once."""
    name = item.__name__.removesuffix("Serializer")
    fields = {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": item(many=True),
        "__module__": __name__,
        "__doc__": f"One page of {name} items.",
    }
    return type(f"Paginated{name}ListSerializer", (serializers.Serializer,), fields)
