"""The demo CRM history's parameters and words (Chinese and English)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import models

DAYS = 548  # eighteen months of history
FUNNEL = ["lead", "need", "proposal", "negotiation", "closing"]
LOSE_AT = [0.19, 0.13, 0.13, 0.11, 0.09]  # chance a deal is lost on leaving each stage
TIERS = {"strategic": 1.5, "key": 7.0, "core": 22.0, "general": 69.5}
DEAL_SIZE = {"strategic": 900_000, "key": 320_000, "core": 120_000, "general": 45_000}
DEALS_PER = {"strategic": 8, "key": 4, "core": 2, "general": 1}
CARE_DAYS = {"strategic": 9, "key": 18, "core": 40}  # how often owners keep in touch
PRODUCTS = [  # code, line, list price, Chinese name / unit, English name / unit
    ("SAAS-CRM-STD", "saas", "1200", "销售云 标准版/用户·年", "Sales Cloud Standard/user-year"),
    ("SAAS-CRM-PRO", "saas", "2400", "销售云 专业版/用户·年", "Sales Cloud Pro/user-year"),
    ("SAAS-SVC", "saas", "1800", "服务云/用户·年", "Service Cloud/user-year"),
    ("SAAS-BI", "saas", "86000", "经营分析平台/套·年", "Analytics Platform/site-year"),
    ("SAAS-DATA", "saas", "360000", "数据中台/套", "Data Platform/site"),
    ("HW-T1", "hw", "3800", "智能终端 T1/台", "Smart Terminal T1/unit"),
    ("HW-G200", "hw", "12800", "工业网关 G200/台", "Industrial Gateway G200/unit"),
    ("HW-E8", "hw", "68000", "边缘服务器 E8/台", "Edge Server E8/unit"),
    ("HW-SENS", "hw", "2200", "传感器套装/套", "Sensor Kit/kit"),
    ("HW-ACC", "hw", "5600", "智能门禁/套", "Smart Access Control/set"),
    ("SVC-IMPL", "svc", "2500", "实施服务/人天", "Implementation/person-day"),
    ("SVC-DEV", "svc", "3200", "定制开发/人天", "Custom Development/person-day"),
    ("SVC-OPS", "svc", "120000", "年度运维/年", "Annual Support/year"),
    ("SVC-TRAIN", "svc", "15000", "培训/场", "Training/session"),
    ("SVC-MIG", "svc", "45000", "数据迁移/项", "Data Migration/project"),
]
KINDS_AT = {"lead": "call email", "need": "visit meeting call", "proposal": "proposal demo meeting",
            "negotiation": "meeting visit call", "closing": "meeting visit email"}  # fmt: skip
LOST = {"price": 30, "competitor": 25, "no_budget": 15, "no_decision": 15, "product_fit": 8,
        "relationship": 4, "other": 3}  # fmt: skip
SOURCES = {"campaign": 15, "referral": 15, "website": 20, "cold_call": 15, "exhibition": 15,
           "existing": 15, "other": 5}  # fmt: skip
METHODS = {"bank_transfer": 70, "acceptance_bill": 15, "online": 10, "cheque": 5}
ROLES = {"influencer": 40, "user": 35, "gatekeeper": 25}
# Cities of each demo territory, (Chinese, English).
CITIES = {
    "east": (
        "上海|杭州|南京|苏州|宁波|合肥|无锡",
        "Shanghai|Hangzhou|Nanjing|Suzhou|Ningbo|Hefei|Wuxi",
    ),
    "south": ("广州|深圳|厦门|长沙|佛山", "Guangzhou|Shenzhen|Xiamen|Changsha|Foshan"),
    "north": ("北京|天津|青岛|济南|大连", "Beijing|Tianjin|Qingdao|Jinan|Dalian"),
    "west": ("成都|重庆|西安|武汉|昆明", "Chengdu|Chongqing|Xi'an|Wuhan|Kunming"),
}
# Text as "|"-separated lists: (Chinese, English).
TEXT = {
    "brand": (
        "华鼎|瑞恒|盛泰|信达|博宏|远安|嘉汇|鑫卓|创联|新天|金伟|星光|海锦|宇智|通正|融科|"
        "源佳|和德|祥丰|中科|天成|明远|振华|宏图|东方|银河|长风|万通|恒信",
        "Everbright|Golden|Harmony|Summit|Pacific|Jade|Orient|Greatwall|Pearl|Unity|Zenith|"
        "Apex|Crown|Lotus|Phoenix|Silverline|Bluesky|Redstone|Evergreen|Sunrise|Meridian|"
        "Northstar|Brightway|Kingsway|Horizon|Sterling|Vanguard|Cosmos|Landmark",
    ),
    "trade": (
        "精密制造/制造业|物流/物流|商贸/零售|医药/医药|能源/能源|教育科技/教育|电子/电子|"
        "建设/建筑|食品/食品饮料|汽车部件/汽车|化工/化工|信息技术/信息技术",
        "Precision/Manufacturing|Logistics/Logistics|Trading/Retail|Pharma/Pharma|"
        "Energy/Energy|EdTech/Education|Electronics/Electronics|Construction/Construction|"
        "Foods/Food|Auto Parts/Automotive|Chemicals/Chemicals|"
        "Information Technology/IT services",
    ),
    "suffix": (
        "有限公司|有限公司|股份有限公司|集团有限公司",
        "Co., Ltd.|Co., Ltd.|Group|Holdings",
    ),
    "channel": (
        "商贸有限公司|信息技术服务有限公司|系统集成有限公司",
        "Distribution Co.|Agency Co.|Systems Co.",
    ),
    "saas": (
        "销售云项目|数字化营销平台|客服中心升级|经营分析项目",
        "Sales Cloud rollout|Digital marketing platform|Service desk upgrade|Analytics project",
    ),
    "hw": (
        "智能终端采购|产线物联网改造|门禁系统改造|边缘计算项目",
        "Smart terminals|Factory IoT retrofit|Access control upgrade|Edge computing",
    ),
    "svc": (
        "实施服务|年度运维续约|数据迁移项目|定制开发项目",
        "Implementation|Support renewal|Data migration|Custom development",
    ),
    "decision_maker": (
        "总经理|副总裁|首席信息官|采购总监",
        "General Manager|Vice President|CIO|Head of Purchasing",
    ),
    "influencer": (
        "IT经理|财务总监|运营总监",
        "IT Manager|Finance Director|Operations Director",
    ),
    "user": (
        "销售主管|客服经理|工程师",
        "Sales Lead|Service Manager|Engineer",
    ),
    "gatekeeper": (
        "总经理助理|采购专员|行政主管",
        "Executive Assistant|Buyer|Office Manager",
    ),
    "subject": (
        "visit=拜访{c}|call=电话沟通：{c}|meeting={c}方案交流会|email=发送资料给{c}|"
        "demo={c}产品演示|proposal=向{c}提交方案与报价|follow_up={c}回访",
        "visit=Visit {c}|call=Call with {c}|meeting=Meeting with {c}|email=Materials to {c}|"
        "demo=Demo for {c}|proposal=Proposal to {c}|follow_up=Follow-up with {c}",
    ),
    "outcome": (
        "客户认可方案，约定下周再谈|需求已确认，准备方案|客户关注价格，需要再议|"
        "决策人出差，会议改期|已发送报价",
        "Positive, next talk next week|Need confirmed|Price is the concern|Rescheduled|Quote sent",
    ),
    "next": (
        "约客户高层汇报方案|发送正式报价|安排产品演示|确认采购流程|等待法务审核合同",
        "Present to executives|Send the formal quote|Schedule a demo|"
        "Confirm purchasing process|Legal review",
    ),
    "lost": (
        "竞争对手报价低约20%|预算冻结到明年|客户决定自研|项目延期|决策人变动",
        "Competitor 20% cheaper|Budget frozen|Building it themselves|Postponed|New decision maker",
    ),
    "reject": (
        "折扣过高，请重新核价|付款条件需调整为三笔|请补充交付计划",
        "Discount too deep, re-price|Split the payment in three|Add a delivery plan",
    ),
    "need": (
        "咨询销售云|了解智能终端|实施服务询价|展会留资|官网试用申请",
        "Sales Cloud enquiry|Terminal enquiry|Implementation quote|Trade show contact|"
        "Trial request",
    ),
    "disqualified": (
        "无预算|联系不上|非目标客户|已选择竞品",
        "No budget|Unreachable|Not our market|Chose a competitor",
    ),
    "handoff": (
        "已与客户确认交付计划，请安排启动会。",
        "Delivery plan agreed; please book the kick-off.",
    ),
    "terms": (
        "年度渠道协议：区域代理，按季度结算返利。",
        "Annual agreement: territory agent, quarterly rebates.",
    ),
}


def _pick(rng: Any, weights: Mapping[str, float]) -> str:
    return str(rng.choices(list(weights), list(weights.values()))[0])


@contextmanager
def manual_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let generated rows keep their historical created_at / updated_at."""
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add
