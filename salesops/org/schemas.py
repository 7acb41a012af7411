"""API shapes of the organisation."""

from datetime import date

from ninja import Schema


class UnitOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    parent_id: int | None
    leader_id: int | None
    path: str
    depth: int
    is_active: bool


class UnitIn(Schema):
    name: str
    code: str
    kind: str = "team"
    parent_id: int | None = None
    leader_id: int | None = None


class UnitPatch(Schema):
    name: str | None = None
    code: str | None = None
    kind: str | None = None
    leader_id: int | None = None
    is_active: bool | None = None


class PersonOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    phone: str
    position: str
    grade: int
    unit_id: int | None
    manager_id: int | None
    hire_date: date | None
    is_active: bool


class PersonIn(Schema):
    username: str
    display_name: str
    position: str
    unit_id: int
    manager_id: int | None = None
    email: str = ""
    phone: str = ""
    hire_date: date | None = None


class PersonPatch(Schema):
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None
    grade: int | None = None
    hire_date: date | None = None
