"""factory-boy factories: each test builds only what it needs."""

from __future__ import annotations

import factory

from hqcommerce.models import Channel, ChannelDatabase, FunctionalityProfile


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FunctionalityProfile
        django_get_or_create = ("name",)

    name = factory.LazyAttribute(lambda o: "Async stores" if o.create_customer_async else "Sync")
    create_customer_async = True


class ChannelDatabaseFactory(factory.django.DjangoModelFactory):
    """A configured channel database (the test settings have DEFAULT and EU)."""

    class Meta:
        model = ChannelDatabase
        django_get_or_create = ("code",)

    code = "EU"
    name = factory.LazyAttribute(lambda o: f"Channel database {o.code}")


class ChannelFactory(factory.django.DjangoModelFactory):
    """An HQ channel, written through to its channel database as staff saving it would."""

    class Meta:
        model = Channel
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"STORE{n + 1:02d}")
    name = factory.LazyAttribute(lambda o: f"Store {o.code}")
    profile = factory.SubFactory(ProfileFactory)

    @factory.post_generation
    def configured(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            from hqcommerce.services.configuration import channel_configuration_push

            channel_configuration_push(channels=[obj])


class SyncChannelFactory(ChannelFactory):
    profile = factory.SubFactory(ProfileFactory, create_customer_async=False)


class CustomerDataFactory(factory.DictFactory):
    """A POS customer payload that passes every HQ rule."""

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    contacts = factory.Sequence(lambda n: [{"kind": "email", "value": f"buyer{n}@example.com"}])
    addresses = factory.LazyFunction(
        lambda: [
            {"street": "Calle Mayor 1", "city": "Madrid", "zip_code": "28013", "country": "ES"}
        ]
    )


class PartnerRequestDataFactory(factory.DictFactory):
    """A partner request a store takes, with just the fields HQ requires."""

    company_name = "Fabrikam"
    tax_id = "B12345678"
    contact_last_name = "Ruiz"
    email = "compras@fabrikam.example"


def async_customer_stored(channel, data: dict):
    """An async customer in the store's channel data, through the POS as a store creates it;
    one that breaks HQ's rules (refused at the POS's door) through the bulk import, as an
    import or a register on an older release would bring it. Its temporary id."""
    from channels_app.errors import CustomerValidationError
    from channels_app.services.bulk import async_customers_bulk_create
    from channels_app.services.pos import pos_customer_create

    try:
        return pos_customer_create(channel=channel, data=data).async_id
    except CustomerValidationError:
        (customer,) = async_customers_bulk_create(channel=channel, rows=[data])
        return customer.async_id
