"""Time for generated data: epoch seconds (UTC) and seasonal day sampling in local time."""

from __future__ import annotations

import random
from bisect import bisect
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")
DAY = 86_400
# Relative volume by calendar month: a slow Spring Festival, a strong year end.
SEASON = [0.7, 0.55, 1.0, 1.0, 1.0, 1.1, 0.9, 0.9, 1.0, 1.05, 1.2, 1.45]


def local_midnight(day: date) -> float:
    return datetime.combine(day, time.min, LOCAL).timestamp()


def to_local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, UTC).astimezone(LOCAL).date()


class Clock:
    """Days from `first` to `last` with seasonal, weekday-heavy weights for sampling."""

    def __init__(self, anchor: date, months: int, ahead_days: int = 0) -> None:
        self.anchor = anchor
        self.first = date(anchor.year - months // 12, anchor.month, 1)
        self.now = local_midnight(anchor) + 11 * 3600  # 11:00 local on the anchor day
        self.days = [
            self.first + timedelta(days=i)
            for i in range((anchor - self.first).days + 1 + ahead_days)
        ]
        self.starts = [local_midnight(d) for d in self.days]
        self.cum_work = list(accumulate(self._weight(d, 0.08) for d in self.days))
        self.cum_any = list(accumulate(self._weight(d, 0.3) for d in self.days))
        self.past = (anchor - self.first).days + 1

    @staticmethod
    def _weight(day: date, weekend: float) -> float:
        return SEASON[day.month - 1] * (weekend if day.weekday() >= 5 else 1.0)

    def sample(self, rng: random.Random, work: bool = True, past_only: bool = True) -> float:
        """A business-hours moment on a seasonal day."""
        cum = self.cum_work if work else self.cum_any
        top = cum[self.past - 1] if past_only else cum[-1]
        i = bisect(cum, rng.random() * top)
        return self.starts[min(i, len(cum) - 1)] + 9 * 3600 + rng.random() * 9 * 3600

    def between(self, rng: random.Random, start: float, end: float) -> float:
        return start + rng.random() * max(0.0, end - start)
