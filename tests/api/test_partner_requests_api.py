from hqcommerce.models import Prospect
from hqcommerce.services.distribution import distribution_run
from hqcommerce.services.partners import prospect_approve
from hqcommerce.services.pipeline import convert_run
from tests.clients import device_client
from tests.factories import ChannelFactory

REQUEST = {
    "company_name": "Cafés del Sur SA",
    "tax_id": "A87654321",
    "contact_last_name": "Ruiz",
    "email": "pedidos@cafes.es",
}


def test_partner_request_path_over_rest(device):
    created = device.post(
        "/api/v1/partner-requests/", REQUEST, format="json", HTTP_IDEMPOTENCY_KEY="pr-1"
    )
    again = device.post(
        "/api/v1/partner-requests/", REQUEST, format="json", HTTP_IDEMPOTENCY_KEY="pr-1"
    )
    assert created.status_code == again.status_code == 201
    request_id = created.json()["id"]
    assert again.json()["id"] == request_id
    assert created.json()["status"] == "pending_upload"

    convert_run()
    assert device.get(f"/api/v1/partner-requests/{request_id}/").json()["status"] == "new"

    customer = prospect_approve(prospect=Prospect.objects.get())
    distribution_run()
    body = device.get(f"/api/v1/partner-requests/{request_id}/").json()
    assert (body["status"], body["account_number"]) == ("approved", customer.account_number)
    assert device.get(f"/api/v1/customers/{customer.account_number}/").json()["name"] == (
        "Cafés del Sur SA"
    )


def test_a_device_sees_only_its_own_channels_requests(device):
    other = device_client(ChannelFactory(), "OTHER")
    request_id = other.post("/api/v1/partner-requests/", REQUEST, format="json").json()["id"]

    assert device.get(f"/api/v1/partner-requests/{request_id}/").status_code == 404
    assert device.get("/api/v1/partner-requests/not-a-guid/").status_code == 404


def test_failed_request_shows_its_reason(device):
    from channels_app.models import PartnerRequest

    request_id = device.post("/api/v1/partner-requests/", REQUEST, format="json").json()["id"]
    # The POS refuses a bad email now; a register on an older release stored one.
    PartnerRequest.objects.filter(async_id=request_id).update(email="bad")
    convert_run()

    body = device.get(f"/api/v1/partner-requests/{request_id}/").json()

    assert body["status"] == "failed"
    assert "email" in body["last_error"]


def test_bad_partner_request_answers_400(device):
    response = device.post("/api/v1/partner-requests/", {"company_name": "X"}, format="json")
    assert response.status_code == 400
    assert {"tax_id", "contact_last_name", "email"} <= {
        e["attr"] for e in response.json()["errors"]
    }
