"""Straight-line travel estimates: haversine km × detour ÷ speed."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from amsplan.domain.travel import Model, haversine_km, matrix

OSLO, HAMAR, TROMSO = (59.9139, 10.7522), (60.7945, 11.0680), (69.6492, 18.9553)
matrix([OSLO])  # the first matrix imports numpy: not within a property test's deadline


def test_known_distances():
    assert 98 < haversine_km(OSLO, HAMAR) < 100  # Oslo S - Hamar: about 99 km
    assert 1140 < haversine_km(OSLO, TROMSO) < 1160
    assert math.isclose(haversine_km((0, 0), (0, 180)), math.pi * 6371.0088)


def test_matrix_applies_detour_and_speed():
    minutes, km = matrix([OSLO, HAMAR], Model(detour=1.5, speed_kmh=75))
    straight = haversine_km(OSLO, HAMAR)
    assert math.isclose(km[0][1], straight * 1.5)
    assert math.isclose(minutes[0][1], straight * 1.5 / 75 * 60)


def test_default_model_hamar_oslo_takes_about_two_hours():
    minutes, km = matrix([OSLO, HAMAR])
    assert 125 < km[0][1] < 130 and 125 < minutes[0][1] < 130  # 1.3 × 99 km at 60 km/h


points = st.lists(st.tuples(st.floats(-89, 89), st.floats(-179, 179)), min_size=1, max_size=6)


@given(points)
def test_matrix_is_symmetric_with_a_zero_diagonal(pts):
    minutes, km = matrix(pts)
    n = len(pts)
    assert all(km[i][i] == 0 == minutes[i][i] for i in range(n))
    assert all(km[i][j] == km[j][i] >= 0 for i in range(n) for j in range(n))


@given(points)
def test_matrix_is_haversine_of_every_pair(pts):
    minutes, km = matrix(pts, Model(detour=1.2, speed_kmh=50))
    for i, a in enumerate(pts):
        for j, b in enumerate(pts):
            assert math.isclose(km[i][j], haversine_km(a, b) * 1.2, rel_tol=1e-12, abs_tol=1e-9)
            assert math.isclose(minutes[i][j], km[i][j] / 50 * 60, rel_tol=1e-12)


def test_matrix_of_no_points_is_empty():
    assert matrix([]) == ([], [])


@given(points)
def test_straight_line_matrix_obeys_the_triangle_inequality(pts):
    _, km = matrix(pts, Model(detour=1.0))
    n = len(pts)
    for i in range(n):
        for j in range(n):
            for k in range(n):
                assert km[i][k] <= km[i][j] + km[j][k] + 1e-6
