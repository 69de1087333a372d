"""Seed the people's-mediation statistical categories (DESIGN §3) with sub-categories.

Administrators may rename, add or deactivate categories afterwards; this migration only creates the
ones that are missing, keyed by code.
"""

from django.db import migrations

CATEGORIES = [
    (
        "marriage_family",
        "婚姻家庭纠纷",
        "Marriage and family",
        [
            ("divorce", "离婚纠纷", "Divorce"),
            ("support", "赡养抚养扶养纠纷", "Support of elders, children and spouses"),
            ("inheritance", "继承纠纷", "Inheritance"),
            ("family_property", "家庭财产纠纷", "Family property"),
        ],
    ),
    (
        "neighbours",
        "邻里纠纷",
        "Neighbours",
        [
            ("noise", "噪音扰民", "Noise"),
            ("water_leak", "漏水渗水", "Water leaks"),
            ("right_of_way", "通行采光", "Passage and daylight"),
            ("neighbour_other", "其他邻里纠纷", "Other neighbour disputes"),
        ],
    ),
    (
        "housing_homestead",
        "房屋宅基地纠纷",
        "Housing and homestead",
        [
            ("homestead", "宅基地纠纷", "Homestead"),
            ("house_sale_lease", "房屋买卖租赁", "House sale and lease"),
            ("house_construction", "建房纠纷", "House building"),
        ],
    ),
    (
        "contract",
        "合同纠纷",
        "Contract",
        [
            ("sale_contract", "买卖合同", "Sale contracts"),
            ("loan", "民间借贷", "Private loans"),
            ("service_contract", "服务合同", "Service contracts"),
            ("construction_contract", "建设工程合同", "Construction contracts"),
        ],
    ),
    (
        "production_business",
        "生产经营纠纷",
        "Production and business",
        [
            ("agricultural", "农业生产经营", "Farming"),
            ("market_stall", "市场经营", "Market trading"),
        ],
    ),
    (
        "damages",
        "损害赔偿纠纷",
        "Damages",
        [
            ("personal_injury", "人身损害赔偿", "Personal injury"),
            ("property_damage", "财产损害赔偿", "Property damage"),
        ],
    ),
    (
        "land_forest",
        "山林土地纠纷",
        "Land and forest",
        [
            ("land_contracting", "土地承包经营", "Land contracting"),
            ("forest_rights", "林权纠纷", "Forest rights"),
            ("boundary", "地界纠纷", "Boundaries"),
        ],
    ),
    (
        "requisition_demolition",
        "征地拆迁纠纷",
        "Land requisition and demolition",
        [
            ("compensation", "补偿安置", "Compensation and resettlement"),
            ("demolition_process", "拆迁程序", "Demolition procedure"),
        ],
    ),
    (
        "environment",
        "环境污染纠纷",
        "Environment",
        [
            ("pollution", "污染损害", "Pollution damage"),
            ("noise_industrial", "施工噪声", "Construction noise"),
        ],
    ),
    (
        "labour",
        "劳动争议纠纷",
        "Labour",
        [
            ("wage_arrears", "拖欠工资", "Unpaid wages"),
            ("work_injury", "工伤待遇", "Work injury"),
            ("labour_contract", "劳动合同", "Labour contracts"),
            ("social_insurance", "社会保险", "Social insurance"),
        ],
    ),
    (
        "medical",
        "医疗纠纷",
        "Medical",
        [
            ("malpractice", "医疗损害", "Medical injury"),
            ("medical_fees", "医疗费用", "Medical fees"),
        ],
    ),
    (
        "road_traffic",
        "道路交通事故纠纷",
        "Road traffic",
        [
            ("traffic_injury", "交通事故人身损害", "Traffic injury"),
            ("traffic_property", "交通事故财产损失", "Traffic property loss"),
        ],
    ),
    (
        "property_management",
        "物业管理纠纷",
        "Property management",
        [
            ("property_fees", "物业费", "Property fees"),
            ("common_areas", "公共区域", "Common areas"),
            ("parking", "停车纠纷", "Parking"),
        ],
    ),
    (
        "consumer",
        "消费纠纷",
        "Consumer",
        [
            ("product_quality", "产品质量", "Product quality"),
            ("prepaid_cards", "预付卡消费", "Prepaid cards"),
            ("online_shopping", "网络购物", "Online shopping"),
        ],
    ),
    (
        "enterprise",
        "涉企纠纷",
        "Enterprise-related",
        [
            ("enterprise_debt", "企业债务", "Enterprise debts"),
            ("enterprise_contract", "企业合同", "Enterprise contracts"),
        ],
    ),
    (
        "other",
        "其他纠纷",
        "Other",
        [
            ("other_general", "其他", "Other"),
        ],
    ),
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for position, (code, name_zh, name_en, children) in enumerate(CATEGORIES, start=1):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position}
        )
        for child_position, (child_code, child_zh, child_en) in enumerate(children, start=1):
            Category.objects.get_or_create(
                code=child_code,
                defaults={
                    "name_zh": child_zh,
                    "name_en": child_en,
                    "parent": parent,
                    "position": child_position,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
