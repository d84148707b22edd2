#!/usr/bin/env python3
"""Generate the fictional demo data in sample_data/.

Standard library only, Python 3.11+, deterministic (random.Random(2026)): running it
again writes byte-identical files.

    python sample_data/generate.py              # writes next to this script
    python sample_data/generate.py --out DIR    # writes into DIR instead

Files written:

- orders.csv       360 work orders as the customer system exports them
                   (";" delimiter, UTF-8 with BOM, CRLF, Norwegian headers). The GOOD file:
                   it imports cleanly; 11 orders have an empty street address on purpose
                   (allowed at import, refused by `amsplan lock`).
- technicians.csv  6 technicians (";" delimiter, UTF-8 with BOM, CRLF).
- orders_bad.csv   10 orders, 5 of them invalid, in Windows-1252 with "," as delimiter,
                   to show encoding/delimiter detection and whole-file validation.

Later columns were added to the files by hand and are not generated here: the
technicians' start points (Breddegrad/Lengdegrad, route planning) and the orders'
`E-post` addresses (reserved example domains only). Regenerating drops them: add them
back before committing.

All names, numbers and meter ids are made up. Postcodes, place names and municipality
numbers are real (Innlandet, around Hamar), so the geography is coherent.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from dataclasses import dataclass
from pathlib import Path

from amsplan.domain.cells import gsrn_check_digit  # Norwegian metering point ids are GSRN numbers

SEED = 2026
N_ORDERS = 360

ORDER_HEADERS = [
    "Ordrenr",
    "Målepunkt-ID",
    "Målernr",
    "Navn",
    "Adresse",
    "Postnr",
    "Poststed",
    "Kommunenr",
    "Telefon",
    "Etappe",
    "Breddegrad",
    "Lengdegrad",
    "Beskrivelse",
    "Viktig info",
    "Vanskelig måler",
]

TECHNICIAN_HEADERS = ["Montørnr", "Navn", "Telefon", "Arbeidstid fra", "Arbeidstid til"]

# Exact counts (not probabilities), so the README can state them.
N_EMPTY_ADDRESS = 11  # ~3 %
N_EMPTY_PHONE = 22  # ~6 %
N_LANDLINE = 29  # ~8 %
N_NO_COORDS = 36  # 10 %
N_IMPORTANT = 18  # 5 %
N_DIFFICULT = 25  # ~7 %
N_COMPANIES = 18  # 5 %


# --------------------------------------------------------------------------- geography


@dataclass(frozen=True)
class PostArea:
    postnr: str
    poststed: str
    lat: float
    lon: float
    spread: float  # jitter in degrees latitude (longitude gets twice that)
    streets: tuple[str, ...]
    weight: int = 2  # relative share of the municipality's orders (town centres: more)


@dataclass(frozen=True)
class Municipality:
    kommunenr: str
    name: str
    etappe: str
    n_orders: int
    areas: tuple[PostArea, ...]


# Tables kept compact on purpose.
# fmt: off
HAMAR_STREETS = (
    "Storgata", "Torggata", "Grønnegata", "Strandgata", "Kirkegata", "Parkgata",
    "Ringgata", "Løkkegata", "Skolegata", "Aslak Bolts gate", "Vangsvegen",
    "Åkersvikvegen", "Holsetgata", "Tollbugata", "Bjørkeveien", "Lærkevegen",
)

MUNICIPALITIES = (
    Municipality("3403", "Hamar", "Etappe 1", 130, (
        PostArea("2315", "HAMAR", 60.7935, 11.0705, 0.004, HAMAR_STREETS, 4),
        PostArea("2316", "HAMAR", 60.8000, 11.0820, 0.005, HAMAR_STREETS, 3),
        PostArea("2317", "HAMAR", 60.7880, 11.0930, 0.005, (
            "Solvangvegen", "Rosenlundvegen", "Furuvegen", "Hjellumvegen", "Granvegen",
        )),
        PostArea("2318", "HAMAR", 60.8060, 11.0560, 0.005, (
            "Ingeborg Refslands veg", "Disenvegen", "Lirabakken", "Kongsvegen", "Bekkevegen",
        )),
        PostArea("2319", "HAMAR", 60.8110, 11.0930, 0.005, (
            "Prestrudvegen", "Lillemovegen", "Hjørnevegen", "Vikavegen", "Solbakken",
        )),
        PostArea("2320", "FURNES", 60.8300, 10.9900, 0.012, (
            "Furnesvegen", "Jønsbergvegen", "Stavsjøvegen", "Nydalsvegen", "Kirkevegen",
        )),
        PostArea("2321", "HAMAR", 60.7980, 11.1130, 0.005, (
            "Børstadvegen", "Ankervegen", "Lundgårdsvegen", "Tjernvegen", "Skogvegen",
        )),
        PostArea("2322", "RIDABU", 60.8180, 11.1400, 0.008, (
            "Ridabuvegen", "Vangsåsvegen", "Lilleengvegen", "Bakkevegen",
        )),
    )),
    Municipality("3413", "Stange", "Etappe 2", 60, (
        PostArea("2312", "OTTESTAD", 60.7570, 11.1250, 0.006, (
            "Ottestadvegen", "Gamle Ottestadveg", "Sandvikvegen", "Fjellvegen", "Måkevegen",
        )),
        PostArea("2335", "STANGE", 60.7170, 11.1920, 0.008, (
            "Stangevegen", "Stasjonsvegen", "Kirkevegen", "Granlivegen", "Øvre Smedvegen",
        )),
        PostArea("2336", "STANGE", 60.7000, 11.2300, 0.012, (
            "Vallsetvegen", "Åsbygdvegen", "Gårdsvegen", "Skovlivegen",
        )),
        PostArea("2337", "TANGEN", 60.6090, 11.2720, 0.010, (
            "Tangenvegen", "Strandlinjen", "Bergsvegen", "Furuholtet",
        ), 1),
    )),
    Municipality("3411", "Ringsaker", "Etappe 3", 90, (
        PostArea("2380", "BRUMUNDDAL", 60.8810, 10.9410, 0.005, (
            "Storgata", "Nygata", "Kirkeveien", "Mjøsvegen", "Rådhusgata", "Torgvegen",
        ), 3),
        PostArea("2381", "BRUMUNDDAL", 60.8930, 10.9260, 0.007, (
            "Bergsengvegen", "Furuberget", "Bjørnebakken", "Løvsangervegen", "Tiurvegen",
        )),
        PostArea("2390", "MOELV", 60.9330, 10.6990, 0.005, (
            "Storgata", "Jernbanegata", "Elvegata", "Industrivegen", "Skolevegen",
        ), 3),
        PostArea("2391", "MOELV", 60.9420, 10.7150, 0.010, (
            "Fjellvegen", "Øvre Moelv veg", "Rosenvegen", "Ekornvegen",
        )),
    )),
    Municipality("3412", "Løten", "Etappe 4", 25, (
        PostArea("2340", "LØTEN", 60.8170, 11.3440, 0.010, (
            "Østre Ringveg", "Vestre Ringveg", "Gamle Kongeveg", "Prestmovegen", "Bjørkvegen",
        )),
    )),
    Municipality("3420", "Elverum", "Etappe 4", 55, (
        PostArea("2406", "ELVERUM", 60.8820, 11.5610, 0.004, (
            "Storgata", "Kirkegata", "Vestheimgata", "Jømnavegen", "Hagengata",
        ), 3),
        PostArea("2407", "ELVERUM", 60.8720, 11.5720, 0.006, (
            "Leiret", "Glomdalsvegen", "Vindheimgata", "Grundsetvegen",
        )),
        PostArea("2408", "ELVERUM", 60.8900, 11.5300, 0.006, (
            "Hernesvegen", "Løvbergvegen", "Tjærevegen", "Sagvegen",
        )),
        PostArea("2409", "ELVERUM", 60.8760, 11.5950, 0.007, (
            "Søndre Elverum veg", "Sætervegen", "Vestgårdvegen", "Åsvegen",
        )),
    )),
)

# fmt: on

assert sum(m.n_orders for m in MUNICIPALITIES) == N_ORDERS


# --------------------------------------------------------------------------- people

# fmt: off
FIRST_NAMES_F = (
    "Kari", "Åse", "Ingrid", "Anne", "Marit", "Randi", "Siri", "Hege", "Tone", "Liv",
    "Solveig", "Ragnhild", "Torunn", "Ingvild", "Gøril", "Sølvi", "Åshild", "Bjørg",
    "Mette", "Trine", "Nora", "Emma", "Ida", "Silje", "Grete", "Tove", "Eli", "Kjersti",
    "Berit", "Aud", "Gunvor", "Synnøve", "Turid", "Maren", "Elisabeth", "Hanne",
)
FIRST_NAMES_M = (
    "Øyvind", "Ole", "Lars", "Per", "Knut", "Bjørn", "Kåre", "Håkon", "Bård", "Ståle",
    "Jørgen", "Ørjan", "Børge", "Åsmund", "Tormod", "Gunnar", "Halvor", "Terje", "Arne",
    "Eirik", "Magnus", "Jonas", "Sindre", "Stian", "Vegard", "Jan", "Geir", "Rune",
    "Svein", "Trond", "Odd", "Asbjørn", "Tor", "Kjell", "Helge", "Frode",
)
SECOND_NAMES_F = ("Marie", "Helene", "Margrethe", "Kristine", "Elise")
SECOND_NAMES_M = ("Olav", "Kristian", "Johan", "Martin", "Petter")
SURNAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
    "Kristiansen", "Jensen", "Karlsen", "Berg", "Haugen", "Hagen", "Bakken", "Ødegård",
    "Bjørnstad", "Sæther", "Løkken", "Sørlie", "Nysæter", "Østby", "Åsen", "Brænden",
    "Ruud", "Holm", "Dahl", "Strand", "Søberg", "Kjær", "Grønlund", "Røed", "Mørk",
    "Sandvold", "Lillehagen", "Fossum", "Skaug", "Thorsen", "Engen", "Bøe", "Hølmebakk",
    "Nordby", "Myrvang", "Stensrud", "Gullhaugen", "Tangen", "Moen", "Lien", "Sveen",
)
# Residents with names from elsewhere, as in any Norwegian town.
OTHER_NAMES = (
    "Agnieszka Nowak", "Tomasz Kowalski", "Mohammed Ali", "Lina Haddad",
    "Nguyen Thi Lan", "Ahmed Hussein", "Saba Yohannes", "Jonas Petrauskas",
    "Maria Andersson", "Erik Lindqvist", "Fatima Rahimi", "Daniel Öberg",
)
COMPANIES = (
    "Fjellheim Borettslag", "Bakeriet på Hjørnet AS", "Mjøsglimt Sameie",
    "Solbakken Borettslag", "Ødegård Gårdsdrift DA", "Bjørnstad Bygg og Tømrer AS",
    "Kafé Smørblomsten", "Vangen Barnehage SA", "Løvstad Regnskap AS",
    "Grønnegata Frisør AS", "Åkersvika Båtforening", "Sameiet Mjøsutsikten",
    "Nordlys Blomster AS", "Fjøsnissen Gårdsutsalg", "Brumund Elektro og Rør AS",
    "Glommen Kiosk AS", "Moelv Sykkelverksted", "Ottestad Velforening",
)
# fmt: on

DESCRIPTIONS = (
    "Måler i kjeller, nøkkel hos nabo",
    "Hund på eiendommen",
    "Hund på eiendommen, ring før ankomst",
    "Ring kunden 30 min før ankomst",
    "Måler i garasje",
    "Måler i garasje, porten er ulåst på dagtid",
    "Kunden jobber skift, best etter kl. 12",
    "Sikringsskap i gangen i 2. etasje",
    "Nøkkel i nøkkelboks ved inngangen, kode fås ved oppringning",
    "Tilkomst via bakgården",
    "Kunden ønsker SMS fremfor brev",
    "Fritidsbolig, kunden må varsles en uke før",
    "Kunden er ofte bortreist, avtal tid på telefon",
    "Katt i huset, ikke la døra stå åpen",
    "Måler i bod på baksiden av huset",
    "Parkering i gata, ikke i innkjørselen",
    "Målerskap på husveggen mot hagen",
    "Kunden har bestilt ny sikringstavle",
)
IMPORTANT_DESCRIPTIONS = (
    "Medisinsk utstyr (pustemaskin) i bruk, strømbrudd må avtales med kunden",
    "Kunden er rullestolbruker, trenger litt ekstra tid ved døra",
    "Kunden har hjemmesykepleie, ring datter på forhånd",
    "Næringskunde: strømbrudd kun etter stengetid",
    "Kjølerom, maks 15 min strømbrudd",
    "Kunden er hørselshemmet, bruk SMS",
    "Kunden har klaget tidligere, vær ekstra nøye med informasjon",
)
DIFFICULT_DESCRIPTIONS = (
    "Måler på loft, trang adkomst",
    "Gammelt sikringsskap, mulig behov for utbedring",
    "Måler i låst rom, nøkkel hos vaktmester",
    "Måler i utvendig skap på mast",
    "Målerskap bak skap på kjøkkenet, må flyttes",
    "Lite plass i sikringsskapet",
    "Eldre anlegg med porselenssikringer",
)


# --------------------------------------------------------------------------- helpers


class Unique:
    """Draw values until one not seen before (membership only, no set iteration)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def take(self, make) -> str:
        while True:
            value = make()
            if value not in self.seen:
                self.seen.add(value)
                return value


def metering_point_id(rng: random.Random) -> str:
    body = "707057500" + "".join(str(rng.randrange(10)) for _ in range(8))
    return body + gsrn_check_digit(body)


def meter_number(rng: random.Random) -> str:
    length = rng.choice((8, 8, 9, 10, 10))
    return str(rng.randrange(1, 10)) + "".join(str(rng.randrange(10)) for _ in range(length - 1))


def mobile_digits(rng: random.Random) -> str:
    return rng.choice("49") + "".join(str(rng.randrange(10)) for _ in range(7))


def format_mobile(rng: random.Random, d: str) -> str:
    style = rng.choices(range(6), weights=(22, 27, 9, 22, 8, 12))[0]
    if style == 0:
        return f"+47 {d[:3]} {d[3:5]} {d[5:]}"  # +47 412 34 567
    if style == 1:
        return d  # 41234567
    if style == 2:
        return f"0047 {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}"  # 0047 92 34 56 78
    if style == 3:
        return f"{d[:3]} {d[3:5]} {d[5:]}"  # 912 34 567
    if style == 4:
        return "+47" + d  # +4741234567
    return f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}"  # 92 34 56 78


def landline(rng: random.Random) -> str:
    d = "62" + str(rng.randrange(3, 6)) + "".join(str(rng.randrange(10)) for _ in range(5))
    if rng.random() < 0.7:
        return f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}"  # 62 51 23 45
    return d


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(OTHER_NAMES)
    female = rng.random() < 0.5
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    if rng.random() < 0.12:
        first = f"{first} {rng.choice(SECOND_NAMES_F if female else SECOND_NAMES_M)}"
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.04:
        surname = f"{rng.choice(SURNAMES)}-{surname}"
    return f"{first} {surname}"


def house_number(rng: random.Random) -> str:
    n = rng.choices(
        (rng.randrange(1, 20), rng.randrange(20, 60), rng.randrange(60, 160)),
        weights=(55, 30, 15),
    )[0]
    letter = rng.choice("ABCD") if rng.random() < 0.15 else ""
    return f"{n}{letter}"


def coord(value: float, decimals: int = 4) -> str:
    """Decimal comma, as Norwegian Excel writes numbers."""
    return f"{value:.{decimals}f}".replace(".", ",")


def csv_bytes(headers: list[str], rows: list[list[str]], *, delimiter: str) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue()


# --------------------------------------------------------------------------- orders


@dataclass
class Order:
    municipality: Municipality
    area: PostArea
    street: str
    number: str
    lat: float
    lon: float
    name: str = ""
    phone: str = ""
    description: str = ""
    important: bool = False
    difficult: bool = False
    show_address: bool = True
    show_coords: bool = True
    order_no: str = ""
    mpid: str = ""
    meter_no: str = ""

    def row(self) -> list[str]:
        m, a = self.municipality, self.area
        return [
            self.order_no,
            self.mpid,
            self.meter_no,
            self.name,
            f"{self.street} {self.number}" if self.show_address else "",
            a.postnr,
            a.poststed,
            m.kommunenr,
            self.phone,
            m.etappe,
            coord(self.lat) if self.show_coords else "",
            coord(self.lon) if self.show_coords else "",
            self.description,
            "Ja" if self.important else "",
            "Ja" if self.difficult else "",
        ]


def make_orders(rng: random.Random, ids: dict[str, Unique]) -> list[Order]:
    orders: list[Order] = []
    addresses = ids["address"]
    for m in MUNICIPALITIES:
        made = 0
        while made < m.n_orders:
            area = rng.choices(m.areas, weights=[a.weight for a in m.areas])[0]
            street = rng.choice(area.streets)
            number = addresses.take(
                lambda area=area, street=street: f"{area.postnr}|{street}|{house_number(rng)}"
            ).split("|")[2]
            lat = area.lat + rng.uniform(-area.spread, area.spread)
            lon = area.lon + rng.uniform(-2 * area.spread, 2 * area.spread)
            # Now and then an apartment building: 2-3 meters at the same address.
            units = rng.choice((2, 2, 3)) if rng.random() < 0.04 else 1
            for _ in range(min(units, m.n_orders - made)):
                orders.append(Order(m, area, street, number, lat, lon))
                made += 1

    # Export order: stage, postcode, street, house number (as the customer system
    # creates the orders in batches per stage), then numbered in that order.
    def sort_key(o: Order):
        digits = "".join(ch for ch in o.number if ch.isdigit())
        return (o.municipality.etappe, o.area.postnr, o.street, int(digits), o.number)

    orders.sort(key=sort_key)

    serial = 100 + rng.randrange(1, 50)
    for o in orders:
        o.order_no = f"AMS-2026-{serial:06d}"
        ids["order"].seen.add(o.order_no)
        serial += rng.choices((1, 2, 3, 7), weights=(80, 12, 6, 2))[0]
        o.mpid = ids["mpid"].take(lambda: metering_point_id(rng))
        o.meter_no = ids["meter"].take(lambda: meter_number(rng))

    n = len(orders)
    idx = list(range(n))

    companies = rng.sample(idx, N_COMPANIES)
    company_names = rng.sample(COMPANIES, N_COMPANIES)
    company_of = dict(zip(companies, company_names, strict=True))
    for i, o in enumerate(orders):
        o.name = company_of.get(i) or person_name(rng)
    # The textbook Norwegian placeholder name, once.
    orders[rng.choice([i for i in idx if i not in company_of])].name = "Kari Nordmann"

    for i in rng.sample(idx, N_EMPTY_ADDRESS):
        orders[i].show_address = False
    for i in rng.sample(idx, N_NO_COORDS):
        orders[i].show_coords = False

    phone_idx = rng.sample(idx, N_EMPTY_PHONE + N_LANDLINE)
    empty_phone = phone_idx[:N_EMPTY_PHONE]
    landlines = phone_idx[N_EMPTY_PHONE:]
    for i, o in enumerate(orders):
        if i in empty_phone:
            o.phone = ""
        elif i in landlines:
            o.phone = ids["phone"].take(lambda: landline(rng))
        else:
            d = ids["phone"].take(lambda: mobile_digits(rng))
            o.phone = format_mobile(rng, d)

    for i in rng.sample(idx, N_IMPORTANT):
        orders[i].important = True
        orders[i].description = rng.choice(IMPORTANT_DESCRIPTIONS)
    for i in rng.sample(idx, N_DIFFICULT):
        o = orders[i]
        o.difficult = True
        if not o.description and rng.random() < 0.8:
            o.description = rng.choice(DIFFICULT_DESCRIPTIONS)
    for o in orders:
        if not o.description and rng.random() < 0.22:
            o.description = rng.choice(DESCRIPTIONS)
    return orders


# --------------------------------------------------------------------------- bad file


def make_bad_rows(rng: random.Random, ids: dict[str, Unique]) -> list[list[str]]:
    """Ten rows for orders_bad.csv; rows at file lines 3, 4, 5, 6 and 7 are wrong."""
    hamar = MUNICIPALITIES[0]
    rows: list[list[str]] = []
    for k in range(10):
        area = hamar.areas[k % len(hamar.areas)]
        lat = area.lat + rng.uniform(-area.spread, area.spread)
        lon = area.lon + rng.uniform(-2 * area.spread, 2 * area.spread)
        order_no = f"AMS-2026-9{k + 1:05d}"
        ids["order"].take(lambda order_no=order_no: order_no)
        rows.append(
            [
                order_no,
                ids["mpid"].take(lambda: metering_point_id(rng)),
                ids["meter"].take(lambda: meter_number(rng)),
                person_name(rng),
                f"{rng.choice(area.streets)} {house_number(rng)}",
                area.postnr,
                area.poststed,
                hamar.kommunenr,
                format_mobile(rng, ids["phone"].take(lambda: mobile_digits(rng))),
                hamar.etappe,
                coord(lat),
                coord(lon),
                rng.choice(("", "", "Hund på eiendommen", "Måler i kjeller, nøkkel hos nabo")),
                "",
                "",
            ]
        )
    # Names with æ/ø/å in cp1252 make the encoding visible.
    rows[0][3] = "Åse Bjørnstad"
    rows[7][3] = "Øyvind Ødegård"
    rows[8][3] = "Kjersti Brænden"
    # line 3: Ordrenr missing
    rows[1][0] = ""
    # line 4: Målepunkt-ID with 17 digits
    rows[2][1] = rows[2][1][:-1]
    # line 5: five-digit postcode
    rows[3][5] = "12345"
    # line 6: same Ordrenr as line 2
    rows[4][0] = rows[0][0]
    # line 7: latitude is not a number
    rows[5][10] = "abc"
    return rows


# --------------------------------------------------------------------------- technicians

TECHNICIANS = (
    ("T01", "Bjørn Ødegård", "07:30", "15:30"),
    ("T02", "Åse Løkken", "07:30", "15:30"),
    ("T03", "Ståle Myrvang", "08:00", "16:00"),
    ("T04", "Ingrid Sæther", "07:00", "15:00"),
    ("T05", "Håkon Brænden", "07:30", "15:30"),
    ("T06", "Jørgen Østby", "07:30", "15:30"),
)


def make_technicians(rng: random.Random, ids: dict[str, Unique]) -> list[list[str]]:
    rows = []
    for tid, name, start, end in TECHNICIANS:
        d = ids["phone"].take(lambda: mobile_digits(rng))
        rows.append([tid, name, f"{d[:3]} {d[3:5]} {d[5:]}", start, end])
    return rows


# --------------------------------------------------------------------------- main


def generate(out: Path) -> None:
    rng = random.Random(SEED)
    ids = {k: Unique() for k in ("order", "mpid", "meter", "phone", "address")}

    orders = make_orders(rng, ids)
    technicians = make_technicians(rng, ids)
    bad_rows = make_bad_rows(rng, ids)

    good_rows = [o.row() for o in orders]
    for row in good_rows:  # the good file needs no CSV quoting at all
        for cell in row:
            assert not any(ch in cell for ch in ';"\r\n'), cell

    out.mkdir(parents=True, exist_ok=True)
    (out / "orders.csv").write_bytes(
        csv_bytes(ORDER_HEADERS, good_rows, delimiter=";").encode("utf-8-sig")
    )
    (out / "technicians.csv").write_bytes(
        csv_bytes(TECHNICIAN_HEADERS, technicians, delimiter=";").encode("utf-8-sig")
    )
    (out / "orders_bad.csv").write_bytes(
        csv_bytes(ORDER_HEADERS, bad_rows, delimiter=",").encode("cp1252")
    )
    print(
        f"wrote {len(good_rows)} orders, {len(technicians)} technicians, "
        f"{len(bad_rows)} bad-file rows to {out}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="output folder (default: the folder of this script)",
    )
    generate(parser.parse_args().out)


if __name__ == "__main__":
    main()
