from __future__ import annotations

import io

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = _("The request body is too large.")


# The deepest JSON the API takes: a POS document is three levels deep (a customer, its
# addresses, an address); Python's JSON decoder would recurse until RecursionError.
MAX_JSON_DEPTH = 16
_OPEN, _CLOSE, _QUOTE, _ESCAPE = frozenset(b"[{"), frozenset(b"]}"), ord('"'), ord("\\")


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit`: one pass over the bytes,
    before any parsing, so a body of "[[[[..." is refused without recursion. A body with
    fewer brackets than the limit (every POS request) is not scanned at all."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _ESCAPE:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSE:
            depth -= 1
    return False


class LimitedJSONParser(JSONParser):
    """JSON with a size and a nesting cap: DRF reads the stream itself, past Django's upload
    limit, and its decoder recurses once per level."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(
                _("The request body is larger than %(limit)s bytes.") % {"limit": limit}
            )
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge(
                _("The request body is larger than %(limit)s bytes.") % {"limit": limit}
            )
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError(_("The request body is not valid UTF-8.")) from None
        if json_depth_exceeds(body):
            raise exceptions.ParseError(
                _("JSON nested deeper than %(limit)d levels.") % {"limit": MAX_JSON_DEPTH}
            )
        return super().parse(io.BytesIO(body), media_type, parser_context)
