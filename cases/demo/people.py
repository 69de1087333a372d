"""Fake but well-formed people for the demo: names, ID numbers, phones, Wuhan addresses.

Everything is drawn from one seeded ``random.Random`` and one seeded ``Faker("zh_CN")``, so a seed
always gives the same people.
"""

import random
from datetime import date, timedelta

from faker import Faker

from .. import identity
from ..models.identities import Ethnicity
from .city import District

# Birthplaces in ID numbers: mostly Wuhan, then the rest of Hubei, then elsewhere.
WUHAN_DIVISIONS = [
    "420102",
    "420103",
    "420104",
    "420105",
    "420106",
    "420107",
    "420111",
    "420112",
    "420113",
    "420114",
    "420115",
    "420116",
    "420117",
]
HUBEI_DIVISIONS = [
    "420202",
    "420302",
    "420502",
    "420602",
    "420902",
    "420982",
    "421002",
    "421023",
    "421102",
    "421122",
    "421202",
    "421281",
    "422801",
    "429004",
    "429005",
    "429006",
]
OTHER_DIVISIONS = ["430102", "410102", "360102", "500101", "511023", "440106", "340102"]

# Two-character family names (复姓): the one Faker's zh_CN names use, and the common others.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "澹台",
        "太史",
        "申屠",
    ]
)


def split_name(name: str) -> tuple[str, str]:
    """A Chinese name as (family name, given name): 刘小红 → (刘, 小红), 欧阳娜 → (欧阳, 娜).

    A user's ``last_name`` is the family name and ``first_name`` the given name, so that the name
    is shown in its own order (``cases.models.display_name``) and sorted by family name.
    """
    cut = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:cut], name[cut:]


# The ethnic groups other than Han drawn for the demo's people (Tujia and Miao live in west Hubei).
MINORITIES = [
    Ethnicity.TUJIA,
    Ethnicity.TUJIA,
    Ethnicity.HUI,
    Ethnicity.MIAO,
    Ethnicity.MANCHU,
    Ethnicity.ZHUANG,
    Ethnicity.MONGOL,
    Ethnicity.DONG,
]

MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]

BUILDINGS = ["小区", "花园", "家园", "新村", "公寓", "苑", "城", "里"]
ESTATE_WORDS = [
    "锦绣",
    "幸福",
    "金桥",
    "万科",
    "保利",
    "福星",
    "百步亭",
    "常青",
    "东方",
    "南湖",
    "水岸",
    "丽岛",
    "世纪",
    "阳光",
    "书香",
    "翡翠",
    "江景",
    "汉口",
    "金地",
    "融侨",
    "中建",
    "福园",
]
HOSPITALS = [
    "武汉市第一医院",
    "武汉市中心医院",
    "武汉市第三医院",
    "武汉市第四医院",
    "武汉市普仁医院",
    "武汉市汉口医院",
    "武汉市武昌医院",
    "武汉市中医医院",
    "武汉市妇女儿童医疗保健中心",
]
INSURERS = [
    "中国人民财产保险股份有限公司武汉市分公司",
    "中国平安财产保险股份有限公司湖北分公司",
    "中国太平洋财产保险股份有限公司武汉分公司",
    "中华联合财产保险股份有限公司湖北分公司",
    "阳光财产保险股份有限公司湖北省分公司",
]
LAW_FIRMS = ["湖北得伟君尚", "湖北山河", "湖北首义", "湖北瑞通天元", "湖北今天", "湖北立丰"]


class PeopleFactory:
    """Makes people and places. ``rng`` and ``fake`` are seeded by the caller."""

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake

    # --- persons ---------------------------------------------------------------------------

    def person_name(self, male: bool | None = None) -> tuple[str, bool]:
        male = self.rng.random() < 0.5 if male is None else male
        return (self.fake.name_male() if male else self.fake.name_female()), male

    def birth_date(self) -> date:
        """A grown-up's date of birth: 1950 to 2004."""
        return date(1950, 1, 1) + timedelta(days=self.rng.randrange(365 * 55))

    def id_number(self, male: bool, born: date | None = None) -> str:
        """An 18-character resident ID number with a correct check character (GB 11643): its
        date of birth ``born`` and its 17th digit odd for a man, even for a woman."""
        rng = self.rng
        roll = rng.random()
        divisions = (
            WUHAN_DIVISIONS if roll < 0.72 else HUBEI_DIVISIONS if roll < 0.93 else OTHER_DIVISIONS
        )
        born = born or self.birth_date()
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd for men, even for women
        body = f"{rng.choice(divisions)}{born:%Y%m%d}{sequence:03d}"
        return body + identity.resident_id_check(body)

    def ethnicity(self) -> str:
        """A GB/T 3304 code: mostly Han, then the groups most often met in Hubei."""
        roll = self.rng.random()
        if roll < 0.93:
            return Ethnicity.HAN
        return self.rng.choice(MINORITIES)

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self) -> str:
        return f"027-{self.rng.choice('5678')}{self.rng.randrange(10**7):07d}"

    def credit_code(self, division: str) -> str:
        """A unified social credit code (GB 32100): 91 (an enterprise), the division, a
        9-character organisation code and the check character."""
        alphabet = identity.CREDIT_CODE_ALPHABET
        body = f"91{division}" + "".join(self.rng.choice(alphabet) for _ in range(9))
        return body + identity.credit_code_check(body)

    # --- organisations ---------------------------------------------------------------------

    def brand(self) -> str:
        """A company's trade name (佳禾, 凌云, ...), without a legal form."""
        name: str = self.fake.company_prefix()
        return name.removesuffix("公司").removesuffix("国际") or "佳禾"

    def company(self) -> str:
        return f"武汉{self.fake.company()}"

    def property_company(self) -> str:
        return f"武汉{self.brand()}物业服务有限公司"

    def shop(self) -> str:
        kind = self.rng.choice(
            [
                "商贸有限公司",
                "健身服务有限公司",
                "教育咨询有限公司",
                "美容美发店",
                "家具城",
                "电器商行",
                "汽车销售服务有限公司",
                "装饰工程有限公司",
            ]
        )
        return f"武汉{self.brand()}{kind}"

    def hospital(self, district: District) -> str:
        roll = self.rng.random()
        if roll < 0.5:
            return self.rng.choice(HOSPITALS)
        if roll < 0.8:
            return f"{district.name_zh}人民医院"
        return f"武汉{self.brand()}口腔门诊部"

    def insurer(self) -> str:
        return self.rng.choice(INSURERS)

    def lawyer(self) -> str:
        name, _ = self.person_name()
        return f"{name}（{self.rng.choice(LAW_FIRMS)}律师事务所律师）"

    # --- places ----------------------------------------------------------------------------

    def estate(self) -> str:
        """A residential estate: 锦绣花园, 幸福家园, ..."""
        return f"{self.rng.choice(ESTATE_WORDS)}{self.rng.choice(BUILDINGS)}"

    def address(self, district: District, street_zh: str = "") -> str:
        rng = self.rng
        road = rng.choice(district.roads)
        if rng.random() < 0.6:
            return (
                f"武汉市{district.name_zh}{street_zh}{road}{rng.randint(1, 399)}号"
                f"{self.estate()}{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元"
                f"{rng.randint(1, 33)}{rng.randint(1, 8):02d}室"
            )
        return f"武汉市{district.name_zh}{street_zh}{road}{rng.randint(1, 999)}号"

    def village_address(self, district: District, street_zh: str, village: str) -> str:
        return f"武汉市{district.name_zh}{street_zh}{village}{self.rng.randint(1, 12)}组"
