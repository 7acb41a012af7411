"""Org forms (administrators manage units and people through these; services do the writes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salesops.core.widgets import DateInput
from salesops.org.models import OrgUnit, Territory, User
from salesops.org.roles import Role


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=30)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("Parent unit"), queryset=OrgUnit.objects.none(), required=False
    )
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=User.objects.none(), required=False)
    territory = forms.ModelChoiceField(
        label=_("Territory"), queryset=Territory.objects.none(), required=False
    )

    def __init__(self, *args: Any, actor: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = OrgUnit.objects.visible_to(actor).filter(is_active=True)
        self.fields["leader"].queryset = User.objects.visible_to(actor).filter(is_active=True)
        self.fields["territory"].queryset = Territory.objects.visible_to(actor)
        if editing:
            del self.fields["parent"]


class UnitMoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("New parent unit"), queryset=OrgUnit.objects.none())
    effective = forms.DateField(label=_("Effective from"), widget=DateInput)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = OrgUnit.objects.visible_to(actor).filter(is_active=True)


class PersonForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    position = forms.ChoiceField(label=_("Position"), choices=Role.choices)
    grade = forms.IntegerField(label=_("Level"), min_value=1, max_value=9, initial=1)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    manager = forms.ModelChoiceField(
        label=_("Reports to"), queryset=User.objects.none(), required=False
    )
    hire_date = forms.DateField(label=_("Hire date"), required=False, widget=DateInput)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, required=False
    )

    def __init__(self, *args: Any, actor: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(actor).filter(is_active=True)
        self.fields["manager"].queryset = User.objects.visible_to(actor).filter(is_active=True)
        if editing:
            for name in ("username", "position", "unit", "manager", "password"):
                del self.fields[name]


class PersonMoveForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    position = forms.ChoiceField(label=_("Position"), choices=Role.choices)
    manager = forms.ModelChoiceField(
        label=_("Reports to"), queryset=User.objects.none(), required=False
    )
    effective = forms.DateField(label=_("Effective from"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(actor).filter(is_active=True)
        self.fields["manager"].queryset = User.objects.visible_to(actor).filter(is_active=True)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    position = forms.ChoiceField(
        label=_("Position"), required=False, choices=[("", _("All positions")), *Role.choices]
    )
