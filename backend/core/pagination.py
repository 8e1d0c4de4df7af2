from functools import partial

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination


class CountedPaginator(Paginator):
    """A paginator told its count (kept by a counter) instead of counting the rows with COUNT(*)."""

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # Paginator.count is a cached property: this is its value


class Pagination(PageNumberPagination):
    """`?page=N&page_size=M` (at most 500); answers count, next, previous, results."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None, *, count: int | None = None):
        """`count`, when the caller knows it from a counter, spares counting the whole queryset."""
        if count is not None:
            self.django_paginator_class = partial(CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)
