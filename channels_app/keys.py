"""API keys named by their prefix.

djangorestframework-api-key makes a key's primary key "prefix.hash", so the hash would show
in every admin URL, page, log line and history entry that names the key. Here the primary key
is the prefix alone (8 random characters, unique like the key): the hash stays in its own
column, read only to check a key. A shared word: HQ's and the store's key models both use it.
"""

from __future__ import annotations

from rest_framework_api_key.models import APIKeyManager


class PrefixKeyManager(APIKeyManager):
    def assign_key(self, obj) -> str:
        secret = super().assign_key(obj)
        obj.id = obj.prefix
        return secret
