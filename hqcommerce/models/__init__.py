from .api import DeviceKey, IdempotencyRecord
from .customers import (
    Affiliation,
    Customer,
    CustomerAddress,
    CustomerAffiliation,
    CustomerAttribute,
    CustomerContact,
)
from .jobs import JobRun
from .organization import Channel, FunctionalityProfile, NumberSequence, ReplicationCounter
from .sales import LoyaltyCard, SalesOrder, Statement, UploadedTransaction
from .staging import AsyncStagingRecord

__all__ = [
    "Affiliation",
    "AsyncStagingRecord",
    "Channel",
    "Customer",
    "CustomerAddress",
    "CustomerAffiliation",
    "CustomerAttribute",
    "CustomerContact",
    "DeviceKey",
    "FunctionalityProfile",
    "IdempotencyRecord",
    "JobRun",
    "LoyaltyCard",
    "NumberSequence",
    "ReplicationCounter",
    "SalesOrder",
    "Statement",
    "UploadedTransaction",
]
