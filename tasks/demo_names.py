"""Word pools for the demo base: names, companies, places, positions, sources and outcomes.

Latin spellings are derived once at import (for e-mails and web sites), never per row.
"""

from __future__ import annotations

from typing import NamedTuple


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщыэюя",
        _words("a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch y e yu ya"),
        strict=True,
    )
) | {"ъ": "", "ь": ""}


def latin(text: str) -> str:
    """A plain ASCII spelling of a Russian word, good enough for an e-mail local part."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower()).replace(" ", "-")


class Region(NamedTuple):
    region: str
    city: str
    tax_code: str  # the first two digits of an INN issued there
    area_code: str  # landline code; with the number it makes ten digits after +7
    postcode: str  # the first three digits of the city's postcodes
    time_zone: str
    weight: int


REGIONS = (
    Region("Москва", "Москва", "77", "495", "123", "Europe/Moscow", 30),
    Region("Санкт-Петербург", "Санкт-Петербург", "78", "812", "191", "Europe/Moscow", 12),
    Region("Московская область", "Подольск", "50", "496", "142", "Europe/Moscow", 6),
    Region("Новосибирская область", "Новосибирск", "54", "383", "630", "Asia/Novosibirsk", 4),
    Region("Свердловская область", "Екатеринбург", "66", "343", "620", "Asia/Yekaterinburg", 4),
    Region("Республика Татарстан", "Казань", "16", "843", "420", "Europe/Moscow", 4),
    Region("Краснодарский край", "Краснодар", "23", "861", "350", "Europe/Moscow", 4),
    Region("Нижегородская область", "Нижний Новгород", "52", "831", "603", "Europe/Moscow", 3),
    Region("Самарская область", "Самара", "63", "846", "443", "Europe/Samara", 3),
    Region("Ростовская область", "Ростов-на-Дону", "61", "863", "344", "Europe/Moscow", 3),
    Region("Челябинская область", "Челябинск", "74", "351", "454", "Asia/Yekaterinburg", 3),
    Region("Пермский край", "Пермь", "59", "342", "614", "Asia/Yekaterinburg", 2),
    Region("Воронежская область", "Воронеж", "36", "473", "394", "Europe/Moscow", 2),
    Region("Красноярский край", "Красноярск", "24", "391", "660", "Asia/Krasnoyarsk", 2),
    Region("Республика Башкортостан", "Уфа", "02", "347", "450", "Asia/Yekaterinburg", 2),
    Region("Тюменская область", "Тюмень", "72", "3452", "625", "Asia/Yekaterinburg", 1),
    Region("Омская область", "Омск", "55", "3812", "644", "Asia/Omsk", 1),
    Region("Иркутская область", "Иркутск", "38", "3952", "664", "Asia/Irkutsk", 1),
    Region("Приморский край", "Владивосток", "25", "423", "690", "Asia/Vladivostok", 1),
    Region("Калининградская область", "Калининград", "39", "4012", "236", "Europe/Kaliningrad", 1),
)

STREETS = _words(
    "ул. Ленина|ул. Мира|ул. Советская|ул. Садовая|ул. Гагарина|ул. Пушкина|ул. Заводская|"
    "ул. Промышленная|ул. Октябрьская|ул. Кирова|ул. Чехова|ул. Строителей|ул. Набережная|"
    "ул. Победы|ул. Московская|пр-т Мира|пр-т Ленина|Ленинградское ш.|Кутузовский пр-т|"
    "пер. Складской|ул. Индустриальная|ул. Энтузиастов|ул. Луговая|ул. Полевая",
    "|",
)

# (name, weight); the names match professional holidays' industries where one exists.
INDUSTRIES = (
    ("Строительство", 14),
    ("Оптовая торговля", 14),
    ("Розничная торговля", 10),
    ("Машиностроение", 8),
    ("Металлургия", 5),
    ("Пищевая промышленность", 7),
    ("Транспорт и логистика", 8),
    ("Энергетика", 4),
    ("Химическая промышленность", 4),
    ("Сельское хозяйство", 6),
    ("Медицина", 6),
    ("Информационные технологии", 7),
    ("Образование", 3),
    ("Финансы", 4),
)

RU_STEMS = _words(
    "Вектор Альфа Гранит Импульс Ромашка Спектр Меридиан Прогресс Север Восток Титан "
    "Аврора Орион Феникс Горизонт Лидер Стандарт Эталон Кристалл Атлант Монолит Сфера "
    "Ресурс Партнёр Надежда Рубин Янтарь Берёзка Садко Магистраль Континент Фрегат Крокус "
    "Алмаз Байкал Ладога"
)
RU_PREFIXES = _words("Техно Пром Строй Агро Энерго Евро Сиб Урал Волга Нева Дон Мед Хим Авто")
RU_SUFFIXES = _words("снаб торг сервис строй комплект маш пром лайн трейд логистик ресурс")
EN_WORDS = _words(
    "Northwind Blue-River Silver-Oak Polar-Star Baltic Nordic Atlas Summit Pioneer Crystal "
    "Evergreen Granite Horizon Vertex Quantum Sterling Meridian Falcon Harbor Redwood"
)
EN_KINDS = _words(
    "Trading Solutions Systems Logistics Industries Technologies Supply Engineering Group Partners"
)

# (legal form, weight, kind): kind is "ru", "en" (an English name) or "ie" (an entrepreneur).
LEGAL_FORMS = (
    ("ООО", 62, "ru"),
    ("АО", 8, "ru"),
    ("ПАО", 1, "ru"),
    ("ИП", 14, "ie"),
    ("LLC", 8, "en"),
    ("Ltd", 4, "en"),
    ("GmbH", 3, "en"),
)

# Male first name and the patronymics it gives (male, female).
RU_MALE = tuple(
    tuple(entry.split("/"))
    for entry in _words(
        "Александр/Александрович/Александровна Алексей/Алексеевич/Алексеевна "
        "Андрей/Андреевич/Андреевна Антон/Антонович/Антоновна Артём/Артёмович/Артёмовна "
        "Борис/Борисович/Борисовна Вадим/Вадимович/Вадимовна Василий/Васильевич/Васильевна "
        "Виктор/Викторович/Викторовна Владимир/Владимирович/Владимировна "
        "Дмитрий/Дмитриевич/Дмитриевна Евгений/Евгеньевич/Евгеньевна Иван/Иванович/Ивановна "
        "Игорь/Игоревич/Игоревна Илья/Ильич/Ильинична Кирилл/Кириллович/Кирилловна "
        "Константин/Константинович/Константиновна Максим/Максимович/Максимовна "
        "Михаил/Михайлович/Михайловна Никита/Никитич/Никитична Николай/Николаевич/Николаевна "
        "Олег/Олегович/Олеговна Павел/Павлович/Павловна Пётр/Петрович/Петровна "
        "Роман/Романович/Романовна Сергей/Сергеевич/Сергеевна Степан/Степанович/Степановна "
        "Юрий/Юрьевич/Юрьевна Григорий/Григорьевич/Григорьевна Денис/Денисович/Денисовна "
        "Фёдор/Фёдорович/Фёдоровна Леонид/Леонидович/Леонидовна Руслан/Русланович/Руслановна"
    )
)
RU_FEMALE = _words(
    "Анна Елена Ольга Наталья Ирина Татьяна Светлана Мария Екатерина Юлия Анастасия Марина "
    "Людмила Галина Дарья Ксения Алина Виктория Полина Вера Надежда Евгения Софья Алёна "
    "Оксана Валентина Кристина Яна Вероника Елизавета"
)
RU_SURNAMES = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров "
    "Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов "
    "Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов "
    "Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин "
    "Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков "
    "Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев "
    "Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов "
    "Казаков Афанасьев Данилов Тимофеев Фомин Чернов Абрамов Мартынов Щербаков Назаров "
    "Калинин Исаев Быков Маслов Лазарев Воронин Климов Голубев Кудрявцев Прохоров Наумов "
    "Леонов Соболев Ермаков Гончаров Островский Вишневский Закревский Толстой Шевчук "
    "Бондаренко Ткаченко Коваленко Черных"
)
EN_MALE = _words("James John Robert Michael William David Thomas Daniel Mark Paul Peter George")
EN_FEMALE = _words("Mary Jennifer Linda Elizabeth Susan Sarah Emma Olivia Sophie Emily Laura Helen")
EN_SURNAMES = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Martin "
    "Jackson White Harris Clark Lewis Walker Young King Wright Green Baker Adams Carter "
    "Turner Campbell Parker Evans Collins Morgan Cooper Fischer Schneider Weber Wagner "
    "Becker Hoffmann"
)


def female_surname(male: str) -> str:
    """Иванов -> Иванова, Островский -> Островская, Толстой -> Толстая, Шевчук stays."""
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    if male.endswith(("ский", "цкий")):
        return male[:-2] + "ая"
    if male.endswith("ой"):
        return male[:-2] + "ая"
    return male


# (title, is the usual decision maker)
RU_POSITIONS = (
    ("Генеральный директор", True),
    ("Коммерческий директор", True),
    ("Технический директор", True),
    ("Заместитель директора", True),
    ("Главный инженер", False),
    ("Главный бухгалтер", False),
    ("Начальник отдела снабжения", False),
    ("Менеджер по закупкам", False),
    ("Специалист по закупкам", False),
    ("Офис-менеджер", False),
)
EN_POSITIONS = (
    ("Managing Director", True),
    ("Purchasing Director", True),
    ("Procurement Manager", False),
    ("Chief Engineer", False),
    ("Office Manager", False),
)

# Reserved names (RFC 2606): a demo letter sent by mistake can never reach a real mailbox.
MAIL_PROVIDERS = ("mail.example", "inbox.example", "post.example")
TEAM_DOMAIN = "example.com"

LEAD_SOURCES = _words(
    "Импорт из 1С|Сайт|Выставка|Холодный звонок|Рекомендация|2ГИС|Яндекс Карты|"
    "Отраслевой портал|Входящий звонок",
    "|",
)

OUTCOMES = {
    "call": (
        "Обсудили потребность",
        "Не дозвонились, перезвонить",
        "Запросили коммерческое предложение",
        "Договорились о встрече",
        "Клиент думает",
        "Уточнили объём закупки",
    ),
    "email": (
        "Отправлено коммерческое предложение",
        "Отправлен каталог",
        "Отправлен договор на согласование",
        "Отправлен счёт",
    ),
    "meeting": (
        "Презентация продукции",
        "Обсудили условия поставки",
        "Встреча с ЛПР",
        "Подписание договора",
    ),
    "note": ("Просили не звонить до конца месяца", "Сменился ЛПР", "Ждут бюджет на квартал"),
}

FAMILY_DATES = ("Годовщина свадьбы", "День рождения супруги", "День рождения сына")

# Deal titles per demo line; other lines get the generic one.
DEAL_TITLES = {
    "Equipment": "Поставка оборудования",
    "Consumables": "Поставка расходных материалов",
    "Service": "Сервисное обслуживание",
}
