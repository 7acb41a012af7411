"""Products with list prices, grouped by product line."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.money import MoneyField
from salesops.core.visibility import VisibleQuerySet
from salesops.org.models import AllSignedIn


class Product(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    product_line = models.ForeignKey(
        "org.ProductLine",
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    list_price = MoneyField(_("list price"))
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()
    visibility = AllSignedIn()

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name
