"""Demo step: the organisation of the demo company (about 80 people)."""

from __future__ import annotations

from datetime import date, timedelta

from salesops.core.demo import DEMO_PASSWORD, DemoContext, demo_step
from salesops.org.models import Assignment, OrgUnit, ProductLine, Territory, UnitPlacement, User
from salesops.org.roles import Role

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕"
    "鹏辉建国志成晨浩宇欣怡子涵梓轩雨婷"
)
FIRST_EN = [
    "James",
    "Mary",
    "Robert",
    "Linda",
    "Michael",
    "Susan",
    "David",
    "Karen",
    "Daniel",
    "Lisa",
    "Kevin",
    "Emily",
    "Brian",
    "Grace",
    "Eric",
    "Helen",
    "Jason",
    "Amy",
    "Ryan",
    "Anna",
    "Peter",
    "Sophie",
    "Tony",
    "Vivian",
    "Leo",
    "Irene",
]
LAST_EN = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Luo",
    "Zheng",
]

# (code, Chinese name, English name, leader position, teams: (code, zh, en))
REGIONS = [
    (
        "east",
        "华东大区",
        "East Region",
        Role.SENIOR_MANAGER,
        [
            ("sh1", "上海一组", "Shanghai Team 1"),
            ("sh2", "上海二组", "Shanghai Team 2"),
            ("hz", "杭州组", "Hangzhou Team"),
        ],
    ),
    (
        "south",
        "华南大区",
        "South Region",
        Role.SENIOR_MANAGER,
        [
            ("gz", "广州组", "Guangzhou Team"),
            ("sz", "深圳组", "Shenzhen Team"),
            ("ka", "大客户组", "Key Accounts Team"),
        ],
    ),
    (
        "north",
        "华北大区",
        "North Region",
        Role.MANAGER,
        [("bj1", "北京一组", "Beijing Team 1"), ("bj2", "北京二组", "Beijing Team 2")],
    ),
    (
        "west",
        "西部大区",
        "West Region",
        Role.MANAGER,
        [("cd", "成都组", "Chengdu Team"), ("xa", "西安组", "Xi'an Team")],
    ),
]
PRODUCT_LINES = [
    ("saas", "云软件", "Cloud software"),
    ("hw", "智能硬件", "Smart hardware"),
    ("svc", "实施服务", "Services"),
]


def person_name(ctx: DemoContext) -> str:
    """A deterministic Chinese or English full name."""
    if ctx.chinese:
        given = "".join(ctx.rng.choice(GIVEN) for _ in range(ctx.rng.choice((1, 2))))
        return ctx.rng.choice(SURNAMES) + given
    return f"{ctx.rng.choice(FIRST_EN)} {ctx.rng.choice(LAST_EN)}"


def _label(ctx: DemoContext, zh: str, en: str) -> str:
    return zh if ctx.chinese else en


def _unit(code: str, name: str, kind: str, parent: OrgUnit | None, since: date) -> OrgUnit:
    unit = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    UnitPlacement.objects.create(unit=unit, parent=parent, start=since)
    return unit


def _person(
    ctx: DemoContext, username: str, position: str, unit: OrgUnit, manager: User | None, hired: date
) -> User:
    n = len(ctx.made.setdefault("people", []))
    user = User(
        username=username,
        display_name=person_name(ctx),
        position=position,
        unit=unit,
        manager=manager,
        hire_date=hired,
        email=f"{username}@demo.salesops.local",
        phone=f"13{ctx.rng.randint(0, 9)}{ctx.rng.randint(10000000, 99999999)}",
        is_staff=position == Role.ADMIN,
        is_superuser=position == Role.ADMIN,
    )
    user.password = ctx.made["password_hash"]
    user.save()
    Assignment.objects.create(user=user, unit=unit, position=position, manager=manager, start=hired)
    ctx.made["people"].append(user)
    ctx.made.setdefault("by_role", {}).setdefault(str(position), []).append(user)
    if n == 0:
        ctx.made["first_person"] = user
    return user


def _hired(ctx: DemoContext, min_days: int, max_days: int) -> date:
    return ctx.today - timedelta(days=ctx.rng.randint(min_days, max_days))


@demo_step(10)
def organisation(ctx: DemoContext) -> None:
    """Company → 4 regions → 10 teams, staff and channel departments, ~80 people."""
    from django.contrib.auth.hashers import make_password

    ctx.made["password_hash"] = make_password(DEMO_PASSWORD)
    since = ctx.today - timedelta(days=6 * 365)
    for code, zh, en in PRODUCT_LINES:
        ProductLine.objects.create(code=code, name=_label(ctx, zh, en))
    company = _unit("hq", _label(ctx, "华辰科技", "Huachen Technology"), "company", None, since)
    director = _person(ctx, "director", Role.DIRECTOR, company, None, _hired(ctx, 2500, 3000))
    company.leader = director
    company.save(update_fields=["leader"])
    staff = _unit(
        "staff", _label(ctx, "职能部门", "Corporate Functions"), "department", company, since
    )
    for username, role in (
        ("admin", Role.ADMIN),
        ("hr", Role.HR),
        ("hr2", Role.HR),
        ("finance", Role.FINANCE),
        ("finance2", Role.FINANCE),
    ):
        _person(ctx, username, role, staff, director, _hired(ctx, 400, 2000))
    channel = _unit("channel", _label(ctx, "渠道部", "Channel Sales"), "department", company, since)
    for i in (1, 2):
        _person(ctx, f"channel{i}", Role.CHANNEL_MANAGER, channel, director, _hired(ctx, 300, 1500))
    ctx.made["units"] = {"hq": company, "staff": staff, "channel": channel}
    for code, zh, en, lead_role, teams in REGIONS:
        territory = Territory.objects.create(code=code, name=_label(ctx, zh[:2], en.split()[0]))
        region = _unit(code, _label(ctx, zh, en), "region", company, since)
        region.territory = territory
        head = _person(ctx, f"manager.{code}", lead_role, region, director, _hired(ctx, 900, 2400))
        region.leader = head
        region.save(update_fields=["leader", "territory"])
        ctx.made["units"][code] = region
        for team_code, team_zh, team_en in teams:
            _team(ctx, team_code, _label(ctx, team_zh, team_en), region, head, territory)


def _team(
    ctx: DemoContext, code: str, name: str, region: OrgUnit, head: User, territory: Territory
) -> None:
    team = _unit(code, name, "team", region, region.placements.first().start)
    team.territory = territory
    sup = _person(ctx, f"sup.{code}", Role.SUPERVISOR, team, head, _hired(ctx, 500, 1800))
    team.leader = sup
    team.save(update_fields=["leader", "territory"])
    ctx.made["units"][code] = team
    for i in range(1, ctx.rng.randint(5, 7) + 1):
        # About one rep in six joined within the last year (onboarding stages apply).
        recent = ctx.rng.random() < 0.17
        hired = _hired(ctx, 20, 360) if recent else _hired(ctx, 380, 2200)
        rep = _person(ctx, f"rep.{code}.{i}", Role.REP, team, sup, hired)
        rep.territory = territory
        rep.save(update_fields=["territory"])
