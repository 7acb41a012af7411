"""The daily alert digest: one email per person with the alerts that reached them since their
last digest, through the Django email backend (the console by default).

Safe to run twice: each delivery is emailed once (`emailed_at`), so a second run the same day
finds nothing new and sends nothing. Acknowledged, snoozed and resolved alerts are left out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesops.insights.models import AlertDelivery, AlertRule
from salesops.insights.selectors.alerts import describe, subject_label

RANK: dict[str, int] = {
    AlertRule.Severity.CRITICAL: 0,
    AlertRule.Severity.WARNING: 1,
    AlertRule.Severity.INFO: 2,
}


def _pending(now: datetime) -> Any:
    return (
        AlertDelivery.objects.filter(
            acknowledged_at__isnull=True,
            alert__resolved_at__isnull=True,
            user__is_active=True,
        )
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
        .exclude(user__email="")
    )


def _message(user: Any, deliveries: list[AlertDelivery], still_open: int, base_url: str) -> Any:
    language = user.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        items = [
            {
                "alert": d.alert,
                "rule": d.alert.rule.label,
                "subject": subject_label(d.alert),
                "text": describe(d.alert),
                "severity": d.alert.get_severity_display(),
            }
            for d in sorted(deliveries, key=lambda d: RANK.get(d.alert.severity, 9))
        ]
        context = {"user": user, "items": items, "still_open": still_open, "base_url": base_url}
        subject = _("SalesOps: %(n)d new alerts") % {"n": len(items)}
        text = render_to_string("insights/email/digest.txt", context)
        html = render_to_string("insights/email/digest.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    return message


@transaction.atomic
def alert_digest_send(*, now: datetime | None = None, base_url: str = "") -> int:
    """Email each person the open alerts that reached them since their last digest; returns
    the number of emails sent (three queries, then one send for all messages)."""
    now = now or timezone.now()
    pending = _pending(now)
    new = list(
        pending.filter(emailed_at__isnull=True)
        .select_related(
            "user",
            "alert__rule",
            "alert__opportunity",
            "alert__customer",
            "alert__target__kpi",
            "alert__unit",
            "alert__owner",
        )
        .select_for_update(of=("self",))
        .order_by("user_id", "alert_id")
    )
    if not new:
        return 0
    by_user: dict[int, list[AlertDelivery]] = defaultdict(list)
    for delivery in new:
        by_user[delivery.user_id].append(delivery)
    open_counts = dict(
        pending.filter(user_id__in=list(by_user)).values_list("user_id").annotate(n=Count("pk"))
    )
    base_url = base_url or getattr(settings, "SALESOPS_BASE_URL", "")
    messages = [
        _message(items[0].user, items, open_counts.get(uid, len(items)), base_url)
        for uid, items in by_user.items()
    ]
    get_connection().send_messages(messages)
    AlertDelivery.objects.filter(pk__in=[d.pk for d in new]).update(emailed_at=now)
    return len(messages)
