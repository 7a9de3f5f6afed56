"""How a paged list is described in the OpenAPI schema: the page object the API really sends
(LimitOffsetPagination's count/next/previous/results), and its limit and offset parameters."""

from __future__ import annotations

from functools import cache

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="How many items to return (at most one page)."),
    OpenApiParameter("offset", int, description="How many items to skip."),
]


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
