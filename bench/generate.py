"""Synthetic ledgers in the two real layouts, at any size, for the benchmarks.

    .venv/bin/python bench/generate.py --measures 100000 [--layout anshan|guangyuan] [--seed 0] -o big.xlsx

or ``write_ledger(path, measures, layout="anshan", seed=0)`` from Python.

The layouts are those of fixtures/build_fixtures.py (read by tasks/ledgerfiles/sheets.py):

- anshan: sheet 任务分解表; a title row merged across; the header row of ANSHAN_HEADER with
  省政府重点任务 merged over B:C; section rows "(一) …" merged across; per task, 序号 and the
  task title merged down over the task's item rows; one provincial item "(n) …" per row with
  1–4 measures in one cell ("① …\\n② …"), and the 2023 result, the 2024 / 2025 deadlines, the
  department, the person and 已完成任务 keyed per measure by circled number (or one value for
  the whole row).
- guangyuan: sheets 附件1 (plain text) and 附件2 (the ledger, header at row 3); section rows
  "一、…"; one measure per row; 序号 and 工作任务 merged down over the task's rows, and
  牵头单位 / 责任单位 / 完成时限 merged down over the rows that continue the value above.

Hundreds of departments (measures / 50, between 30 and 2,000) and several hundred people;
deadline phrases from both real ledgers plus generated dates; about 30% of measures done in
2023. The same arguments always give the same file, byte for byte.
"""

import argparse
import datetime
import random
import sys
import time

import xlsxwriter

ANSHAN_HEADER = ["序号", "省政府重点任务", None, "省政府完成时限", "市国动办落实工作措施",
                 "2023年完成任务", "2024年完成任务时限", "2025年完成任务时限", "责任部门",
                 "负责人", "已完成任务"]
GUANGYUAN_HEADER = ["序号", "工作任务", "具体要求（工作举措）", "牵头单位", "责任单位", "完成时限"]
LAYOUTS = ("anshan", "guangyuan")

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
DIGITS = "零一二三四五六七八九"
DONE_SHARE = 0.3
FIXED_TIME = datetime.datetime(2024, 1, 1)

# ---------------------------------------------------------------- vocabulary

CITIES = ("鞍山", "广元", "锦州", "绵阳", "营口", "南充", "丹东", "宜宾", "辽阳", "达州")
BUREAUS = (
    "司法局", "公安局", "财政局", "教育局", "民政局", "自然资源局", "生态环境局", "住房城乡建设局",
    "交通运输局", "水务局", "农业农村局", "商务局", "文化广电旅游局", "卫生健康局", "应急管理局",
    "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局", "人力资源社会保障局", "发展改革委",
    "经济和信息化局", "退役军人事务局", "体育局", "城市管理局", "综合行政执法局", "税务局", "国动办",
    "信访局", "政务服务和资源交易中心", "大数据中心", "档案局", "机关事务管理局", "粮食和物资储备局",
    "气象局", "消防救援支队", "烟草专卖局", "邮政管理局", "金融工作局", "乡村振兴局", "地方志办公室",
)
OFFICES = ("政策法规科", "机关党总支", "办公室", "综合科", "执法监督科", "人事科", "财务科", "法制科")
PLACE_FIRST = "东西南北清安永和新兴长平宁泰福华昌龙凤云青松金石江河山海阳明德广汇"
PLACE_SECOND = "城山川源阳平安宁江河溪台丰林州口岭湖乐定远化"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段尹"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞斌宇浩凯健俊帆帅旭宁龙林欣晨辰阳新忠舒屹"

SUBJECTS = (
    "各级行政执法部门", "市直各行政执法部门", "各县（区）政府", "本单位", "各执法机构", "市级各部门",
    "相关职能部门", "综合行政执法队伍", "各乡镇（街道）", "执法监督机构",
)
VERBS = (
    "建立健全", "全面落实", "深入推进", "持续开展", "组织开展", "进一步完善", "加强", "规范", "强化",
    "严格执行", "推动", "探索建立", "定期开展", "统筹推进", "认真落实", "加快推进", "健全完善", "细化",
)
OBJECTS = (
    "行政执法公示制度", "执法全过程记录制度", "重大执法决定法制审核制度", "行政执法人员培训机制",
    "行政裁量权基准制度", "跨部门联合执法机制", "行政执法案卷评查工作", "信用监管体系",
    "投诉举报处理机制", "执法人员资格管理", "执法证件动态管理台账", "行政执法协调监督工作体系",
    "执法突出问题专项整治", "包容审慎监管措施", "轻微违法行为免罚清单", "涉企行政检查计划",
    "执法数据归集共享机制", "行政执法与刑事司法衔接机制", "法律顾问和公职律师队伍", "执法装备配备标准",
    "以案释法工作", "岗位练兵活动", "执法质效评估", "学法用法制度", "领导干部年终述法制度",
    "行政执法监督一体化平台应用", "“双随机、一公开”监管", "执法责任追究机制", "容错纠错机制",
    "优秀行政执法案例评选", "行政执法特邀监督员制度", "12345热线投诉办理",
)
PURPOSES = (
    "切实提升执法规范化水平", "确保执法公正文明", "切实维护群众合法权益", "增强依法行政意识",
    "提高执法人员法治素养能力", "推动执法工作常态化、规范化", "实现法律效果和社会效果相统一",
    "形成工作合力", "以督查促整改，以整改促提高", "及时纠正偏差", "推动问题整改落实到位",
    "不断优化法治化营商环境", "提升群众满意度", "做到有法必依、执法必严",
)
DETAILS = (
    "每年专题学习不少于{n}次", "每人每年接受不少于{h}学时的培训", "按季度报送工作进展情况",
    "形成问题清单和整改台账", "年底前形成书面总结报市司法局", "每半年开展一次督导检查",
    "对发现的问题建立销号制度", "结合年度考核同步推进", "及时公开执法信息", "覆盖全体在编在岗执法人员",
    "抽查案卷不少于{n}0件", "组织开展{n}次以上专项行动", "做到机关工作人员人手一册",
    "按照省、市统一部署分步实施", "邀请人大代表、政协委员参与评议", "将结果纳入绩效考核",
)
TITLE_HEADS = ("加强", "着力抓好", "全面落实", "开展", "强化", "加快完善", "常态化开展", "健全", "推进", "提升")
TITLE_TAILS = (
    "政治能力建设", "业务培训", "行政执法岗位练兵", "行政执法人员资格管理", "行政执法“三项制度”",
    "行政执法突出问题整治", "行政裁量权基准制度", "执法监督工作机制", "执法协作", "队伍建设",
    "权益保障", "经费保障", "宣传培训", "评估考核", "信息化建设", "数据互联互通", "基层执法能力",
    "涉企执法规范", "执法方式创新", "执法责任制",
)
SECTION_TITLES = (
    "全面提升行政执法人员能力素质", "全面推进严格规范公正文明执法", "健全完善行政执法工作体系",
    "加快构建行政执法协调监督工作体系", "健全行政执法和行政执法监督科技保障体系",
    "不断强化行政执法保障能力", "组织保障", "深化重点领域执法改革", "优化法治化营商环境",
)

# Deadline phrases of the real ledgers (tasks/tests/test_deadlines.py) and generated forms.
UPSTREAM_DEADLINES = (
    "持续推进", "2024年6月", "2023年底", "2024年11月底", "2024年底", "2025年底",
    "2024年底取得阶段性成果", "2025年底取得阶段性成果", "长期",
)
YEAR_DEADLINES = (
    "11月30日", "6月30日", "4月30日", "3月30日", "12月30日", "5月30日", "4月20日", "7月31日",
    "10月30日", "适时组织", "适时更新和申领", "适时公示", "每季度、12月底", "持续推进", "适时落实",
    "适时调整", "11月底前完成", "适时调整、报送", "适时进行", "持续开展, 11月30日", "4月公开电话",
    "根据省司法厅要求,适时开展", "根据需要合理规划", "每季度", "长期",
)
PLAN_DEADLINES = (
    "长期", "长期（2024年6月底前完成全员轮训，7月1日前将轮训情况报市司法局）", "2025年9月底前",
    "2024年9月底前", "2024年12月底前", "2024年12月底前完成试点，2025年推广",
    "2024年10月底前完成试点，2025年推广", "2025年12月底前", "2025年底前", "2024年2月底前",
    "2024年9月底中期评估；2025年9月底终期评估", "2024年6月底前", "持续推进", "每季度",
)
RESULTS_PENDING = ("正在推进", "持续推进", "已开展", "部分完成", "未启动")
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# ---------------------------------------------------------------- text


def chinese_numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 45 → 四十五, 105 → 一百零五 (1 ≤ n ≤ 999)."""
    if n < 10:
        return DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = "零" + DIGITS[rest]
    else:
        tail = DIGITS[rest // 10] + "十" + (DIGITS[rest % 10] if rest % 10 else "")
    return DIGITS[hundreds] + "百" + tail


class Words:
    """Random government-plan text, departments and people, from one seeded generator."""

    def __init__(self, rng: random.Random, measures: int, departments: int | None = None):
        self.rng = rng
        self.departments = self._departments(departments or min(max(measures // 50, 30), 2000))
        self.people = self._people(min(max(measures // 20, 60), 800))
        self.actions = [verb + thing for verb in VERBS for thing in OBJECTS]
        details = [detail.format(n=n, h=h) for detail in DETAILS for n in range(1, 10) for h in (40, 60, 90, 120)]
        # about 45% actions, 25% purposes, 30% details, as clauses after the first
        self.clauses = self.actions + list(PURPOSES) * 24 + rng.sample(details, 380)

    def _departments(self, count):
        rng = self.rng
        places = [a + b for a in PLACE_FIRST for b in PLACE_SECOND]
        rng.shuffle(places)
        names = ["市" + bureau for bureau in BUREAUS] + list(OFFICES) + ["各县（区）政府"]
        for place in places:
            kind = rng.choice("县县区")
            names.append(f"{place}{kind}人民政府")
            names.extend(f"{place}{kind}{bureau}" for bureau in rng.sample(BUREAUS, 12))
            if len(names) >= count * 2:
                break
        head, rest = names[: min(count // 2, 60)], names[min(count // 2, 60):]
        return head + rng.sample(rest, count - len(head))

    def _people(self, count):
        rng, seen = self.rng, set()
        while len(seen) < count:
            seen.add(rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2)))))
        return sorted(seen)

    def pick(self, choices):
        """One of `choices` (a faster random.choice, from the same generator)."""
        return choices[int(self.rng.random() * len(choices))]

    def sentence(self, low, high):
        """A sentence of low–high characters: clauses joined by ， ended by 。."""
        pick = self.pick
        target = self.rng.randint(low, high)
        text = pick(SUBJECTS) + pick(self.actions)
        while len(text) + 1 < target:
            clause = pick(self.clauses)
            if len(text) + len(clause) + 2 > high:
                if len(text) + 1 >= low:
                    break
                continue
            if clause not in text:
                text += "，" + clause
        return text + "。"

    def task_title(self):
        return self.pick(TITLE_HEADS) + self.pick(TITLE_TAILS)

    def section_title(self):
        return self.pick(SECTION_TITLES)

    def year_deadline(self):
        """A phrase for one year's column: real ones, or a generated month and day."""
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(YEAR_DEADLINES)
        month = rng.randint(1, 12)
        if rng.random() < 0.5:
            return f"{month}月{rng.choice((15, 20, MONTH_DAYS[month - 1]))}日"
        return f"{month}月底前"

    def plan_deadline(self):
        """A phrase naming its own year (完成时限 of the whole plan, 省政府完成时限)."""
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(PLAN_DEADLINES if rng.random() < 0.7 else UPSTREAM_DEADLINES)
        year, month = rng.choice((2023, 2024, 2024, 2025, 2025)), rng.randint(1, 12)
        return rng.choice((f"{year}年{month}月底前", f"{year}年{month}月{MONTH_DAYS[month - 1]}日", f"{year}年底"))

    def units(self, low, high):
        return self.rng.sample(self.departments, self.rng.randint(low, high))


# ---------------------------------------------------------------- structure


def _plan(rng, measures, per_item, items_per_task, tasks_per_section):
    """Sections → tasks → item rows → measure counts, adding up to exactly `measures`."""
    left, sections = measures, []
    while left:
        tasks = []
        for _ in range(rng.randint(*tasks_per_section)):
            items = []
            for _ in range(rng.randint(*items_per_task)):
                count = min(rng.randint(*per_item), left)
                items.append(count)
                left -= count
                if not left:
                    break
            tasks.append(items)
            if not left:
                break
        sections.append(tasks)
    return sections


def _keyed(values, spaced=True):
    """{number: text} → "① text\\n② text" (one line per measure)."""
    gap = " " if spaced else ""
    return "\n".join(f"{CIRCLED[number - 1]}{gap}{text}" for number, text in values.items())


def _new_workbook(path):
    workbook = xlsxwriter.Workbook(path, {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    workbook.set_properties({"author": "bench/generate.py", "created": FIXED_TIME})
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 16, "font_name": "黑体", "align": "center", "valign": "vcenter"}),
        "header": workbook.add_format({"bold": True, "font_name": "宋体", "font_size": 10, "align": "center",
                                       "valign": "vcenter", "text_wrap": True, "border": 1}),
        "section": workbook.add_format({"bold": True, "font_name": "黑体", "font_size": 11, "valign": "vcenter", "border": 1}),
        "center": workbook.add_format({"font_name": "宋体", "font_size": 10, "align": "center", "valign": "vcenter",
                                       "text_wrap": True, "border": 1}),
        "text": workbook.add_format({"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True, "border": 1}),
    }
    return workbook, formats


def _merge_down(sheet, first, last, column, value, fmt):
    """Write `value` over rows first..last (0-based) of `column`, merged when more than one row."""
    if last > first:
        sheet.merge_range(first, column, last, column, value, fmt)
    elif isinstance(value, int):
        sheet.write_number(first, column, value, fmt)
    else:
        sheet.write_string(first, column, value, fmt)


def _write_anshan(path, rng, words, measures):
    city = rng.choice(CITIES)
    workbook, fmt = _new_workbook(path)
    sheet = workbook.add_worksheet("任务分解表")
    last_col = len(ANSHAN_HEADER) - 1
    sheet.merge_range(0, 0, 0, last_col, f"{city}市国动办提升行政执法质量三年行动工作方案(2023—2025年)任务分解表", fmt["title"])
    for col, name in enumerate(ANSHAN_HEADER):
        if name is not None:
            sheet.write_string(1, col, name, fmt["header"])
    sheet.merge_range(1, 1, 1, 2, ANSHAN_HEADER[1], fmt["header"])
    for col, width in enumerate((6, 14, 46, 12, 60, 14, 16, 16, 14, 10, 10)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(2, 0)

    plan = _plan(rng, measures, per_item=(1, 4), items_per_task=(1, 6), tasks_per_section=(3, max(40, measures // 300)))
    row, task_number, item_number, used = 2, 0, 0, set()
    for section_index, tasks in enumerate(plan, start=1):
        sheet.merge_range(row, 0, row, last_col, f"({chinese_numeral(section_index)}) {words.section_title()}", fmt["section"])
        row += 1
        for items in tasks:
            task_number += 1
            first = row
            for count in items:
                item_number += 1
                _anshan_item_row(sheet, fmt, row, rng, words, item_number, count, used)
                row += 1
            _merge_down(sheet, first, row - 1, 0, task_number, fmt["center"])
            _merge_down(sheet, first, row - 1, 1, words.task_title(), fmt["center"])
    workbook.close()
    return {"sections": len(plan), "tasks": task_number, "items": item_number, "departments": len(used), "rows": row}


def _anshan_item_row(sheet, fmt, row, rng, words, item_number, count, used):
    numbers = range(1, count + 1)
    spaced = rng.random() < 0.6
    single = count == 1 and rng.random() < 0.5  # one measure written without its circled number
    measures = {n: words.sentence(40, 150) for n in numbers}
    done = {n for n in numbers if rng.random() < DONE_SHARE}
    results = {n: "已完成" if n in done else rng.choice(RESULTS_PENDING) for n in numbers}
    if rng.random() < 0.6:  # each measure its own department(s), else one for the row
        departments = {n: "、".join(words.units(1, 2)) for n in numbers}
    else:
        departments = dict.fromkeys(numbers, words.units(1, 1)[0])
    people = {n: rng.choice(words.people) for n in numbers}
    for text in departments.values():
        used.update(text.split("、"))

    def per_measure(values):
        if single:
            return values[1]
        if len(set(values.values())) == 1 and rng.random() < 0.5:
            return values[1]  # one value for every measure of the row
        return _keyed(values, spaced)

    cells = (
        f"({item_number}) " + words.sentence(60, 220),
        words.plan_deadline() if rng.random() < 0.6 else "持续推进",
        measures[1] if single else _keyed(measures, spaced),
        per_measure(results),
        _year_cell(rng, words, numbers, single, spaced),
        _year_cell(rng, words, numbers, single, spaced),
        per_measure(departments),
        per_measure(people),
        ("①" if done else "") if single else " ".join(CIRCLED[n - 1] for n in sorted(done)),
    )
    for col, value in enumerate(cells, start=2):
        sheet.write_string(row, col, value, fmt["text"] if col in (2, 4) else fmt["center"])


def _year_cell(rng, words, numbers, single, spaced):
    """A 2024 / 2025 deadline cell: keyed per measure, one phrase for all, or blank."""
    pick = rng.random()
    if pick < 0.05:
        return ""
    if single or pick < 0.2:
        return words.year_deadline()
    return _keyed({n: words.year_deadline() for n in numbers if rng.random() < 0.95}, spaced)


def _write_guangyuan(path, rng, words, measures):
    city = rng.choice(CITIES)
    workbook, fmt = _new_workbook(path)
    notes = workbook.add_worksheet("附件1")
    notes.write_string(0, 0, "附件1")
    notes.write_string(1, 0, f"{city}市提升行政执法质量三年行动计划工作会商机制", fmt["title"])
    for index in range(12):
        notes.write_string(2 + index, 0, words.sentence(40, 120))
    notes.set_column(0, 0, 110)

    sheet = workbook.add_worksheet("附件2")
    last_col = len(GUANGYUAN_HEADER) - 1
    sheet.write_string(0, 0, "附件2")
    sheet.merge_range(1, 0, 1, last_col, f"{city}市提升行政执法质量三年行动计划(2023—2025年)工作台账", fmt["title"])
    for col, name in enumerate(GUANGYUAN_HEADER):
        sheet.write_string(2, col, name, fmt["header"])
    for col, width in enumerate((6, 18, 60, 12, 36, 18)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(3, 0)

    plan = _plan(rng, measures, per_item=(1, 1), items_per_task=(1, 6), tasks_per_section=(3, max(40, measures // 300)))
    row, task_number, used = 3, 0, set()
    for section_index, tasks in enumerate(plan, start=1):
        sheet.merge_range(row, 0, row, last_col, f"{chinese_numeral(section_index)}、{words.section_title()}", fmt["section"])
        row += 1
        for items in tasks:
            task_number += 1
            first, last = row, row + len(items) - 1
            for offset in range(len(items)):
                sheet.write_string(row + offset, 2, words.sentence(40, 150), fmt["text"])
            _merge_down(sheet, first, last, 0, task_number, fmt["center"])
            _merge_down(sheet, first, last, 1, words.task_title(), fmt["center"])
            _runs(sheet, fmt, rng, first, last, 3, lambda: _lead(words, used))
            _runs(sheet, fmt, rng, first, last, 4, lambda: _responsible(rng, words, used))
            _runs(sheet, fmt, rng, first, last, 5, words.plan_deadline)
            row = last + 1
    workbook.close()
    return {"sections": len(plan), "tasks": task_number, "items": measures, "departments": len(used), "rows": row}


def _lead(words, used):
    name = words.units(1, 1)[0]
    used.add(name)
    return name


def _responsible(rng, words, used):
    names = words.units(1, 4)
    used.update(names)
    text = "、".join(names)
    pick = rng.random()
    if pick < 0.4:
        return text + "按职责分工负责，各县（区）政府落实。"
    if pick < 0.6:
        return text + "配合"
    return text


def _runs(sheet, fmt, rng, first, last, column, value):
    """Values down a task's rows: a new value sometimes, else the one above continues (merged)."""
    start = first
    for row in range(first + 1, last + 2):
        if row == last + 1 or rng.random() < 0.3:
            _merge_down(sheet, start, row - 1, column, value(), fmt["center"])
            start = row


# ---------------------------------------------------------------- entry points


def write_ledger(path, measures, layout="anshan", seed=0, departments=None):
    """Write a synthetic ledger with exactly `measures` measures to `path`; return its counts.

    `departments` fixes how many departments share the measures (default: measures / 50,
    between 30 and 2,000)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    if measures < 1:
        raise ValueError("measures must be at least 1")
    rng = random.Random(f"{layout}:{seed}")
    words = Words(rng, measures, departments)
    writer = _write_anshan if layout == "anshan" else _write_guangyuan
    counts = writer(str(path), rng, words, measures)
    return {"layout": layout, "measures": measures, **counts, "people": len(words.people)}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write a synthetic ledger .xlsx in a real layout.")
    parser.add_argument("--measures", type=int, required=True, help="number of measures")
    parser.add_argument("--layout", choices=LAYOUTS, default="anshan")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--departments", type=int, help="how many departments (default: measures / 50, 30 to 2,000)")
    parser.add_argument("-o", "--output", required=True, help="the .xlsx to write")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = write_ledger(args.output, args.measures, args.layout, args.seed, args.departments)
    elapsed = time.perf_counter() - started
    print(f"wrote {args.output} in {elapsed:.1f} s: " + ", ".join(f"{key} {value}" for key, value in summary.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
