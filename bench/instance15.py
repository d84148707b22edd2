"""The benchmark instance of issue 15, shared by bench/solver_choice.py and bench/plan.py.

2,000 open orders over Hamar, Stange, Løten, Elverum and Ringsaker (70% within ~0.4 km of
a `sample_data/orders.csv` order, with its postcode, street and municipality; 30%
scattered ~4 km around the real town centres, with the postcode, street and municipality
of the nearest sample order), ~10% difficult meters, and 25 technicians with start points
~2 km around those towns. The same seed gives the same instance.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from pathlib import Path

from amsplan.domain import travel

ROOT = Path(__file__).resolve().parent.parent
VISIT_S, DIFFICULT_S = 60 * 60, 90 * 60
N_ORDERS = 2000
SEED = 15

# Real town centres (lat, lon), municipality, technicians living there.
TOWNS = {
    "HAMAR": ((60.7945, 11.0680), "3403", 6),
    "OTTESTAD": ((60.7530, 11.1330), "3413", 1),
    "STANGE": ((60.7150, 11.1910), "3413", 3),
    "TANGEN": ((60.6140, 11.2720), "3413", 1),
    "LØTEN": ((60.8160, 11.3380), "3412", 3),
    "ELVERUM": ((60.8818, 11.5623), "3420", 5),
    "BRUMUNDDAL": ((60.8810, 10.9390), "3411", 4),
    "MOELV": ((60.9330, 10.7000), "3411", 2),
}


@dataclass(frozen=True)
class Order:
    no: str
    point: travel.Point
    postcode: str
    street: str
    number: int
    service_s: int
    town: str = ""  # poststed
    municipality: str = ""  # kommunenr


@dataclass(frozen=True)
class Seed:
    point: travel.Point
    postcode: str
    street: str
    town: str
    municipality: str


def jitter(rng: random.Random, p: travel.Point, sd_km: float) -> travel.Point:
    lat, lon = p
    dlat = rng.gauss(0, sd_km) / 111.2
    dlon = rng.gauss(0, sd_km) / (111.2 * math.cos(math.radians(lat)))
    return (round(lat + dlat, 5), round(lon + dlon, 5))


def sample_seeds() -> list[Seed]:
    """The sample orders with coordinates: where the generated houses are."""
    seeds = []
    with open(ROOT / "sample_data" / "orders.csv", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if not row["Breddegrad"] or not row["Lengdegrad"]:
                continue
            point = (float(row["Breddegrad"].replace(",", ".")),
                     float(row["Lengdegrad"].replace(",", ".")))  # fmt: skip
            street = row["Adresse"].rsplit(" ", 1)[0]
            seeds.append(Seed(point, row["Postnr"], street, row["Poststed"], row["Kommunenr"]))
    return seeds


def generate(seed: int = SEED) -> tuple[list[Order], list[travel.Point]]:
    """(orders, technicians' start points) of the instance."""
    rng = random.Random(seed)
    seeds = sample_seeds()
    orders = []
    for i in range(N_ORDERS):
        if rng.random() < 0.7:  # a house near a sample order, same street
            near = rng.choice(seeds)
            point = jitter(rng, near.point, 0.4)
        else:  # scattered around a town centre (outskirts, farms)
            centre = rng.choice([t[0] for t in TOWNS.values()])
            point = jitter(rng, centre, 4.0)
            near = min(seeds, key=lambda s: travel.haversine_km(s.point, point))
        service = DIFFICULT_S if rng.random() < 0.1 else VISIT_S
        number = rng.randint(1, 120)
        town, municipality = near.town, near.municipality
        orders.append(
            Order(
                f"B-{i:05d}", point, near.postcode, near.street, number, service, town, municipality
            )
        )
    homes = [jitter(rng, centre, 2.0) for centre, _, n in TOWNS.values() for _ in range(n)]
    assert len(homes) == 25
    return orders, homes
