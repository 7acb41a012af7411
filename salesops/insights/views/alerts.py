"""Alert pages: the inbox, one alert, acknowledging and snoozing; the rules (administrators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesops.core.lists import Col, ListSpec, list_response
from salesops.core.visibility import get_visible_or_404
from salesops.insights.forms import SNOOZE_CHOICES, RuleForm, SnoozeForm
from salesops.insights.models import Alert, AlertRule
from salesops.insights.selectors import alerts as selectors
from salesops.insights.services import alerts as services
from salesops.insights.tasks import alert_scan_task

L = gettext_lazy


class InboxFilter(forms.Form):
    box = forms.ChoiceField(
        label=L("Whose"),
        required=False,
        choices=[("mine", L("Sent to me")), ("team", L("All I can see"))],
    )
    state = forms.ChoiceField(
        label=L("State"),
        required=False,
        choices=[
            ("active", L("Waiting for me")),
            ("acknowledged", L("Acknowledged")),
            ("snoozed", L("Snoozed")),
            ("resolved", L("Resolved")),
            ("all", L("All")),
        ],
    )
    rule = forms.ModelChoiceField(
        label=L("Rule"),
        required=False,
        queryset=AlertRule.objects.all(),
        empty_label=L("All rules"),
    )
    severity = forms.ChoiceField(
        label=L("Severity"),
        required=False,
        choices=[("", L("All severities")), *AlertRule.Severity.choices],
    )

    def apply(self, qs: QuerySet[Alert]) -> QuerySet[Alert]:
        """Rule and severity; the box and state are applied by the inbox selector."""
        data = self.cleaned_data
        if data.get("rule"):
            qs = qs.filter(rule=data["rule"])
        if data.get("severity"):
            qs = qs.filter(severity=data["severity"])
        return qs


INBOX = ListSpec(
    name="alerts",
    columns=[
        Col("severity", L("Severity"), sort="severity"),
        Col("rule", L("Alert"), sort="rule__name", value="rule__name"),
        Col("subject", L("About"), value="subject_key"),
        Col("owner", L("Owner"), sort="owner__username", value="owner__display_name"),
        Col("first_seen_at", L("Since"), sort="first_seen_at"),
        Col("state", L("State"), value="resolved_at"),
    ],
    search=["opportunity__name", "customer__name", "owner__display_name", "owner__username"],
    filter_form=InboxFilter,
    default_sort="-first_seen_at",
    per_page=25,
)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else reverse("insights:inbox")


def inbox(request: HttpRequest) -> HttpResponse:
    box = request.GET.get("box") or "mine"
    state = request.GET.get("state") or "active"
    if state not in selectors.STATES:
        state = "active"
    qs = selectors.inbox(actor=request.user, box=box, state=state)
    context = {"box": box, "state": state, "snooze_choices": SNOOZE_CHOICES, "now": timezone.now()}
    return list_response(request, INBOX, qs, "insights/inbox.html", context)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_visible_or_404(selectors.alerts(actor=request.user), request.user, pk=pk)
    rows = list(selectors.deliveries(alert))
    mine = next((d for d in rows if d.user_id == request.user.pk), None)
    context = {
        "alert": alert,
        "text": selectors.describe(alert),
        "subject": selectors.subject_label(alert),
        "subject_url": selectors.subject_url(alert),
        "deliveries": rows,
        "mine": mine,
        "now": timezone.now(),
        "snooze_choices": SNOOZE_CHOICES,
    }
    return render(request, "insights/alert_detail.html", context)


def _act(request: HttpRequest, write: Any, done: str) -> HttpResponse:
    try:
        write()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(_back(request))


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_visible_or_404(Alert, request.user, pk=pk)
    return _act(
        request,
        lambda: services.alert_acknowledge(actor=request.user, alert=alert),
        _("Alert acknowledged."),
    )


@require_POST
def snooze(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_visible_or_404(Alert, request.user, pk=pk)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how long to snooze."))
        return redirect(_back(request))
    days = form.cleaned_data["days"]
    return _act(
        request,
        lambda: services.alert_snooze(actor=request.user, alert=alert, days=days),
        _("Alert snoozed."),
    )


# --- rules (administrators) --------------------------------------------------------------------


def rule_list(request: HttpRequest) -> HttpResponse:
    rules = AlertRule.objects.visible_to(request.user).order_by("kind", "code")
    context = {"rules": rules, "counts": selectors.rule_counts()}
    return render(request, "insights/rule_list.html", context)


def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_visible_or_404(AlertRule, request.user, pk=pk)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_rule_update(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            rule.refresh_from_db()
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("Rule saved. The next scan uses it."))
            return redirect("insights:rule_list")
    return render(request, "insights/rule_form.html", {"form": form, "rule": rule})


@require_POST
def scan_run(request: HttpRequest) -> HttpResponse:
    result = alert_scan_task.enqueue()
    if result.is_finished and result.return_value:
        value = result.return_value
        messages.success(
            request,
            _("Scan done: %(c)d new alerts, %(r)d resolved, %(o)d open.")
            % {"c": value["created"], "r": value["resolved"], "o": value["found"]},
        )
    else:
        messages.info(request, _("The scan is queued; alerts appear when the worker has run it."))
    return redirect("insights:rule_list")
