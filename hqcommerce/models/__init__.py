from .api import DeviceKey, RealtimeRequest, ScaleUnitKey
from .customers import (
    Affiliation,
    AttributeDefinition,
    AttributeGroup,
    ContactPerson,
    Customer,
    CustomerAddress,
    CustomerAffiliation,
    CustomerAttribute,
    CustomerContact,
    CustomerGroup,
)
from .jobs import JobLock, JobRun
from .organization import (
    Channel,
    ChannelDatabase,
    CommerceParameters,
    FunctionalityProfile,
    NumberSequence,
    ReplicationCounter,
)
from .partners import Prospect
from .sales import LoyaltyCard, SalesOrder, Statement, UploadedTransaction
from .staging import AsyncStagingRecord

__all__ = [
    "Affiliation",
    "AsyncStagingRecord",
    "AttributeDefinition",
    "AttributeGroup",
    "Channel",
    "ChannelDatabase",
    "CommerceParameters",
    "ContactPerson",
    "Customer",
    "CustomerAddress",
    "CustomerAffiliation",
    "CustomerAttribute",
    "CustomerContact",
    "CustomerGroup",
    "DeviceKey",
    "FunctionalityProfile",
    "JobLock",
    "JobRun",
    "LoyaltyCard",
    "NumberSequence",
    "Prospect",
    "RealtimeRequest",
    "ReplicationCounter",
    "SalesOrder",
    "ScaleUnitKey",
    "Statement",
    "UploadedTransaction",
]
