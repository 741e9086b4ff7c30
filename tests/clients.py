"""API clients as the product's callers hold them."""

from __future__ import annotations

from rest_framework.test import APIClient

from hqcommerce.services.devices import device_key_create


def device_client(channel, name: str = "POS-1") -> APIClient:
    """A POS register of `channel`, with a key made as staff make one."""
    _, secret = device_key_create(channel_code=channel.code, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client
