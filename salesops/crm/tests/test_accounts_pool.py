"""The shared pool: claim (one winner, limits), release, assign, and the pool_return job."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from salesops.core.models import AuditEntry
from salesops.crm.models import CrmSettings, Customer, Lead
from salesops.crm.services import accounts_pool as pool
from salesops.crm.tasks import pool_return as pool_return_task
from salesops.crm.tests.test_accounts_support import (
    audits,
    customer,
    english,  # noqa: F401
    lead,
)

pytestmark = pytest.mark.django_db


def _rules(**values):
    CrmSettings.objects.filter(pk=CrmSettings.current().pk).update(**values)


# --- claim ----------------------------------------------------------------------------------


def test_claim_a_pool_lead(cast):
    pooled = lead(None)
    pool.lead_claim(actor=cast.rep, lead=pooled)
    pooled.refresh_from_db()
    assert pooled.owner == cast.rep and pooled.claimed_at is not None
    [entry] = audits(pooled)
    assert entry.changes["owner_id"] == [None, cast.rep.pk] and entry.reason == "Claimed"


def test_two_people_claiming_at_once_only_one_wins(cast):
    # given both have the pool page open on the same lead (the same stale row)
    pooled = lead(None)
    seen_by_rep = Lead.objects.get(pk=pooled.pk)
    seen_by_peer = Lead.objects.get(pk=pooled.pk)
    # when both click claim
    pool.lead_claim(actor=cast.rep, lead=seen_by_rep)
    with pytest.raises(ValidationError) as err:
        pool.lead_claim(actor=cast.peer_rep, lead=seen_by_peer)
    # then the first wins and the second is told, with nothing changed
    assert "someone else has claimed it" in err.value.messages[0]
    assert Lead.objects.get(pk=pooled.pk).owner == cast.rep
    assert len(audits(pooled)) == 1


def test_claim_is_refused_over_the_lead_limit(cast):
    _rules(max_leads_per_rep=2)
    lead(cast.rep), lead(cast.rep, status=Lead.Status.WORKING)
    lead(cast.rep, status=Lead.Status.CONVERTED)  # closed leads do not count
    pooled = lead(None)
    with pytest.raises(ValidationError) as err:
        pool.lead_claim(actor=cast.rep, lead=pooled)
    assert err.value.message_dict["owner"] == [
        "You already hold 2 open leads, the most allowed. Close or release some first."
    ]
    assert Lead.objects.get(pk=pooled.pk).owner is None and audits(pooled) == []


def test_claim_is_refused_over_the_customer_limit(cast):
    _rules(max_customers_per_rep=1)
    customer(cast.rep)
    pooled = customer(None)
    with pytest.raises(ValidationError):
        pool.customer_claim(actor=cast.rep, customer=pooled)
    assert Customer.objects.get(pk=pooled.pk).owner is None


def test_claim_a_pool_customer(cast):
    pooled = customer(None)
    pool.customer_claim(actor=cast.channel_manager, customer=pooled)
    pooled.refresh_from_db()
    assert pooled.owner == cast.channel_manager and pooled.owned_since is not None


def test_admin_does_not_claim(cast):
    with pytest.raises(PermissionDenied):
        pool.lead_claim(actor=cast.admin, lead=lead(None))
    assert Lead.objects.get().owner is None


def test_closed_or_merged_records_cannot_be_claimed(cast):
    closed = lead(None, status=Lead.Status.DISQUALIFIED)
    merged = customer(None, merged_into=customer(cast.rep))
    with pytest.raises(ValidationError):
        pool.lead_claim(actor=cast.rep, lead=closed)
    with pytest.raises(ValidationError):
        pool.customer_claim(actor=cast.rep, customer=merged)
    assert Lead.objects.get(pk=closed.pk).owner is None
    assert Customer.objects.get(pk=merged.pk).owner is None


# --- release and assign ---------------------------------------------------------------------


def test_owner_releases_to_the_pool(cast):
    mine = lead(cast.rep)
    pool.lead_release(actor=cast.rep, lead=mine, reason="Not my territory")
    mine.refresh_from_db()
    assert (mine.owner, mine.claimed_at) == (None, None)
    assert audits(mine)[-1].reason == "Not my territory"


def test_only_owner_or_leader_releases(cast):
    partner_customer = customer(cast.rep)
    with pytest.raises(ValidationError):
        pool.customer_release(actor=cast.channel_manager, customer=partner_customer)
    assert Customer.objects.get(pk=partner_customer.pk).owner == cast.rep
    pool.customer_release(actor=cast.supervisor, customer=partner_customer)
    assert Customer.objects.get(pk=partner_customer.pk).owner is None


def test_leader_assigns_from_the_pool_within_the_subtree(cast):
    pooled = lead(None)
    pool.lead_assign(actor=cast.manager, lead=pooled, owner=cast.peer_rep)
    assert Lead.objects.get(pk=pooled.pk).owner == cast.peer_rep
    with pytest.raises(ValidationError):
        pool.lead_assign(actor=cast.manager, lead=lead(None), owner=cast.outside_rep)
    assert Lead.objects.filter(owner=cast.outside_rep).count() == 0


def test_leader_transfers_a_customer_and_the_rep_cannot(cast):
    acme = customer(cast.rep)
    pool.customer_assign(actor=cast.supervisor, customer=acme, owner=cast.peer_rep)
    acme.refresh_from_db()
    assert acme.owner == cast.peer_rep
    assert audits(acme)[-1].changes["owner_id"] == [cast.rep.pk, cast.peer_rep.pk]
    with pytest.raises(PermissionDenied):
        pool.customer_assign(actor=cast.peer_rep, customer=acme, owner=cast.rep)
    assert Customer.objects.get(pk=acme.pk).owner == cast.peer_rep


def test_assigning_from_the_pool_respects_the_limit(cast):
    _rules(max_customers_per_rep=1)
    customer(cast.peer_rep)
    pooled = customer(None)
    with pytest.raises(ValidationError) as err:
        pool.customer_assign(actor=cast.supervisor, customer=pooled, owner=cast.peer_rep)
    assert "Peer Rep already holds 1 customers" in err.value.message_dict["owner"][0]
    assert Customer.objects.get(pk=pooled.pk).owner is None


# --- the pool_return job --------------------------------------------------------------------


def _ago(days):
    return timezone.now() - timedelta(days=days)


def _given_stale_and_fresh_records(cast):
    """Lead rules: 14 days; customer rules: 90 days (the defaults)."""
    return {
        "idle_lead": lead(cast.rep, claimed_at=_ago(20)),
        "followed_lead": lead(cast.rep, claimed_at=_ago(20), last_activity_at=_ago(3)),
        "old_follow_up_new_claim": lead(cast.rep, claimed_at=_ago(2), last_activity_at=_ago(40)),
        "working_idle": lead(
            cast.rep, status="working", claimed_at=_ago(30), last_activity_at=_ago(15)
        ),
        "qualified_idle": lead(cast.rep, status="qualified", claimed_at=_ago(30)),
        "idle_prospect": customer(cast.rep, days_since_contact=100, owned_since=_ago(200)),
        "never_contacted_prospect": customer(cast.rep),
        "contacted_prospect": customer(cast.rep, days_since_contact=10),
        "idle_active": customer(cast.rep, status="active", days_since_contact=200),
    }


def test_pool_return_returns_only_idle_records_and_runs_twice_safely(cast):
    made = _given_stale_and_fresh_records(cast)
    Customer.objects.filter(pk=made["never_contacted_prospect"].pk).update(owned_since=_ago(91))
    # when the job runs
    first = pool.pool_return()
    # then exactly the idle new/working leads and idle prospects are back in the pool
    returned = {
        name for name, obj in made.items() if type(obj).objects.get(pk=obj.pk).owner_id is None
    }
    assert returned == {"idle_lead", "working_idle", "idle_prospect", "never_contacted_prospect"}
    assert first == {"leads": 2, "customers": 2}
    entry = audits(made["idle_lead"])[-1]
    assert (entry.actor, entry.changes, entry.reason) == (
        None,
        {"owner_id": [cast.rep.pk, None]},
        "No follow-up in 14 days",
    )
    assert AuditEntry.objects.count() == 4
    # and a second run changes nothing
    assert pool.pool_return() == {"leads": 0, "customers": 0}
    assert AuditEntry.objects.count() == 4


def test_pool_return_follows_the_rules(cast):
    _rules(lead_return_days=3)
    recent = lead(cast.rep, claimed_at=_ago(5))
    assert pool.pool_return() == {"leads": 1, "customers": 0}
    assert Lead.objects.get(pk=recent.pk).owner is None


def test_pool_return_task_and_command(cast, django_capture_on_commit_callbacks):
    lead(cast.rep, claimed_at=_ago(20))
    with django_capture_on_commit_callbacks(execute=True):
        result = pool_return_task.enqueue()
    assert result.return_value == {"leads": 1, "customers": 0}
    customer(cast.rep, days_since_contact=120, owned_since=_ago(120))
    out = StringIO()
    call_command("crm_pool_return", stdout=out)
    assert out.getvalue().strip() == "Returned to the pool: 0 leads, 1 customers."


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_one_winner(cast):
    """Two real transactions at once (PostgreSQL; SQLite serialises all writers anyway)."""
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writer at a time; the race needs a server database")
    pooled = lead(None)
    barrier, outcomes = threading.Barrier(2), []

    def claim(user):
        try:
            stale = Lead.objects.get(pk=pooled.pk)
            barrier.wait()
            pool.lead_claim(actor=user, lead=stale)
            outcomes.append(user.username)
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (cast.rep, cast.peer_rep)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(outcomes) == 2 and outcomes.count("refused") == 1
    winner = next(o for o in outcomes if o != "refused")
    assert Lead.objects.get(pk=pooled.pk).owner.username == winner
    assert AuditEntry.objects.filter(object_type="crm.lead", object_id=str(pooled.pk)).count() == 1
