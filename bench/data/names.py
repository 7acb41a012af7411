"""Deterministic names for generated people and companies (Chinese, like the demo company)."""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉文斌辉俊鹏飞宇浩然晨"
    "阳欣怡子轩梓涵雨萱嘉豪思远博文婷婷佳琪"
)
CITIES = [
    "北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "重庆", "武汉", "西安", "天津",
    "青岛", "厦门", "长沙", "郑州", "合肥", "宁波", "无锡", "济南", "沈阳", "大连", "福州", "昆明",
]  # fmt: skip
WORDS = [
    "华辰", "恒通", "嘉禾", "瑞丰", "鼎盛", "远航", "启明", "新源", "德信", "金桥", "天成", "博雅",
    "中联", "宏达", "东方", "盛世", "安泰", "汇智", "海纳", "卓越", "星河", "万邦", "长城", "正和",
    "永康", "信达", "华夏", "蓝海", "云帆", "睿思", "锦程", "同创", "优品", "百川", "明德", "凯旋",
]  # fmt: skip
TRADES = [
    "科技", "制造", "医疗", "物流", "能源", "教育", "零售", "电子", "化工", "建设", "食品", "软件",
    "汽车", "传媒", "环保", "金融",
]  # fmt: skip
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司", "(中国)有限公司"]


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def company(rng: random.Random) -> str:
    return rng.choice(CITIES) + rng.choice(WORDS) + rng.choice(TRADES) + rng.choice(SUFFIXES)
