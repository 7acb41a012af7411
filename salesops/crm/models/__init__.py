"""CRM records: the record of what the sales force does."""

from salesops.crm.models.accounts import Contact, Customer, TierStandard
from salesops.crm.models.activities import Activity
from salesops.crm.models.contracts import (
    ApprovalRule,
    ApprovalStep,
    Contract,
    ContractLine,
    Payment,
)
from salesops.crm.models.leads import CrmSettings, Lead
from salesops.crm.models.partners import Partner, PartnerAgreement
from salesops.crm.models.pipeline import (
    Opportunity,
    OpportunityLine,
    Stage,
    StageHistory,
    StagesReached,
)
from salesops.crm.models.products import Product
from salesops.crm.models.rollups import (
    ActivityDay,
    ActivityMonth,
    CloseMonthTotal,
    DealCohort,
    DealMonth,
    OpenPipeline,
    ReasonMonth,
    RollupState,
    StageTotal,
    StayMonth,
)

__all__ = [
    "Activity",
    "ActivityDay",
    "ActivityMonth",
    "ApprovalRule",
    "ApprovalStep",
    "CloseMonthTotal",
    "Contact",
    "Contract",
    "ContractLine",
    "CrmSettings",
    "Customer",
    "DealCohort",
    "DealMonth",
    "Lead",
    "OpenPipeline",
    "Opportunity",
    "OpportunityLine",
    "Partner",
    "PartnerAgreement",
    "Payment",
    "Product",
    "ReasonMonth",
    "RollupState",
    "Stage",
    "StageHistory",
    "StageTotal",
    "StagesReached",
    "StayMonth",
    "TierStandard",
]
