"""Building the demo city's network: centres, rooms, users, memberships and mediators.

Centres are bulk-created level by level (parents before children), each placed with
``cases.services.centres.place`` so ``path`` and ``depth`` are right. Users share one password hash,
computed once: hashing thousands of passwords one by one would take minutes.

Only ``admin`` (a superuser) is staff: the Django admin is for administrators (``cases/admin.py``);
every other demo login works in the web UI and the API with its memberships' scope.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from faker import Faker

from ..bulkload import analyze
from ..models import (
    Category,
    Centre,
    CentreKind,
    CentreLevel,
    Mediator,
    MediatorKind,
    Membership,
    Role,
    Room,
)
from ..services.centres import place
from . import city
from .city import District, Street
from .people import split_name
from .stories import CATEGORY_WEIGHTS

DEMO_PASSWORD = "demo12345"  # every demo user's password; printed with the logins
# The group that seeds before issue 15 gave every demo login (staff, every ``view`` permission).
OLD_DEMO_GROUP = "Demo staff (read-only)"
DEMO_DISTRICT = "JA"  # 江岸
DEMO_STREET = "JA01"  # 江岸区大智街道: where director_street, intake and mediator work
DEMO_COURT = "JAFY"  # 江岸区人民法院


# What mediators of each kind tend to handle (category codes); others get a few at random.
PREFERRED_SPECIALTIES: dict[str, list[str]] = {
    MediatorKind.LAWYER: ["contract", "labour", "damages", "enterprise"],
    MediatorKind.RETIRED_JUDGE: ["contract", "marriage_family", "housing_homestead"],
    MediatorKind.POLICE: ["neighbours", "damages", "road_traffic"],
    MediatorKind.PETITION_OFFICER: ["requisition_demolition", "labour", "environment"],
    MediatorKind.GRID_WORKER: ["neighbours", "property_management"],
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    centre_code: str  # empty: everywhere


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "administrator (superuser)", ""),
    DemoLogin("director", "centre director", city.CITY_CODE),
    DemoLogin("director_ja", "centre director", DEMO_DISTRICT),
    DemoLogin("director_street", "centre director", DEMO_STREET),
    DemoLogin("intake", "intake officer", DEMO_STREET),
    DemoLogin("mediator", "mediator", DEMO_STREET),
    DemoLogin("observer", "observer (read-only)", DEMO_DISTRICT),
    DemoLogin("court", "court liaison", DEMO_COURT),
)

# Generated usernames that the demo logins replace.
_DEMO_USERNAMES = {
    f"{city.CITY_CODE.lower()}-director": "director",
    f"{DEMO_DISTRICT.lower()}-director": "director_ja",
    f"{DEMO_STREET.lower()}-director": "director_street",
    f"{DEMO_STREET.lower()}-intake": "intake",
    f"{DEMO_STREET.lower()}-m1": "mediator",
    f"{DEMO_COURT.lower()}-liaison": "court",
}


@dataclass(frozen=True)
class Place:
    """Where a centre is, for addresses in its cases."""

    district: District
    street: Street | None = None
    village: str = ""  # the village's name when the centre is a village (村)
    estate: str = ""  # a residential estate's name when it is an urban community


@dataclass
class Network:
    """The built network, with the lookups the case generator needs."""

    categories: dict[str, Category]
    centres: dict[str, Centre] = field(default_factory=dict)
    places: dict[int, Place] = field(default_factory=dict)
    rooms: dict[int, list[Room]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    directors: dict[int, User] = field(default_factory=dict)
    intake: dict[int, User] = field(default_factory=dict)
    liaisons: dict[int, User] = field(default_factory=dict)
    mediators: dict[int, list[Mediator]] = field(default_factory=dict)  # home centre → mediators
    seated: dict[int, list[Mediator]] = field(default_factory=dict)  # seat centre → mediators
    mediator_users: dict[int, User] = field(default_factory=dict)  # mediator pk → user
    reused_usernames: set[str] = field(default_factory=set)  # demo users that existed already
    _children: dict[int, list[Centre]] = field(default_factory=dict)

    @property
    def admin(self) -> User:
        return self.users["admin"]

    @property
    def demo_mediator(self) -> Mediator:
        user = self.users["mediator"]
        street = self.centres[DEMO_STREET]
        return next(m for m in self.mediators[street.pk] if m.user_id == user.pk)

    def parent(self, centre: Centre) -> Centre | None:
        codes = centre.ancestor_codes()
        return self.centres[codes[-2]] if len(codes) > 1 else None

    def ancestors(self, centre: Centre) -> list[Centre]:
        """The centre's ancestors, nearest first (not the centre itself)."""
        return [self.centres[code] for code in reversed(centre.ancestor_codes()[:-1])]

    def director_for(self, centre: Centre) -> User:
        """A user who directs ``centre``: its own director, else the nearest one above it."""
        for candidate in [centre, *self.ancestors(centre)]:
            if candidate.pk in self.directors:
                return self.directors[candidate.pk]
        return self.admin

    def intake_for(self, centre: Centre) -> User:
        return self.intake.get(centre.pk) or self.director_for(centre)

    def children(self, centre: Centre) -> list[Centre]:
        if not self._children:
            for child in self.centres.values():
                if child.parent_id is not None:
                    self._children.setdefault(child.parent_id, []).append(child)
        return self._children.get(centre.pk, [])


class NetworkBuilder:
    """Builds the whole network in the database; call ``build()`` inside a transaction."""

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake
        self.password = make_password(DEMO_PASSWORD)
        self.net = Network(categories={c.code: c for c in Category.objects.all()})
        self._users: list[User] = []
        self._memberships: list[tuple[str, int, str]] = []  # username, centre pk, role

    # --- centres ---------------------------------------------------------------------------

    BUILD_STEPS = 5  # for a progress bar: centres, rooms, mediators, people, statistics

    def build(self, progress: Any = None) -> Network:
        """Build the network; ``progress`` (a tqdm bar, say) gets ``update(1)`` after each of the
        ``BUILD_STEPS`` steps."""

        def done() -> None:
            if progress is not None:
                progress.update(1)

        self._centres()
        done()
        self._rooms()
        done()
        mediators = self._mediators()
        done()
        self._people(mediators)
        done()
        # The services that perform the cases next read these tables on every step.
        analyze(
            [
                Centre,
                Room,
                get_user_model(),
                Membership,
                Mediator,
                Mediator.seats.through,
                Mediator.specialties.through,
            ]
        )
        done()
        return self.net

    def _centre(
        self,
        parent: Centre | None,
        *,
        code: str,
        name_zh: str,
        name_en: str,
        abbreviation: str,
        level: int,
        kind: str,
        address: str,
        field_code: str = "",
    ) -> Centre:
        centre = Centre(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            abbreviation_zh=abbreviation,
            level=level,
            kind=kind,
            address=address,
            field=self.net.categories[field_code] if field_code else None,
        )
        place(centre, parent)
        return centre

    def _address(self, district: District, street: Street | None = None) -> str:
        road = self.rng.choice(district.roads)
        where = street.name_zh if street else ""
        return f"武汉市{district.name_zh}{where}{road}{self.rng.randint(1, 600)}号"

    def _save(self, centres: list[Centre]) -> None:
        Centre.objects.bulk_create(centres)
        for centre in centres:
            self.net.centres[centre.code] = centre

    def _centres(self) -> None:
        net, rng = self.net, self.rng
        root = self._centre(
            None,
            code=city.CITY_CODE,
            name_zh=city.CITY_NAME_ZH,
            name_en=city.CITY_NAME_EN,
            abbreviation=city.CITY_ABBREVIATION,
            level=CentreLevel.CITY,
            kind=CentreKind.COMPREHENSIVE,
            address=city.CITY_ADDRESS,
        )
        self._save([root])
        net.places[root.pk] = Place(city.DISTRICTS[0])

        level2 = []
        for committee in city.PROFESSIONAL_COMMITTEES:
            level2.append(
                self._centre(
                    root,
                    code=committee.code,
                    name_zh=committee.name_zh,
                    name_en=committee.name_en,
                    abbreviation=committee.abbreviation,
                    level=CentreLevel.CITY,
                    kind=CentreKind.PROFESSIONAL,
                    address=city.CITY_ADDRESS,
                    field_code=committee.field,
                )
            )
        for district in city.DISTRICTS:
            prefix = city.DISTRICT_CENTRE_PREFIX.get(district.code, district.name_zh)
            level2.append(
                self._centre(
                    root,
                    code=district.code,
                    name_zh=f"{prefix}{city.CENTRE_SUFFIX_ZH}",
                    name_en=f"{district.name_en} Centre",
                    abbreviation=district.abbreviation,
                    level=CentreLevel.DISTRICT,
                    kind=CentreKind.COMPREHENSIVE,
                    address=self._address(district),
                )
            )
        self._save(level2)
        for centre in level2:
            net.places[centre.pk] = Place(self._district(centre.code))

        counts = city.community_counts()
        level3: list[tuple[Centre, Place]] = []
        for district in city.DISTRICTS:
            parent = net.centres[district.code]
            short_en = district.name_en.removesuffix(" District")
            court_address = self._address(district)
            level3.append(
                (
                    self._centre(
                        parent,
                        code=f"{district.code}TJ",
                        name_zh=f"{district.court_name_zh}诉前调解室",
                        name_en=f"{district.court_name_en} Mediation Room",
                        abbreviation=f"{district.abbreviation}诉调",
                        level=CentreLevel.DISTRICT,
                        kind=CentreKind.COURT_ROOM,
                        address=court_address,
                    ),
                    Place(district),
                )
            )
            level3.append(
                (
                    self._centre(
                        parent,
                        code=f"{district.code}FY",
                        name_zh=district.court_name_zh,
                        name_en=district.court_name_en,
                        abbreviation=f"{district.abbreviation}法院",
                        level=CentreLevel.DISTRICT,
                        kind=CentreKind.COURT,
                        address=court_address,
                    ),
                    Place(district),
                )
            )
            prefix = city.DISTRICT_CENTRE_PREFIX.get(district.code, district.name_zh)
            for index, street in enumerate(district.streets, start=1):
                level3.append(
                    (
                        self._centre(
                            parent,
                            code=f"{district.code}{index:02d}",
                            name_zh=f"{prefix}{street.name_zh}{city.CENTRE_SUFFIX_ZH}",
                            name_en=f"{street.pinyin} {street.kind_en} Centre, {short_en}",
                            abbreviation=f"{district.abbreviation}{street.short}",
                            level=CentreLevel.STREET,
                            kind=CentreKind.COMPREHENSIVE,
                            address=self._address(district, street),
                        ),
                        Place(district, street),
                    )
                )
        self._save([c for c, _ in level3])
        for centre, where in level3:
            net.places[centre.pk] = where

        level4: list[tuple[Centre, Place]] = []
        for centre, where in level3:
            if centre.level != CentreLevel.STREET or where.street is None:
                continue
            district, street = where.district, where.street
            names = city.community_names(district, counts[centre.code], rng)
            for index, (name_zh, name_en) in enumerate(names, start=1):
                village = name_zh.endswith("村")
                short = name_zh.removesuffix("社区").removesuffix("村")
                level4.append(
                    (
                        self._centre(
                            centre,
                            code=f"{centre.code}{index:02d}",
                            name_zh=f"{street.name_zh}{name_zh}人民调解委员会",
                            name_en=f"{name_en} Mediation Committee, {street.pinyin}",
                            abbreviation=f"{street.short}{short}",
                            level=CentreLevel.COMMUNITY,
                            kind=CentreKind.COMMITTEE,
                            address=(
                                f"武汉市{district.name_zh}{street.name_zh}{name_zh}村委会"
                                if village
                                else f"{self._address(district, street)}{name_zh}居委会"
                            ),
                        ),
                        Place(
                            district,
                            street,
                            village=name_zh if village else "",
                            estate="" if village else f"{short}小区",
                        ),
                    )
                )
        self._save([c for c, _ in level4])
        for centre, where in level4:
            net.places[centre.pk] = where
        if len(net.centres) != city.TOTAL_CENTRES:  # the tables and the counts disagree
            raise AssertionError(f"built {len(net.centres)} centres, not {city.TOTAL_CENTRES}")

    def _district(self, code: str) -> District:
        for district in city.DISTRICTS:
            if district.code == code:
                return district
        return city.DISTRICTS[0]

    def _rooms(self) -> None:
        rooms = []
        for centre in self.net.centres.values():
            if centre.kind == CentreKind.COMPREHENSIVE and centre.level <= CentreLevel.STREET:
                names = ["调解室一", "调解室二"]
                if centre.level == CentreLevel.CITY:
                    names.append("视频调解室")
            elif centre.kind in (CentreKind.COURT_ROOM, CentreKind.PROFESSIONAL):
                names = ["调解室一"]
            else:
                continue
            rooms += [Room(centre=centre, name=name) for name in names]
        Room.objects.bulk_create(rooms)
        for room in rooms:
            self.net.rooms.setdefault(room.centre.pk, []).append(room)

    # --- mediators -------------------------------------------------------------------------

    def _mediators(self) -> list[tuple[Mediator, str, list[Centre], list[str]]]:
        """Mediator rows (unsaved), each with the username it gets (or ""), seats, specialties."""
        net, rng = self.net, self.rng
        made: list[tuple[Mediator, str, list[Centre], list[str]]] = []

        def add(
            centre: Centre,
            kind: str,
            *,
            user: bool = False,
            seats: Iterable[Centre] = (),
            specialties: list[str] | None = None,
            number: int = 0,
        ) -> None:
            where = net.places[centre.pk]
            languages = ["普通话", "武汉话"]
            local = {"HP": "黄陂话", "XZ": "新洲话", "JX": "江夏话", "CD": "蔡甸话"}
            if where.district.code in local and centre.level >= CentreLevel.STREET:
                languages.append(local[where.district.code])
            if kind == MediatorKind.LAWYER and rng.random() < 0.25:
                languages.append("English")
            if rng.random() < 0.01:
                languages.append("手语")
            conflicts = ""
            if kind in (MediatorKind.LAWYER, MediatorKind.FULL_TIME) and rng.random() < 0.03:
                conflicts = f"配偶任职于武汉{self.fake.company_prefix().removesuffix('公司')}物业服务有限公司"
            name, _ = self._name()
            mediator = Mediator(
                name=name,
                home_centre=centre,
                kind=kind,
                languages=", ".join(languages),
                capacity=rng.randint(30, 60),
                conflicts=conflicts,
            )
            username = f"{centre.code.lower()}-m{number}" if user else ""
            made.append((mediator, username, list(seats), specialties or self._specialties(kind)))

        root = net.centres[city.CITY_CODE]
        districts = [net.centres[d.code] for d in city.DISTRICTS]
        add(root, MediatorKind.FULL_TIME, user=True, number=1)
        add(root, MediatorKind.RETIRED_JUDGE, seats=rng.sample(districts, 2))
        add(root, MediatorKind.LAWYER)
        for committee in city.PROFESSIONAL_COMMITTEES:
            centre = net.centres[committee.code]
            field_codes = [committee.field] + [
                c.code
                for c in net.categories.values()
                if c.parent_id == net.categories[committee.field].pk
            ]
            for number in range(1, 4):
                add(
                    centre,
                    MediatorKind.PROFESSIONAL,
                    user=number == 1,
                    number=number,
                    seats=[rng.choice(districts)] if number == 2 else (),
                    specialties=field_codes,
                )
            add(centre, MediatorKind.LAWYER, specialties=[committee.field, "contract"])
        for district in city.DISTRICTS:
            centre = net.centres[district.code]
            streets = [
                net.centres[f"{district.code}{i:02d}"] for i in range(1, len(district.streets) + 1)
            ]
            add(centre, MediatorKind.FULL_TIME, user=True, number=1)
            add(centre, MediatorKind.FULL_TIME, user=True, number=2)
            add(centre, MediatorKind.RETIRED_JUDGE, seats=rng.sample(streets, 2))
            add(centre, MediatorKind.LAWYER)
            add(centre, rng.choice([MediatorKind.POLICE, MediatorKind.PETITION_OFFICER]))
            room = net.centres[f"{district.code}TJ"]
            add(room, MediatorKind.RETIRED_JUDGE, user=True, number=1, seats=[centre])
            add(room, MediatorKind.RETIRED_JUDGE)
            add(room, MediatorKind.LAWYER)
            for street in streets:
                neighbours = [s for s in streets if s.pk != street.pk]
                add(street, MediatorKind.FULL_TIME, user=True, number=1)
                add(street, MediatorKind.FULL_TIME, user=True, number=2)
                add(street, MediatorKind.PART_TIME)
                add(street, MediatorKind.POLICE)
                for _ in range(rng.randint(0, 2)):
                    kind = rng.choice(
                        [
                            MediatorKind.LAWYER,
                            MediatorKind.RETIRED_JUDGE,
                            MediatorKind.PETITION_OFFICER,
                            MediatorKind.GRID_WORKER,
                            MediatorKind.LOCAL_NOTABLE,
                        ]
                    )
                    seats = [rng.choice(neighbours)] if neighbours and rng.random() < 0.3 else []
                    add(street, kind, seats=seats)
        for centre in net.centres.values():
            if centre.level != CentreLevel.COMMUNITY:
                continue
            first = rng.choice(
                [MediatorKind.LOCAL_NOTABLE, MediatorKind.FULL_TIME, MediatorKind.GRID_WORKER]
            )
            add(centre, first, user=True, number=1)
            if rng.random() < 0.5:
                second = rng.choice(
                    [MediatorKind.GRID_WORKER, MediatorKind.LOCAL_NOTABLE, MediatorKind.PART_TIME]
                )
                add(centre, second)
        return made

    def _specialties(self, kind: str) -> list[str]:
        preferred = PREFERRED_SPECIALTIES.get(kind)
        if preferred:
            return self.rng.sample(preferred, self.rng.randint(1, 2))
        codes = list(CATEGORY_WEIGHTS)
        weights = list(CATEGORY_WEIGHTS.values())
        return sorted(set(self.rng.choices(codes, weights, k=self.rng.randint(1, 3))))

    def _name(self) -> tuple[str, bool]:
        male = self.rng.random() < 0.55
        return (self.fake.name_male() if male else self.fake.name_female()), male

    # --- users and memberships -------------------------------------------------------------

    def _user(self, username: str, *, name: str = "", title: str = "") -> None:
        """A demo user named ``name`` (a person's Chinese name, split into family and given
        name), or called by a ``title`` alone (管理员, no family name), or a new random name."""
        username = _DEMO_USERNAMES.get(username, username)
        family, given = ("", title) if title else split_name(name or self._name()[0])
        self._users.append(
            get_user_model()(
                username=username,
                password=self.password,
                first_name=given,
                last_name=family,
                email=f"{username}@demo.invalid",
                is_staff=username == "admin",
                is_superuser=username == "admin",
            )
        )

    def _member(self, username: str, centre: Centre, role: str) -> None:
        self._memberships.append((_DEMO_USERNAMES.get(username, username), centre.pk, role))

    def _people(self, mediators: list[tuple[Mediator, str, list[Centre], list[str]]]) -> None:
        net = self.net
        self._user("admin", title="管理员")
        self._user("observer")
        self._member("observer", net.centres[DEMO_DISTRICT], Role.OBSERVER)
        for centre in net.centres.values():
            code = centre.code.lower()
            if centre.kind == CentreKind.COURT:
                self._user(f"{code}-liaison")
                self._member(f"{code}-liaison", centre, Role.COURT_LIAISON)
            elif centre.level == CentreLevel.COMMUNITY:
                continue  # the committee's chair is its first mediator, below
            else:
                self._user(f"{code}-director")
                self._member(f"{code}-director", centre, Role.DIRECTOR)
                if centre.kind == CentreKind.COMPREHENSIVE:
                    self._user(f"{code}-intake")
                    self._member(f"{code}-intake", centre, Role.INTAKE)
        for mediator, username, _, _ in mediators:
            if not username:
                continue
            centre = mediator.home_centre
            if centre.level == CentreLevel.COMMUNITY:
                username = f"{centre.code.lower()}-chair"
                self._member(username, centre, Role.DIRECTOR)
                self._member(username, centre, Role.INTAKE)
            self._user(username, name=mediator.name)
            self._member(username, centre, Role.MEDIATOR)

        model = get_user_model()
        existing = {
            u.username: u
            for u in model.objects.filter(username__in=[u.username for u in self._users])
        }
        model.objects.bulk_create([u for u in self._users if u.username not in existing])
        users = {**{u.username: u for u in self._users}, **existing}
        net.users = users
        net.reused_usernames = set(existing)
        Membership.objects.bulk_create(
            [
                Membership(user=users[username], centre_id=centre_pk, role=role)
                for username, centre_pk, role in self._memberships
            ],
            ignore_conflicts=True,
        )
        for username, centre_pk, role in self._memberships:
            table = {
                Role.DIRECTOR: net.directors,
                Role.INTAKE: net.intake,
                Role.COURT_LIAISON: net.liaisons,
            }.get(Role(role))
            if table is not None:
                table.setdefault(centre_pk, users[username])

        for mediator, username, _, _ in mediators:
            if username:
                centre = mediator.home_centre
                if centre.level == CentreLevel.COMMUNITY:
                    username = f"{centre.code.lower()}-chair"
                mediator.user = users[_DEMO_USERNAMES.get(username, username)]
        Mediator.objects.bulk_create([m for m, _, _, _ in mediators])
        seats, specialties = [], []
        for mediator, _, seat_centres, codes in mediators:
            net.mediators.setdefault(mediator.home_centre.pk, []).append(mediator)
            if mediator.user is not None:
                net.mediator_users[mediator.pk] = mediator.user
            for seat in seat_centres:
                seats.append(Mediator.seats.through(mediator_id=mediator.pk, centre_id=seat.pk))
                net.seated.setdefault(seat.pk, []).append(mediator)
            for code in codes:
                specialties.append(
                    Mediator.specialties.through(
                        mediator_id=mediator.pk, category_id=net.categories[code].pk
                    )
                )
        Mediator.seats.through.objects.bulk_create(seats)
        Mediator.specialties.through.objects.bulk_create(specialties)


def retire_old_demo_staff() -> int:
    """Undo, on a demo database seeded before issue 15, the staff flag and the ``view``
    permissions every demo login was given: only ``admin`` stays staff. Adds nothing; returns how
    many logins lost the flag."""
    others = [login.username for login in DEMO_LOGINS if login.username != "admin"]
    retired = (
        get_user_model()
        .objects.filter(username__in=others, is_staff=True, is_superuser=False)
        .update(is_staff=False)
    )
    Group.objects.filter(name=OLD_DEMO_GROUP).delete()
    return retired
