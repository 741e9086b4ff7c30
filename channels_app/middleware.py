"""Refuse a request with a NUL byte before any view reads it.

PostgreSQL stores no NUL in text, so a NUL in a path, a query parameter or a header that
reaches a query (a key prefix, a search, a filter) would raise there: a 500. Nothing the
product serves needs one, so such a request is a 400 at the door, on every database.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.META.get(
        "QUERY_STRING", ""
    ):
        return True
    return any(
        "\x00" in value
        for key, value in request.META.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    )


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            message = _("The request contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "type": "validation_error",
                        "errors": [{"code": "invalid", "detail": message, "attr": None}],
                    },
                    status=400,
                )
            return HttpResponseBadRequest(message)
        return self.get_response(request)
