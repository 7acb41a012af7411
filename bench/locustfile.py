"""The load test's simulated people (run by bench/load.py: locust headless against gunicorn on
loopback). Who logs in and what they open comes from the plan file named by BENCH_LOAD_PLAN
(written by bench/load.py from the bench database): leaders (the director, senior managers,
managers, supervisors) open their dashboards, the funnel, the forecast, team attainment, the
alerts inbox and the pipeline; reps open their dashboard, their deals and customers and log
activities through the real activity form (each one a real row in the bench database).

Every person logs in once through the real login form (CSRF) and keeps the session. Requests
are named by route, not by URL, so the statistics group them.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text(encoding="utf-8"))
_LEADERS = itertools.cycle(PLAN["leaders"])
_REPS = itertools.cycle(PLAN["reps"])


class Person(HttpUser):
    """A logged-in person of the plan, thinking 1–5 s between pages."""

    abstract = True
    wait_time = between(1, 5)
    me: dict[str, Any]

    def log_in(self, me: dict[str, Any]) -> None:
        self.me = me
        # One connection per request, as behind a reverse proxy: a kept-alive connection that
        # gunicorn closes after its keep-alive time races the next request of a thinking user.
        self.client.headers["Connection"] = "close"
        self.client.get("/login/", name="login")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post("/login/", name="login", allow_redirects=False, catch_response=True,
                              data={"username": me["username"], "password": PLAN["password"],
                                    "csrfmiddlewaretoken": token}) as answer:  # fmt: skip
            if answer.status_code != 302:
                answer.failure(f"{me['username']} could not log in (HTTP {answer.status_code})")

    def page(self, path: str, name: str, **params: Any) -> None:
        self.client.get(path, params=params, name=name)


class Leader(Person):
    """A director or manager looking at their organisation."""

    weight = 1

    def on_start(self) -> None:
        self.log_in(next(_LEADERS))

    @task(3)
    def team_dashboard(self) -> None:
        self.page("/insights/team/", "team dashboard", period=PLAN["period"])

    @task(2)
    def managers(self) -> None:
        if self.me["managers"]:
            self.page("/insights/managers/", "managers dashboard", period=PLAN["period"])

    @task(2)
    def funnel(self) -> None:
        self.page("/insights/funnel/", "funnel", period=PLAN["period"])

    @task(2)
    def forecast(self) -> None:
        self.page("/insights/forecast/", "forecast", period=PLAN["current"], unit=self.me["unit"])

    @task(2)
    def attainment(self) -> None:
        self.page("/targets/team/", "team attainment", period=PLAN["period"])

    @task(1)
    def alerts(self) -> None:
        self.page("/insights/alerts/", "alerts inbox", box="team")

    @task(1)
    def pipeline(self) -> None:
        self.page("/crm/opportunities/", "opportunity list", sort="-amount")


class Rep(Person):
    """A rep working their deals and customers, logging what they did."""

    weight = 3

    def on_start(self) -> None:
        self.log_in(next(_REPS))

    @task(3)
    def dashboard(self) -> None:
        self.page("/insights/", "rep dashboard")

    @task(2)
    def deals(self) -> None:
        self.page("/crm/opportunities/", "opportunity list", sort="expected_close")

    @task(2)
    def search(self) -> None:
        self.page("/crm/customers/", "customer search", q=random.choice(PLAN["words"]))

    @task(2)
    def customer(self) -> None:
        self.page(f"/crm/customers/{random.choice(self.me['customers'])}/", "customer detail")

    @task(2)
    def log_activity(self) -> None:
        """Open the activity form for one of their customers and log a call done yesterday."""
        customer = random.choice(self.me["customers"])
        self.page("/crm/activities/new/", "activity form", customer=customer)
        done = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT10:00")
        data = {"kind": "call", "subject": "Load test call", "state": "done", "done_at": done,
                "customer": customer, "owner": self.me["id"], "outcome": "Discussed next steps",
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}  # fmt: skip
        with self.client.post("/crm/activities/new/", data=data, name="activity log",
                              allow_redirects=False, catch_response=True) as answer:  # fmt: skip
            if answer.status_code != 302:
                answer.failure(f"the activity was not logged (HTTP {answer.status_code})")
