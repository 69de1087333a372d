"""Static tables of the demo city: Wuhan's districts, streets/towns, courts and committees.

Street and town names are real where we know them and plausible otherwise; the number of
community/village centres under each street is made up, but fixed (it does not depend on
``--seed``), so that the network always has exactly ``TOTAL_CENTRES`` centres.
"""

import random
from dataclasses import dataclass, field

TOTAL_CENTRES = 3503  # Wuhan's one-stop centres at all levels (DESIGN §1)

CITY_CODE = "WH"
CITY_NAME_ZH = "武汉市矛盾纠纷调处化解中心"
CITY_NAME_EN = "Wuhan Dispute Mediation Centre"
CITY_ABBREVIATION = "武汉"
CITY_ADDRESS = "武汉市江岸区沿江大道188号"

CENTRE_SUFFIX_ZH = "矛盾纠纷调处化解中心"


@dataclass(frozen=True)
class Street:
    short: str  # 大智
    pinyin: str  # Dazhi
    suffix: str = "街道"  # 街道, 镇 or 乡

    @property
    def name_zh(self) -> str:
        return f"{self.short}{self.suffix}"

    @property
    def kind_en(self) -> str:
        return {"镇": "Town", "乡": "Township"}.get(self.suffix, "Street")


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str  # 江岸区
    abbreviation: str  # 江岸
    name_en: str  # Jiang'an District
    division: str  # administrative division code, for ID numbers and court numbers
    court_name_zh: str
    court_name_en: str
    court_number_code: str  # 鄂0102 in （2026）鄂0102民诉前调123号
    rural_share: float  # share of villages (村) among its community/village centres
    roads: tuple[str, ...]
    streets: tuple[Street, ...] = field(default_factory=tuple)

    @property
    def pinyin(self) -> str:
        return self.name_en.rsplit(" ", 1)[0] if self.name_en.endswith("District") else self.name_en


def _streets(spec: str) -> tuple[Street, ...]:
    """``"大智:Dazhi 天兴乡:Tianxing"`` → streets; a name ending in 乡 or 镇 keeps that suffix."""
    streets = []
    for item in spec.split():
        zh, pinyin = item.split(":")
        suffix = "街道"
        if zh.endswith(("乡", "镇")) and len(zh) > 2:
            zh, suffix = zh[:-1], zh[-1]
        streets.append(Street(zh, pinyin.replace("_", " "), suffix))
    return tuple(streets)


DISTRICTS: tuple[District, ...] = (
    District(
        "JA", "江岸区", "江岸", "Jiang'an District", "420102", "武汉市江岸区人民法院",
        "Jiang'an District People's Court", "鄂0102", 0.0,
        ("解放大道", "中山大道", "沿江大道", "京汉大道", "黄浦大街", "台北路", "二七路", "后湖大道"),
        _streets(
            "大智:Dazhi 一元:Yiyuan 车站:Chezhan 四唯:Siwei 永清:Yongqing 西马:Xima "
            "球场:Qiuchang 劳动:Laodong 二七:Erqi 新村:Xincun 丹水池:Danshuichi 台北:Taibei "
            "花桥:Huaqiao 谌家矶:Chenjiaji 后湖:Houhu 塔子湖:Tazihu"
        ),
    ),
    District(
        "JH", "江汉区", "江汉", "Jianghan District", "420103", "武汉市江汉区人民法院",
        "Jianghan District People's Court", "鄂0103", 0.0,
        ("解放大道", "江汉路", "建设大道", "新华路", "青年路", "发展大道", "唐家墩路"),
        _streets(
            "民族:Minzu 花楼:Hualou 水塔:Shuita 民权:Minquan 满春:Manchun 民意:Minyi "
            "新华:Xinhua 万松:Wansong 唐家墩:Tangjiadun 北湖:Beihu 前进:Qianjin 常青:Changqing "
            "汉兴:Hanxing"
        ),
    ),
    District(
        "QK", "硚口区", "硚口", "Qiaokou District", "420104", "武汉市硚口区人民法院",
        "Qiaokou District People's Court", "鄂0104", 0.0,
        ("解放大道", "中山大道", "古田二路", "宗关路", "汉正街", "长丰大道", "硚口路"),
        _streets(
            "古田:Gutian 韩家墩:Hanjiadun 宗关:Zongguan 汉水桥:Hanshuiqiao 宝丰:Baofeng "
            "荣华:Ronghua 易家:Yijia 汉正:Hanzheng 六角亭:Liujiaoting 汉中:Hanzhong "
            "长丰:Changfeng"
        ),
    ),
    District(
        "HY", "汉阳区", "汉阳", "Hanyang District", "420105", "武汉市汉阳区人民法院",
        "Hanyang District People's Court", "鄂0105", 0.05,
        ("汉阳大道", "鹦鹉大道", "龙阳大道", "四新大道", "江城大道", "琴台大道", "墨水湖北路"),
        _streets(
            "建桥:Jianqiao 鹦鹉:Yingwu 洲头:Zhoutou 晴川:Qingchuan 四新:Sixin "
            "琴断口:Qinduankou 江汉二桥:Jianghan_Erqiao 永丰:Yongfeng 五里墩:Wulidun "
            "龙阳:Longyang 江堤:Jiangdi 月湖:Yuehu"
        ),
    ),
    District(
        "WC", "武昌区", "武昌", "Wuchang District", "420106", "武汉市武昌区人民法院",
        "Wuchang District People's Court", "鄂0106", 0.0,
        ("中山路", "武珞路", "中南路", "和平大道", "徐东大街", "友谊大道", "临江大道", "八一路"),
        _streets(
            "积玉桥:Jiyuqiao 杨园:Yangyuan 徐家棚:Xujiapeng 粮道:Liangdao 中华路:Zhonghualu "
            "黄鹤楼:Huanghelou 紫阳:Ziyang 白沙洲:Baishazhou 首义路:Shouyilu 中南路:Zhongnanlu "
            "水果湖:Shuiguohu 珞珈山:Luojiashan 石洞:Shidong 南湖:Nanhu"
        ),
    ),
    District(
        "QS", "青山区", "青山", "Qingshan District", "420107", "武汉市青山区人民法院",
        "Qingshan District People's Court", "鄂0107", 0.05,
        ("和平大道", "建设一路", "冶金大道", "友谊大道", "红钢城大街", "工业路"),
        _streets(
            "红卫路:Hongweilu 冶金:Yejin 新沟桥:Xingouqiao 红钢城:Honggangcheng "
            "工人村:Gongrencun 青山镇:Qingshanzhen 厂前:Changqian 钢都花园:Gangdu_Huayuan "
            "武东:Wudong 白玉山:Baiyushan 八吉府:Bajifu"
        ),
    ),
    District(
        "HS", "洪山区", "洪山", "Hongshan District", "420111", "武汉市洪山区人民法院",
        "Hongshan District People's Court", "鄂0111", 0.15,
        ("珞喻路", "雄楚大道", "关山大道", "狮子山街", "青菱路", "欢乐大道", "野芷湖西路"),
        _streets(
            "珞南:Luonan 关山:Guanshan 狮子山:Shizishan 张家湾:Zhangjiawan 梨园:Liyuan "
            "卓刀泉:Zhuodaoquan 洪山:Hongshan 和平:Heping 青菱:Qingling 天兴乡:Tianxing "
            "先锋:Xianfeng 建设:Jianshe 东湖风景区:Donghu_Fengjingqu"
        ),
    ),
    District(
        "DXH", "东西湖区", "东西湖", "Dongxihu District", "420112", "武汉市东西湖区人民法院",
        "Dongxihu District People's Court", "鄂0112", 0.35,
        ("吴家山大道", "金银湖路", "将军路", "东吴大道", "革新大道", "临空港大道"),
        _streets(
            "吴家山:Wujiashan 将军路:Jiangjunlu 慈惠:Cihui 走马岭:Zoumaling 径河:Jinghe "
            "长青:Changqing 辛安渡:Xin'andu 东山:Dongshan 柏泉:Baiquan 新沟镇:Xingouzhen "
            "金银湖:Jinyinhu 常青花园:Changqing_Huayuan"
        ),
    ),
    District(
        "HN", "汉南区", "汉南", "Hannan District", "420113", "武汉市汉南区人民法院",
        "Hannan District People's Court", "鄂0113", 0.7,
        ("汉南大道", "纱帽大街", "兴城大道", "通航大道"),
        _streets("纱帽:Shamao 邓南:Dengnan 东荆:Dongjing 湘口:Xiangkou 银莲:Yinlian"),
    ),
    District(
        "CD", "蔡甸区", "蔡甸", "Caidian District", "420114", "武汉市蔡甸区人民法院",
        "Caidian District People's Court", "鄂0114", 0.75,
        ("蔡甸大街", "知音大道", "汉蔡大道", "新天大道", "中法大道"),
        _streets(
            "蔡甸:Caidian 奓山:Zhashan 永安:Yong'an 侏儒山:Zhurushan 大集:Daji 张湾:Zhangwan "
            "索河:Suohe 玉贤:Yuxian 消泗乡:Xiaosi 凤凰山:Fenghuangshan 桐湖:Tonghu "
            "洪北:Hongbei"
        ),
    ),
    District(
        "JX", "江夏区", "江夏", "Jiangxia District", "420115", "武汉市江夏区人民法院",
        "Jiangxia District People's Court", "鄂0115", 0.7,
        ("文化大道", "纸坊大街", "江夏大道", "谭鑫培路", "庙山大道", "五里界大道"),
        _streets(
            "纸坊:Zhifang 郑店:Zhengdian 五里界:Wulijie 金口:Jinkou 乌龙泉:Wulongquan "
            "山坡:Shanpo 安山:Anshan 湖泗:Husi 舒安:Shu'an 法泗:Fasi 藏龙岛:Canglongdao "
            "庙山:Miaoshan 大桥新区:Daqiao_Xinqu"
        ),
    ),
    District(
        "HP", "黄陂区", "黄陂", "Huangpi District", "420116", "武汉市黄陂区人民法院",
        "Huangpi District People's Court", "鄂0116", 0.8,
        ("前川大道", "百秀街", "黄陂大道", "盘龙大道", "天河路", "汉口北大道"),
        _streets(
            "前川:Qianchuan 祁家湾:Qijiawan 横店:Hengdian 罗汉寺:Luohansi 滠口:Shekou "
            "六指:Liuzhi 天河:Tianhe 王家河:Wangjiahe 长轩岭:Changxuanling 李家集:Lijiaji "
            "姚家集:Yaojiaji 蔡榨:Caizha 武湖:Wuhu 三里桥:Sanliqiao 蔡店:Caidian"
        ),
    ),
    District(
        "XZ", "新洲区", "新洲", "Xinzhou District", "420117", "武汉市新洲区人民法院",
        "Xinzhou District People's Court", "鄂0117", 0.8,
        ("邾城大街", "阳逻大道", "新洲大道", "问津大道", "港城大道"),
        _streets(
            "邾城:Zhucheng 阳逻:Yangluo 潘塘:Pantang 旧街:Jiujie 双柳:Shuangliu "
            "涨渡湖:Zhangduhu 辛冲:Xinchong 徐古:Xugu 仓埠:Cangbu 汪集:Wangji 李集:Liji "
            "三店:Sandian 凤凰镇:Fenghuang"
        ),
    ),
    District(
        "DH", "东湖新技术开发区", "东湖高新", "East Lake High-Tech Zone", "420111",
        "武汉东湖新技术开发区人民法院", "East Lake High-Tech Zone People's Court", "鄂0192", 0.3,
        ("光谷大道", "高新大道", "关山大道", "民族大道", "高新二路", "流芳大道"),
        _streets(
            "关东:Guandong 佛祖岭:Fozuling 豹澥:Baoxie 九峰:Jiufeng 花山:Huashan "
            "左岭:Zuoling 龙泉:Longquan 滨湖:Binhu"
        ),
    ),
    District(
        "JK", "武汉经济技术开发区", "经开", "Wuhan Economic and Technological Development Zone",
        "420113", "武汉经济技术开发区人民法院",
        "Economic and Technological Development Zone People's Court", "鄂0191", 0.4,
        ("东风大道", "沌阳大道", "车城大道", "全力北路", "太子湖北路"),
        _streets("沌口:Zhuankou 沌阳:Zhuanyang 军山:Junshan 官莲湖:Guanlianhu 太子湖:Taizihu"),
    ),
)  # fmt: skip

# How a district is written in a centre's name: 江岸区…, but 东湖高新区…, 武汉经开区….
DISTRICT_CENTRE_PREFIX = {"DH": "东湖高新区", "JK": "武汉经开区"}

# District weights for where cases happen (roughly population); Jiang'an a little more, as the
# demo logins live there.
DISTRICT_WEIGHTS = {
    "JA": 1.5, "JH": 0.9, "QK": 0.9, "HY": 0.9, "WC": 1.3, "QS": 0.6, "HS": 1.4, "DXH": 0.8,
    "HN": 0.3, "CD": 0.7, "JX": 1.0, "HP": 1.0, "XZ": 0.8, "DH": 1.0, "JK": 0.5,
}  # fmt: skip


@dataclass(frozen=True)
class Committee:
    code: str
    name_zh: str
    name_en: str
    abbreviation: str
    field: str  # category code


PROFESSIONAL_COMMITTEES: tuple[Committee, ...] = (
    Committee("WHHY", "武汉市婚姻家庭纠纷人民调解委员会",
              "Wuhan Marriage and Family Mediation Committee", "市婚调", "marriage_family"),
    Committee("WHLD", "武汉市劳动争议人民调解委员会",
              "Wuhan Labour Dispute Mediation Committee", "市劳调", "labour"),
    Committee("WHYL", "武汉市医疗纠纷人民调解委员会",
              "Wuhan Medical Dispute Mediation Committee", "市医调", "medical"),
    Committee("WHJT", "武汉市道路交通事故纠纷人民调解委员会",
              "Wuhan Road Traffic Accident Mediation Committee", "市交调", "road_traffic"),
    Committee("WHWY", "武汉市物业纠纷人民调解委员会",
              "Wuhan Property Management Mediation Committee", "市物调", "property_management"),
    Committee("WHXF", "武汉市消费纠纷人民调解委员会",
              "Wuhan Consumer Dispute Mediation Committee", "市消调", "consumer"),
)  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split()


# Community (社区) and village (村) names: two-character names for communities, and
# "<surname>家<place>" for villages, each with its pinyin for the English name.
COMMUNITY_NAMES = _words("""
新华:Xinhua 幸福:Xingfu 和平:Heping 建设:Jianshe 友谊:Youyi 长春:Changchun 花园:Huayuan
惠民:Huimin 永安:Yong'an 东风:Dongfeng 胜利:Shengli 光明:Guangming 解放:Jiefang
百步亭:Baibuting 丹桂:Dangui 紫菱:Ziling 翠竹:Cuizhu 青年:Qingnian 三阳:Sanyang
中山:Zhongshan 江滩:Jiangtan 育才:Yucai 锦绣:Jinxiu 金桥:Jinqiao 水岸:Shui'an 南岸:Nan'an
滨江:Binjiang 黄浦:Huangpu 兴业:Xingye 朝阳:Chaoyang 桃源:Taoyuan 梅苑:Meiyuan 兰亭:Lanting
竹林:Zhulin 松柏:Songbai 安居:Anju 康宁:Kangning 福星:Fuxing 万家:Wanjia 嘉园:Jiayuan
怡景:Yijing 泰合:Taihe 文昌:Wenchang 双墩:Shuangdun 鼓架坡:Gujiapo 铁路:Tielu 工农:Gongnong
红旗:Hongqi 前进:Qianjin 振兴:Zhenxing 新村:Xincun 东湖:Donghu 晴川:Qingchuan 汉江:Hanjiang
长江:Changjiang 秀水:Xiushui 银湖:Yinhu 金色:Jinse 丽岛:Lidao 枫叶:Fengye 紫竹:Zizhu
桂园:Guiyuan 龙湾:Longwan 凤凰:Fenghuang 民主:Minzhu 团结:Tuanjie 青山:Qingshan 白云:Baiyun
""")
VILLAGE_SURNAMES = _words("""
王:Wang 李:Li 张:Zhang 刘:Liu 陈:Chen 杨:Yang 黄:Huang 周:Zhou 吴:Wu 徐:Xu 孙:Sun 胡:Hu
朱:Zhu 高:Gao 何:He 郭:Guo 罗:Luo 梁:Liang 宋:Song 郑:Zheng 谢:Xie 韩:Han 唐:Tang 冯:Feng
董:Dong 程:Cheng 曹:Cao 袁:Yuan 邓:Deng 许:Xu 彭:Peng 曾:Zeng 熊:Xiong 喻:Yu 肖:Xiao 余:Yu
汪:Wang 万:Wan 夏:Xia 方:Fang
""")
VILLAGE_PLACES = _words("""
湾:wan 墩:dun 岭:ling 冲:chong 畈:fan 咀:zui 店:dian 庙:miao 河:he 桥:qiao 岗:gang 集:ji
台:tai 垸:yuan
""")


def _pair(item: str) -> tuple[str, str]:
    zh, pinyin = item.split(":")
    return zh, pinyin


def community_counts() -> dict[str, int]:
    """Community/village centres under each street code, summing so the whole network is 3,503.

    Fixed for every seed: a private ``Random`` shapes the network, largest remainders round it.
    """
    shape = random.Random("wuhan-network-shape")
    streets = [(d, i) for d in DISTRICTS for i in range(1, len(d.streets) + 1)]
    fixed = 1 + len(DISTRICTS) * 3 + len(streets) + len(PROFESSIONAL_COMMITTEES)
    total = TOTAL_CENTRES - fixed
    weights = [shape.uniform(12, 28) + 8 * d.rural_share for d, _ in streets]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda k: raw[k] - counts[k], reverse=True)
    for k in by_remainder[: total - sum(counts)]:
        counts[k] += 1
    return {f"{d.code}{i:02d}": n for (d, i), n in zip(streets, counts, strict=True)}


def community_names(district: District, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` distinct (name_zh, name_pinyin) for the communities and villages of one street."""
    villages = round(count * district.rural_share)
    communities = rng.sample([_pair(x) for x in COMMUNITY_NAMES], count - villages)
    names = [(f"{zh}社区", f"{py} Community") for zh, py in communities]
    seen: set[str] = set()
    while len(names) < count:
        surname, sp = _pair(rng.choice(VILLAGE_SURNAMES))
        place, pp = _pair(rng.choice(VILLAGE_PLACES))
        zh = f"{surname}家{place}村"
        if zh not in seen:
            seen.add(zh)
            names.append((zh, f"{sp}jia{pp} Village"))
    return names
