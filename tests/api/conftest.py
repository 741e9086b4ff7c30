from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from hqcommerce.services.access import OPERATORS_GROUP
from tests.clients import device_client


@pytest.fixture
def device(channel) -> APIClient:
    return device_client(channel)


@pytest.fixture
def operator_client(db) -> APIClient:
    user = User.objects.create_user("ops", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATORS_GROUP))
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def viewer_client(db) -> APIClient:
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    return client
