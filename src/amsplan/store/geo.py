"""Queries for positions: orders' coordinates and postcode centres."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from amsplan.domain.geo import Site
from amsplan.store.chunks import chunks
from amsplan.store.models import Order


def sites(session: Session, order_ids: list[int]) -> list[Site]:
    """What is known of the position of these orders, by id (missing ids left out)."""
    found: list[Site] = []
    for part in chunks(order_ids):
        query = sa_select(
            col(Order.id), col(Order.order_no), col(Order.postcode), col(Order.latitude),
            col(Order.longitude),
        ).where(col(Order.id).in_(part))  # fmt: skip
        found += [Site(*row) for row in session.execute(query)]
    return sorted(found, key=lambda s: s.order_id)


def postcode_centres(session: Session, postcodes: list[str]) -> dict[str, tuple[float, float]]:
    """postcode -> mean (lat, lon) of its orders that have both coordinates."""
    centres: dict[str, tuple[float, float]] = {}
    for part in chunks(sorted(set(postcodes))):
        query = (
            sa_select(col(Order.postcode), func.avg(Order.latitude), func.avg(Order.longitude))
            .where(
                col(Order.postcode).in_(part),
                col(Order.latitude).is_not(None),
                col(Order.longitude).is_not(None),
            )
            .group_by(col(Order.postcode))
        )
        centres.update({p: (float(lat), float(lon)) for p, lat, lon in session.execute(query)})
    return centres
