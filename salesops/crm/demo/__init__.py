"""Demo step: a year and a half of CRM history for the demo company.

Customers in every tier with contacts, leads (pooled, worked, converted), products of the three
product lines, deals moving through the funnel with consistent stage histories (some moved
back, some stuck), won deals' contracts (most signed, a few waiting for approval, one rejected)
and payments, channel partners with their deals, and activities behind every customer's last
contact (some key customers overdue). All drawn from ctx.rng and written with bulk_create.
"""

from __future__ import annotations

from salesops.core.demo import DemoContext, demo_step
from salesops.crm.demo.history import History

__all__ = ["History", "crm_history"]


@demo_step(20)
def crm_history(ctx: DemoContext) -> None:
    """Eighteen months of CRM history: customers, leads, deals, contracts, payments, activities."""
    History(ctx).run()
