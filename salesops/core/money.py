"""Exact money: Decimal in Python, integer minor units (分 / cents) in the database.

SQLite stores REAL for decimals, which rounds; storing integers cannot. Sums are done by the
database over integers and turned back into Decimal, so totals are exact on every backend.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Any) -> Decimal:
    """A Decimal with exactly two places; refuses values that would need rounding."""
    if value is None or value == "":
        raise ValidationError(_("Enter an amount."), code="required")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter a valid amount."), code="invalid") from exc
    if not amount.is_finite():
        raise ValidationError(_("Enter a valid amount."), code="invalid")
    quantized = amount.quantize(CENT)
    if quantized != amount:
        raise ValidationError(_("Amounts have at most two decimal places."), code="precision")
    return quantized


class MoneyField(models.BigIntegerField):
    """A money amount kept as integer minor units; reads and writes Decimal."""

    description = _("Money amount")
    # What django-stubs reads as the field's Python types (set: anything to_money accepts).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Decimal  # type: ignore[assignment]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) * CENT).quantize(CENT)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None:
            return None
        return to_money(value)

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value  # type: ignore[no-any-return]
        return int(to_money(value) / CENT)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        return models.Field.formfield(self, form_class=forms.DecimalField, **kwargs)
