"""Generate the synthetic sample county "Kreis Rurtal (synthetisch)" in the real input formats.

The sample lets the pipeline, its tests and new users run end to end without downloading
anything. It is a fictional county built like Kreis Düren (Kreisschlüssel 05358) and placed
where Kreis Düren lies (around 6.48° E, 50.80° N): about 275,000 residents in 15
municipalities on about 940 km², a county seat of about 90,000, a second town of about
33,000, small towns of 8,000-20,000 and many villages, fields in the north, an open-cast
mine, and a forested hilly south with a reservoir. Every file is written byte for byte in
the format of the real download (``shared/specs/input-formats.md``, ``docs/data-contract.md``),
so that the real files replace the sample without touching code. ALL VALUES ARE SYNTHETIC.

Construction, in the order of the code:

1. Frame. All geometry is designed in metres relative to an origin snapped to the 1 km grid
   of EPSG:3035 (ETRS89-LAEA) near (6.48° E, 50.80° N), computed with pyproj. 100 m cells are
   the cells of that grid, so their IDs are real ``CRS3035RES100mN...E...`` IDs.
2. Territory. The county is a noisy ellipse (about 30 x 40 km) scaled to 940 km². A
   neighbouring fictional county 05398 lies to the east. Municipalities are found on a 200 m
   raster as the nearest weighted seed (one seed per municipality) after a smooth random
   domain warp, which gives wiggly shared borders; stray pieces are merged, one exclave is
   cut into a neighbour and a reservoir is reserved. The raster edges are polygonised into
   an exactly noded coverage and smoothed with ``shapely.coverage_simplify``, so the
   municipalities stay valid, gap-free and non-overlapping.
3. Barriers. The river Rur (south to north through the county seat), a railway (west to
   east through the seat), a branch line, two federal roads and a motorway are smooth curves
   ``y = f(x)`` or ``x = f(y)``; the side of a curve is therefore known exactly for every
   cell.
4. Settlements. Each municipality gets a main place (the county seat and the second town as
   named districts with a settlement type each; small towns as core, ring and new-build
   area) and villages placed at random on open land. Districts are confined to one side of
   the railway, the river or a road, so that settlement types change at these barriers. A
   new-build family suburb straddles the border of the county seat and its eastern
   neighbour. Each settlement spreads its residents over a noisy disc of 100 m cells; per
   municipality the expected residents are scaled to the target and drawn as Poisson counts.
5. Profiles. Every cell mixes the settlement types around it (old town, station quarter,
   post-war estate, new-build suburb, town fringe, villa district, small-town core, village,
   hill village). Type effects, three smooth random fields that ignore municipal borders
   (age, status, mix) and barrier effects (north of the railway in the seat: more foreigners,
   renters, lower rents; west bank of the Rur: younger) set the age distribution, foreigners,
   household sizes, family types, owner-occupancy, vacancy, rent, living space, building age
   and heating. Counts are drawn (multinomial, binomial, Poisson) from these profiles, so
   means, rates and bands are internally consistent.
6. Publication. Counts are published like Zensus 2022: Cell-Key style independent
   perturbation of totals and bands (so bands do not add up to totals, and in tiny cells a
   band can exceed its total), the en dash for zero counts and for missing means and rates,
   age bands below 3 shown as the en dash, ``KLAMMERN`` for some small cells, absent cells
   where there is nothing to count. 1 km files aggregate the true 100 m values and are
   perturbed on their own. Municipal income tax (GENESIS 73111-01-01-5) and SGB II (BA) tables
   are derived from the same cells.

Everything random comes from one ``numpy.random.default_rng(seed)``; the same seed gives
byte-identical files (ZIP members carry a fixed timestamp, GeoPackages a fixed
``OGR_CURRENT_DATE``). Run ``python -m tools.sample_county [OUT_DIR] [--seed N]``.
"""

from __future__ import annotations

import argparse
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
import shapely.affinity
from pyproj import Transformer
from scipy import ndimage
from scipy.interpolate import PchipInterpolator

from pipeline.crs import COUNTY_CRS, GRID_CRS, WEB_CRS
from pipeline.layout import REPO_ROOT

__all__ = [
    "COUNTY_KEY",
    "COUNTY_NAME",
    "DEFAULT_SEED",
    "NEIGHBOUR_KEY",
    "NEIGHBOUR_NAME",
    "ZENSUS_TOPICS",
    "generate_sample_county",
    "main",
]

#: Kreisschlüssel of the sample county.
COUNTY_KEY = "05399"
#: Name of the sample county (VG250 ``GEN`` and table rows).
COUNTY_NAME = "Kreis Rurtal (synthetisch)"
#: Kreisschlüssel of the neighbouring fictional county (in VG250 and partly in the grid).
NEIGHBOUR_KEY = "05398"
#: Name of the neighbouring fictional county.
NEIGHBOUR_NAME = "Kreis Erftaue (synthetisch)"
#: Default seed of the random generator.
DEFAULT_SEED = 2022

#: Zensus 2022 topics and their 100 m value columns, as fixed in ``docs/data-contract.md``.
ZENSUS_TOPICS: dict[str, tuple[str, ...]] = {
    "Bevoelkerungszahl": ("Einwohner",),
    "Alter_in_5_Altersklassen": (
        "Insgesamt_Bevoelkerung", "Unter18", "a18bis29", "a30bis49", "a50bis64", "a65undaelter",
    ),
    "Alter_5er-Jahresgruppen": (
        "Insgesamt_Bevoelkerung", "unter5", "a5bis9", "a10bis14", "a15bis19", "a20bis24",
        "a25bis29", "a30bis34", "a35bis39", "a40bis44", "a45bis49", "a50bis54", "a55bis59",
        "a60bis64", "a65bis69", "a70bis74", "a75bis79", "a80bis84", "a85bis89", "a90undaelter",
    ),
    "Durchschnittsalter": ("Durchschnittsalter",),
    "Anteil_Auslaender": ("AnteilAuslaender",),
    "Durchschn_Haushaltsgroesse": ("DurchschnHHGroesse",),
    "Groesse_des_privaten_Haushalts": (
        "Insgesamt_Haushalte", "1_Person", "2_Personen", "3_Personen", "4_Personen",
        "5_Personen", "6_Personen_und_mehr",
    ),
    "Typ_der_Kernfamilie_nach_Kindern": (
        "Insgesamt_Familie", "Ehep_ohneKind", "Ehep_mind_1Kind_unter18", "Ehep_Kinder_ab18",
        "EingetrLP_ohneKind", "EingetrLP_mind_1Kind_unter18", "EingetrLP_Kinder_ab18",
        "NichtehelLG_ohneKind", "NichtehelLG_mind_1Kind_unter18", "NichtehelLG_Kinder_ab18",
        "Vater_mind_1Kind_unter18", "Vater_Kinder_ab18", "Mutter_mind_1Kind_unter18",
        "Mutter_Kinder_ab18",
    ),
    "Eigentuemerquote": ("Eigentuemerquote",),
    "Leerstandsquote": ("Leerstandsquote",),
    "Durchschn_Nettokaltmiete": ("durchschnMieteQM",),
    "Durchschn_Flaeche_je_Bewohner": ("durchschnFlaechejeBew",),
    "Gebaeude_nach_Baujahr_in_Mikrozensus_Klassen": (
        "Insgesamt_Gebaeude", "Vor1919", "a1919bis1948", "a1949bis1978", "a1979bis1990",
        "a1991bis2000", "a2001bis2010", "a2011bis2019", "a2020undspaeter",
    ),
    "Energietraeger": (
        "Insgesamt_Energietraeger", "Gas", "Heizoel", "Fernwaerme",
        "Solar_Geothermie_Waermepumpen", "Strom", "Holz_Holzpellets", "Kohle",
        "Kein_Energietraeger",
    ),
}
#: Topics published in Windows-1252 (en dash = byte 0x96); all others are UTF-8.
_CP1252_TOPICS = frozenset({"Energietraeger"})

_EN_DASH = "\u2013"
#: Line ending of every CSV written here (Windows exports): CRLF.
_EOL = "\r\n"
_CENTRE_LONLAT = (6.48, 50.80)
_ZIP_DATE_TIME = (2024, 6, 1, 0, 0, 0)
_GPKG_DATE = "2024-06-01T00:00:00.000Z"


# Frame of the 100 m grid (local metres, lower-left corners) and of the 200 m label raster.
_FRAME_X = (-17_000, 25_000)
_FRAME_Y = (-23_000, 23_000)
# The label raster is offset by an odd number of metres so that no border vertex or straight
# border segment can pass through a 100 m cell centre (cells are assigned by their centre).
_LABEL_X = (-18_000 + 37, 46_000 + 37)
_LABEL_Y = (-24_000 + 61, 24_000 + 61)
_LABEL_RES = 200
_COUNTY_AREA_M2 = 940e6
_SIMPLIFY_TOLERANCE = 260.0

# Cell-Key style perturbation: published = true + d, d in -2..2.
_CK_STEPS = np.array([-2, -1, 0, 1, 2])
_CK_PROBS = np.array([0.04, 0.14, 0.64, 0.14, 0.04])


# --------------------------------------------------------------------------- design tables


@dataclass(frozen=True)
class _Muni:
    """A municipality of the design: key part, name, kind, residents and seed position (km)."""

    county: str
    code: str
    name: str
    bez: str
    population: int
    ewz: int
    x_km: float
    y_km: float
    template: str  # "city", "town2", "stadt" (small town) or "gemeinde"
    village_mean: float = 1_100.0


_COUNTY_MUNIS: tuple[_Muni, ...] = (
    _Muni(COUNTY_KEY, "004", "Aldenrath", "Gemeinde", 14_500, 14_500, -9.0, 9.0, "gemeinde"),
    _Muni(COUNTY_KEY, "008", "Heimbrück", "Stadt", 4_500, 4_500, -2.6, -16.6, "stadt", 700.0),
    _Muni(COUNTY_KEY, "012", "Hürtgenrath", "Gemeinde", 8_500, 8_500, -8.5, -10.0, "gemeinde",
          800.0),
    _Muni(COUNTY_KEY, "016", "Indenich", "Gemeinde", 8_500, 8_500, -9.5, 2.0, "gemeinde"),
    _Muni(COUNTY_KEY, "020", "Jülfeld", "Stadt", 33_000, 33_000, -0.8, 12.0, "town2", 1_100.0),
    _Muni(COUNTY_KEY, "024", "Kreuzbach", "Gemeinde", 19_500, 19_500, 2.3, -8.0, "gemeinde",
          1_100.0),
    _Muni(COUNTY_KEY, "028", "Langerfeld", "Gemeinde", 17_000, 17_000, -8.5, -3.0, "gemeinde",
          1_100.0),
    _Muni(COUNTY_KEY, "032", "Linnfeld", "Stadt", 13_000, 13_000, -4.0, 15.5, "stadt"),
    _Muni(COUNTY_KEY, "036", "Merzbach", "Gemeinde", 11_000, 11_000, 8.5, 1.5, "gemeinde"),
    _Muni(COUNTY_KEY, "040", "Niederau", "Gemeinde", 16_000, 16_000, 5.0, 7.5, "gemeinde",
          1_000.0),
    _Muni(COUNTY_KEY, "044", "Nideck", "Stadt", 10_000, 10_000, 2.4, -14.0, "stadt", 800.0),
    _Muni(COUNTY_KEY, "048", "Nörvenbruch", "Gemeinde", 10_500, 10_500, 11.5, -4.0, "gemeinde"),
    _Muni(COUNTY_KEY, "052", "Rurstadt", "Stadt", 90_000, 90_000, 1.0, -2.0, "city", 1_800.0),
    _Muni(COUNTY_KEY, "056", "Titzdorf", "Gemeinde", 9_500, 9_500, 6.5, 15.0, "gemeinde", 1_000.0),
    _Muni(COUNTY_KEY, "060", "Vettenberg", "Gemeinde", 9_500, 9_500, 8.5, -10.5, "gemeinde",
          900.0),
)
# Neighbours: ``population`` is the part inside the grid frame, ``ewz`` the whole municipality.
_NEIGHBOUR_MUNIS: tuple[_Muni, ...] = (
    _Muni(NEIGHBOUR_KEY, "004", "Erftheim", "Gemeinde", 5_000, 9_800, 20.0, 12.0, "gemeinde"),
    _Muni(NEIGHBOUR_KEY, "008", "Kerpenfeld", "Stadt", 20_000, 64_500, 21.0, 1.0, "stadt"),
    _Muni(NEIGHBOUR_KEY, "012", "Zülpenich", "Gemeinde", 6_000, 11_200, 20.0, -11.0, "gemeinde"),
)
_ALL_MUNIS = _COUNTY_MUNIS + _NEIGHBOUR_MUNIS
_CITY = 12  # index of Rurstadt in _ALL_MUNIS
_CITY_EAST_NEIGHBOUR = 8  # Merzbach: the new-build suburb straddles this border
_EXCLAVE_OWNER, _EXCLAVE_HOST = 6, 3  # Langerfeld owns a piece inside Indenich
_LAKE_MUNI = 1  # the reservoir lies in Heimbrück

# Settlement types and their parameters.
_TYPES = ("altstadt", "bahnhof", "nachkrieg", "neubau", "stadtrand", "villen", "kleinstadt",
          "dorf", "eifeldorf")
(_ALT, _BHF, _NKR, _NEU, _RAND, _VIL, _KLS, _DORF, _EIFEL) = range(len(_TYPES))
# Age mixture logits (family, young adults, elderly) against the national pyramid (logit 0).
_T_AGE = np.array([
    [-0.5, 0.8, 0.0], [-0.9, 1.8, -0.7], [-0.2, 0.2, 0.2], [1.9, -0.4, -1.6], [0.0, -0.3, 0.3],
    [0.1, -0.7, 0.5], [-0.2, 0.0, 0.3], [0.2, -0.4, 0.4], [-0.3, -0.7, 0.9],
]) - 1.6
_T_FOREIGN = np.array([-1.6, -1.0, -1.4, -3.0, -2.5, -2.9, -2.4, -3.5, -3.7])
_T_OWNER = np.array([-1.5, -2.0, -1.6, 1.6, 0.3, 1.2, 0.0, 1.2, 1.3])
_T_VACANCY = np.array([-3.0, -3.0, -3.2, -4.2, -3.6, -3.8, -3.2, -3.4, -2.6])
_T_RENT = np.array([7.6, 7.0, 6.3, 9.3, 7.2, 8.6, 6.6, 6.0, 5.4])
_T_SPACE = np.array([41.0, 37.0, 38.0, 44.0, 48.0, 56.0, 46.0, 51.0, 54.0])
_T_DWELL_PER_BLDG = np.array([5.0, 6.0, 9.0, 1.6, 2.2, 1.4, 2.5, 1.3, 1.25])
_T_SINGLE_PARENT = np.array([-1.4, -1.2, -1.2, -2.6, -2.0, -2.4, -1.9, -2.4, -2.3])
_T_UNMARRIED = np.array([-1.0, -0.6, -1.7, -1.5, -2.0, -2.3, -1.9, -2.2, -2.4])
_T_HH_ADJ = np.array([-0.15, -0.2, -0.1, 0.1, 0.0, -0.05, 0.0, 0.08, 0.02])
_T_POVERTY = np.array([-1.3, -1.2, -0.9, -3.6, -2.6, -3.9, -2.6, -3.7, -3.5])
_T_INCOME = np.array([-0.3, -0.6, -0.8, 0.5, 0.2, 1.3, -0.1, 0.2, -0.2])
_T_ERA = np.array([
    [0.30, 0.18, 0.38, 0.06, 0.04, 0.02, 0.015, 0.005],
    [0.35, 0.25, 0.25, 0.05, 0.04, 0.03, 0.025, 0.005],
    [0.01, 0.03, 0.80, 0.10, 0.03, 0.02, 0.008, 0.002],
    [0.00, 0.00, 0.02, 0.03, 0.10, 0.35, 0.38, 0.12],
    [0.02, 0.06, 0.45, 0.22, 0.12, 0.07, 0.05, 0.01],
    [0.15, 0.25, 0.30, 0.12, 0.08, 0.05, 0.04, 0.01],
    [0.12, 0.10, 0.40, 0.15, 0.10, 0.07, 0.05, 0.01],
    [0.14, 0.08, 0.32, 0.18, 0.12, 0.09, 0.06, 0.01],
    [0.25, 0.12, 0.30, 0.14, 0.09, 0.06, 0.035, 0.005],
])
# Gas, oil, district heat, solar/geothermal/heat pumps, electricity, wood, coal, none.
_T_ENERGY = np.array([
    [0.62, 0.12, 0.18, 0.01, 0.04, 0.01, 0.005, 0.015],
    [0.68, 0.12, 0.10, 0.01, 0.05, 0.01, 0.01, 0.02],
    [0.35, 0.05, 0.55, 0.01, 0.02, 0.005, 0.0, 0.015],
    [0.35, 0.01, 0.05, 0.50, 0.03, 0.05, 0.0, 0.01],
    [0.70, 0.18, 0.02, 0.04, 0.03, 0.02, 0.0, 0.01],
    [0.66, 0.22, 0.01, 0.05, 0.02, 0.03, 0.0, 0.01],
    [0.62, 0.24, 0.03, 0.04, 0.03, 0.03, 0.0, 0.01],
    [0.38, 0.40, 0.0, 0.07, 0.04, 0.09, 0.01, 0.01],
    [0.10, 0.52, 0.0, 0.06, 0.06, 0.22, 0.02, 0.02],
])
# Age pyramids over the 19 five-year bands: national, families, young adults, elderly.
_AGE_PROFILES = np.array([
    [4.8, 4.6, 4.5, 4.6, 5.2, 5.9, 6.6, 6.4, 6.0, 5.8, 7.3, 8.1, 7.3, 6.2, 5.0, 3.9, 4.2, 2.2, 1.0],
    [9.0, 9.0, 8.0, 6.0, 3.0, 3.0, 7.0, 11.0, 11.0, 9.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.5, 1.0, 0.5,
     0.2],
    [3.0, 1.0, 1.0, 6.0, 20.0, 22.0, 14.0, 8.0, 5.0, 4.0, 3.0, 3.0, 2.0, 2.0, 1.5, 1.5, 1.0, 0.5,
     0.2],
    [1.0, 1.0, 1.0, 1.5, 2.0, 2.0, 2.0, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0, 11.0, 12.0, 12.0, 14.0,
     9.0, 5.0],
])
_AGE_PROFILES = _AGE_PROFILES / _AGE_PROFILES.sum(axis=1, keepdims=True)
_AGE_MID = np.arange(19) * 5.0 + 2.5
_AGE_MID[-1] = 93.0

# Districts of the two towns: name, type, residents, residents per populated cell, centre (km),
# sides of barriers the district is confined to.
_CITY_DISTRICTS = (
    ("Altstadt", _ALT, 16_000, 45.0, (1.0, -2.0), (("bahn", -1), ("rur", 1))),
    ("Bahnhofsviertel", _BHF, 6_000, 40.0, (1.3, -0.9), (("bahn", 1), ("rur", 1))),
    ("Nord", _NKR, 12_000, 35.0, (1.6, 0.5), (("bahn", 1), ("rur", 1))),
    ("West", _NKR, 10_000, 32.0, (-1.1, -1.3), (("rur", -1),)),
    ("Südwest", _RAND, 6_000, 18.0, (-1.0, -3.4), (("rur", -1),)),
    ("Süd", _VIL, 7_000, 16.0, (1.6, -3.8), (("rur", 1), ("b902", -1))),
    ("Ost", _RAND, 11_000, 20.0, (3.4, -2.3), (("bahn", -1), ("rur", 1))),
    ("Nordost", _RAND, 6_000, 18.0, (3.5, 0.6), (("bahn", 1),)),
)
_TOWN2_DISTRICTS = (
    ("Altstadt", _ALT, 8_000, 34.0, (-0.8, 12.0), (("rur", 1),)),
    ("Nord", _RAND, 5_000, 26.0, (-0.4, 13.4), (("rur", 1),)),
    ("Ost", _RAND, 6_000, 18.0, (1.0, 12.2), ()),
    ("Süd", _NEU, 4_000, 17.0, (-0.3, 10.5), (("rur", 1),)),
    ("West", _RAND, 3_000, 16.0, (-2.8, 12.4), (("rur", -1),)),
    ("Campus", _BHF, 1_500, 24.0, (0.9, 13.6), ()),
)
_SUBURB_POPULATION = 4_000


# --------------------------------------------------------------------------- small helpers


@dataclass(frozen=True)
class _Field:
    """A smooth random field: a sum of plane waves with unit variance."""

    kx: np.ndarray
    ky: np.ndarray
    phase: np.ndarray

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Evaluate the field at points (metres)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        arg = (x[..., None] * self.kx + y[..., None] * self.ky) + self.phase
        return np.cos(arg).sum(axis=-1) * np.sqrt(2.0 / self.kx.size)


def _make_field(rng: np.random.Generator, wavelength: float, n_waves: int = 24) -> _Field:
    """Draw a smooth random field with the given typical wavelength (metres).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    wavelength : float
        Typical wavelength in metres; single waves vary by a factor 0.6-1.6.
    n_waves : int, default 24
        Number of plane waves.

    Returns
    -------
    _Field
        Callable ``field(x, y)`` with mean 0 and variance about 1.
    """
    angle = rng.uniform(0.0, np.pi, n_waves)
    k = 2.0 * np.pi / (wavelength * rng.uniform(0.6, 1.6, n_waves))
    phase = rng.uniform(0.0, 2.0 * np.pi, n_waves)
    return _Field(k * np.cos(angle), k * np.sin(angle), phase)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class _Barrier:
    """A barrier line given as ``y = f(x)`` (axis "x") or ``x = f(y)`` (axis "y").

    ``t`` is the running coordinate (x for axis "x"); the line exists for ``t`` in
    ``t_range``. Positive side: north of an axis-"x" line, east of an axis-"y" line.
    """

    key: str
    typ: str
    name: str
    axis: str
    knots_t: tuple[float, ...]
    knots_v: tuple[float, ...]
    t_range: tuple[float, float]
    wiggles: tuple[tuple[float, float, float], ...] = ()

    def value(self, t: np.ndarray) -> np.ndarray:
        """Offset coordinate of the line at running coordinate ``t`` (metres)."""
        t = np.asarray(t, dtype=float)
        out = PchipInterpolator(self.knots_t, self.knots_v, extrapolate=True)(t)
        for amp, wavelength, phase in self.wiggles:
            out = out + amp * np.sin(2.0 * np.pi * t / wavelength + phase)
        return out

    def slope(self, t: np.ndarray) -> np.ndarray:
        """Derivative of :meth:`value`."""
        t = np.asarray(t, dtype=float)
        out = PchipInterpolator(self.knots_t, self.knots_v, extrapolate=True).derivative()(t)
        for amp, wavelength, phase in self.wiggles:
            w = 2.0 * np.pi / wavelength
            out = out + amp * w * np.cos(w * t + phase)
        return out

    def offset(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Signed approximate distance of points to the line; NaN beyond its ends."""
        t, v = (x, y) if self.axis == "x" else (y, x)
        t = np.asarray(t, dtype=float)
        off = (np.asarray(v, dtype=float) - self.value(t)) / np.sqrt(1.0 + self.slope(t) ** 2)
        inside = (t >= self.t_range[0]) & (t <= self.t_range[1])
        return np.where(inside, off, np.nan)

    def side(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """+1 on the positive side, -1 on the other, 0 beyond the line's ends."""
        return np.nan_to_num(np.sign(self.offset(x, y)), nan=0.0)

    def line(self) -> shapely.LineString:
        """The line sampled every 100 m (local metres)."""
        t = np.arange(self.t_range[0], self.t_range[1] + 1.0, 100.0)
        v = self.value(t)
        xy = np.column_stack([t, v] if self.axis == "x" else [v, t])
        return shapely.linestrings(xy)


def _make_barriers(rng: np.random.Generator) -> dict[str, _Barrier]:
    """Design the river, railways and main roads (knots fixed, meanders random)."""
    km = 1000.0

    def k(values: Sequence[float]) -> tuple[float, ...]:
        return tuple(float(v) * km for v in values)

    rur_wiggles = (
        (170.0, 1_700.0, rng.uniform(0, 2 * np.pi)),
        (80.0, 650.0, rng.uniform(0, 2 * np.pi)),
    )
    barriers = [
        _Barrier("rur", "fluss", "Rur", "y",
                 k([-24, -16, -14, -8, -2, 4, 12, 17, 24]),
                 k([-2.8, -2.0, 1.4, 0.9, 0.1, 0.5, -1.6, -5.0, -7.0]),
                 (-24_000.0, 24_000.0), rur_wiggles),
        _Barrier("bahn", "bahn", "Bahnstrecke Westerau–Rurstadt–Kerpenfeld", "x",
                 k([-17, -8, -1, 1, 3, 8, 14, 25]),
                 k([-4.5, -3.4, -1.6, -1.4, -1.2, 0.4, 0.5, 0.2]),
                 (-17_000.0, 25_000.0)),
        _Barrier("rurtalbahn", "bahn", "Rurtalbahn Rurstadt–Heimbrück", "y",
                 k([-16, -14, -8, -2]), k([-1.4, 2.0, 1.4, 0.6]), (-16_000.0, -1_400.0)),
        _Barrier("b901", "hauptstrasse", "B 901", "y",
                 k([-21, -14, -8, -2, 4, 12, 22]), k([3.5, 3.0, 2.8, 2.3, 1.5, 0.4, -2.0]),
                 (-21_000.0, 22_000.0)),
        _Barrier("b902", "hauptstrasse", "B 902", "x",
                 k([-17, -8, -3, 1, 5, 8, 12, 20, 25]),
                 k([-2.0, -2.6, -3.0, -2.9, -2.0, 0.8, 1.0, 0.6, 0.4]),
                 (-17_000.0, 25_000.0)),
        _Barrier("a904", "hauptstrasse", "A 904", "x",
                 k([-17, -5, 5, 14, 25]), k([6.0, 5.0, 4.2, 3.5, 2.5]),
                 (-17_000.0, 25_000.0)),
    ]
    return {b.key: b for b in barriers}


# --------------------------------------------------------------------------- territory


def _ellipse_outline(cx: float, cy: float, a: float, b: float, amps: np.ndarray,
                     phases: np.ndarray, n: int = 360) -> shapely.Polygon:
    """A noisy ellipse: radius times ``1 + sum(amps * cos(k theta + phases))`` (k = 2, 3, ...)."""
    theta = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    r = 1.0 / np.sqrt((np.cos(theta) / a) ** 2 + (np.sin(theta) / b) ** 2)
    ks = np.arange(2, 2 + amps.size)
    noise = (amps * np.cos(ks * theta[:, None] + phases)).sum(axis=1)
    r = r * (1.0 + np.clip(noise, -0.07, 0.2))
    return shapely.Polygon(np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)]))


def _county_outlines(rng: np.random.Generator) -> tuple[shapely.Polygon, shapely.Polygon]:
    """Outline of the county (scaled to 940 km²) and of the neighbouring county."""
    amps = 0.05 / np.sqrt(np.arange(1, 14)) * rng.uniform(0.5, 1.0, 13)
    county = _ellipse_outline(0.0, 0.0, 15_000.0, 20_000.0, amps, rng.uniform(0, 2 * np.pi, 13))
    scale = np.sqrt(_COUNTY_AREA_M2 / county.area)
    county = shapely.affinity.scale(county, scale, scale, origin=(0.0, 0.0))
    amps_nb = 0.04 / np.sqrt(np.arange(1, 8))
    neighbour = _ellipse_outline(29_000.0, 0.0, 16_000.0, 19_000.0, amps_nb,
                                 rng.uniform(0, 2 * np.pi, 7))
    return county, neighbour


def _lake_polygon(barriers: dict[str, _Barrier]) -> shapely.Polygon:
    """The reservoir: an ellipse on the Rur north of Heimbrück."""
    y0 = -15_300.0
    x0 = float(barriers["rur"].value(np.array([y0]))[0])
    theta = np.linspace(0.0, 2.0 * np.pi, 72, endpoint=False)
    ring = np.column_stack([x0 + 420.0 * np.cos(theta), y0 + 1_000.0 * np.sin(theta)])
    lake = shapely.Polygon(ring)
    return shapely.affinity.rotate(lake, 20.0, origin=(x0, y0))


def _label_raster(rng: np.random.Generator, county: shapely.Polygon,
                  neighbour: shapely.Polygon, lake: shapely.Polygon) -> np.ndarray:
    """Municipality index per 200 m pixel (-1 outside both counties).

    Each pixel goes to the seed with the smallest distance divided by a weight growing with
    the population, measured after a smooth random warp of the pixel position (wiggly
    borders). Pieces cut off from their municipality are merged into the nearest other
    municipality of the same county; then the exclave and the lake are set.
    """
    xs = np.arange(_LABEL_X[0], _LABEL_X[1], _LABEL_RES) + _LABEL_RES / 2
    ys = np.arange(_LABEL_Y[0], _LABEL_Y[1], _LABEL_RES) + _LABEL_RES / 2
    px, py = np.meshgrid(xs, ys)
    in_county = shapely.contains_xy(county, px, py)
    in_nb = shapely.contains_xy(neighbour, px, py) & ~in_county
    warp_x, warp_y = _make_field(rng, 5_000.0), _make_field(rng, 5_000.0)
    wx = px + 900.0 * warp_x(px, py)
    wy = py + 900.0 * warp_y(px, py)
    seeds = np.array([[m.x_km * 1000.0, m.y_km * 1000.0] for m in _ALL_MUNIS])
    weight = np.clip([(m.population / 10_000.0) ** 0.2 for m in _ALL_MUNIS], 0.85, 1.2)
    dist = np.hypot(wx[..., None] - seeds[:, 0], wy[..., None] - seeds[:, 1]) / weight
    n_county = len(_COUNTY_MUNIS)
    labels = np.full(px.shape, -1, dtype=np.int64)
    labels[in_county] = np.argmin(dist[in_county][:, :n_county], axis=1)
    labels[in_nb] = n_county + np.argmin(dist[in_nb][:, n_county:], axis=1)
    # Town centres stay in their municipality.
    for idx, (sx, sy) in enumerate(seeds):
        near = (np.hypot(px - sx, py - sy) < 1_500.0) & (in_county if idx < n_county else in_nb)
        labels[near] = idx
    lake_zone = shapely.contains_xy(shapely.buffer(lake, 900.0), px, py) & in_county
    labels[lake_zone] = _LAKE_MUNI
    labels = _merge_stray_pieces(labels, in_county, in_nb)
    labels = _cut_exclave(rng, labels, px, py, seeds)
    return labels


def _merge_stray_pieces(labels: np.ndarray, in_county: np.ndarray,
                        in_nb: np.ndarray) -> np.ndarray:
    """Keep the largest connected piece of each municipality, give the rest to neighbours."""
    labels = labels.copy()
    for idx in range(len(_ALL_MUNIS)):
        parts, n_parts = ndimage.label(labels == idx)
        if n_parts > 1:
            sizes = np.bincount(parts.ravel())[1:]
            labels[(parts > 0) & (parts != 1 + int(np.argmax(sizes)))] = -2
    stray = labels == -2
    if stray.any():
        for region in (in_county, in_nb):
            source = (labels >= 0) & region
            _, (iy, ix) = ndimage.distance_transform_edt(~source, return_indices=True)
            fill = stray & region
            labels[fill] = labels[iy[fill], ix[fill]]
    return labels


def _cut_exclave(rng: np.random.Generator, labels: np.ndarray, px: np.ndarray,
                 py: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Give a disc of about 2 km² deep inside one municipality to another one."""
    host = labels == _EXCLAVE_HOST
    depth = ndimage.distance_transform_edt(host) * _LABEL_RES
    far = np.min(np.hypot(px[..., None] - seeds[:, 0], py[..., None] - seeds[:, 1]), axis=2)
    candidates = np.flatnonzero(host & (depth > 1_500.0) & (far > 2_500.0))
    if candidates.size == 0:
        candidates = np.flatnonzero(depth >= depth.max() - _LABEL_RES)
    centre = rng.choice(candidates)
    cx, cy = px.ravel()[centre], py.ravel()[centre]
    labels = labels.copy()
    labels[host & (np.hypot(px - cx, py - cy) < 800.0)] = _EXCLAVE_OWNER
    return labels


def _raster_coverage(labels: np.ndarray, n_labels: int) -> list[shapely.Geometry]:
    """Polygonise a label raster into an exactly noded coverage, one geometry per label.

    All pixel edges between different labels are polygonised together, so neighbouring
    polygons share identical vertices (a valid coverage for ``shapely.coverage_simplify``).
    """
    res = _LABEL_RES
    x0, y0 = _LABEL_X[0], _LABEL_Y[0]
    lab = np.pad(labels, 1, constant_values=-1)
    rv, cv = np.nonzero(lab[:, 1:] != lab[:, :-1])  # vertical edges
    xv = x0 + cv * res
    vertical = np.stack([np.column_stack([xv, y0 + (rv - 1) * res]),
                         np.column_stack([xv, y0 + rv * res])], axis=1)
    rh, ch = np.nonzero(lab[1:, :] != lab[:-1, :])  # horizontal edges
    yh = y0 + rh * res
    horizontal = np.stack([np.column_stack([x0 + (ch - 1) * res, yh]),
                           np.column_stack([x0 + ch * res, yh])], axis=1)
    edges = shapely.linestrings(np.concatenate([vertical, horizontal]).astype(float))
    faces = np.asarray(shapely.get_parts(shapely.polygonize(edges)))
    probe = shapely.point_on_surface(faces)
    col = ((shapely.get_x(probe) - x0) // res).astype(int)
    row = ((shapely.get_y(probe) - y0) // res).astype(int)
    face_label = labels[row, col]
    return [shapely.multipolygons(faces[face_label == k]) for k in range(n_labels)]


def _municipality_polygons(
    rng: np.random.Generator, barriers: dict[str, _Barrier]
) -> tuple[list[shapely.Geometry], shapely.Polygon]:
    """Municipal land polygons (local metres, smoothed coverage) and the reservoir."""
    county, neighbour = _county_outlines(rng)
    lake = _lake_polygon(barriers)
    labels = _label_raster(rng, county, neighbour, lake)
    raw = _raster_coverage(labels, len(_ALL_MUNIS))
    smooth = list(shapely.coverage_simplify(np.array(raw, dtype=object), _SIMPLIFY_TOLERANCE))
    smooth = [shapely.make_valid(g) if not g.is_valid else g for g in smooth]
    smooth[_LAKE_MUNI] = shapely.difference(smooth[_LAKE_MUNI], lake)
    return smooth, lake


# --------------------------------------------------------------------------- settlements


@dataclass
class _Settlement:
    """A settlement or district spreading its residents over a noisy disc of cells."""

    name: str
    x: float
    y: float
    population: float
    density: float
    kind: int
    city: bool = False
    rent_offset: float = 0.0
    sides: tuple[tuple[str, int], ...] = ()

    @property
    def radius(self) -> float:
        """Radius (metres) of a disc holding the residents at the given density per cell."""
        return float(np.sqrt(self.population / self.density * 1e4 / np.pi))


@dataclass
class _Frame:
    """The 100 m grid frame: cell centres in local metres and per-cell masks."""

    cx: np.ndarray
    cy: np.ndarray
    muni: np.ndarray  # municipality index of the cell centre, -1 outside
    open_land: np.ndarray  # not forest, not mine, not lake
    allowed: np.ndarray  # may hold residents (inside a county, not lake, not mine)

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns."""
        return self.cx.shape


def _make_frame(rng: np.random.Generator, polygons: list[shapely.Geometry],
                lake: shapely.Polygon) -> _Frame:
    """Cell centres, municipality per cell, forest, mine and lake masks."""
    xs = np.arange(_FRAME_X[0], _FRAME_X[1], 100) + 50.0
    ys = np.arange(_FRAME_Y[0], _FRAME_Y[1], 100) + 50.0
    cx, cy = np.meshgrid(xs, ys)
    muni = np.full(cx.shape, -1, dtype=np.int64)
    for idx, geom in enumerate(polygons):
        muni[shapely.contains_xy(geom, cx, cy)] = idx
    forest_field = _make_field(rng, 5_000.0)
    south = np.clip((-cy / 1000.0 - 4.0) / 9.0, 0.0, 1.2)
    south_west = np.clip((-cx / 1000.0 - 3.0) / 6.0, 0.0, 1.0) * np.clip(
        (-cy / 1000.0 - 3.0) / 6.0, 0.0, 1.0)
    forest = (1.1 * south + 0.5 * south_west + 0.45 * forest_field(cx, cy)) > 0.62
    mine = ((cx + 5_000.0) / 2_600.0) ** 2 + ((cy - 5_500.0) / 1_800.0) ** 2 < 1.0
    in_lake = shapely.contains_xy(lake, cx, cy)
    allowed = (muni >= 0) & ~mine & ~in_lake
    return _Frame(cx, cy, muni, allowed & ~forest, allowed)


def _free_point(rng: np.random.Generator, frame: _Frame, free: np.ndarray,
                muni: int) -> tuple[float, float] | None:
    """A random open cell centre of a municipality that is not yet claimed, or None."""
    for mask in (free & frame.open_land, free & frame.allowed):
        candidates = np.flatnonzero(mask & (frame.muni == muni))
        if candidates.size:
            pick = rng.choice(candidates)
            return float(frame.cx.ravel()[pick]), float(frame.cy.ravel()[pick])
    return None


def _claim(frame: _Frame, free: np.ndarray, x: float, y: float, radius: float) -> None:
    """Mark cells within ``radius`` of a point as taken for further village placement."""
    free &= np.hypot(frame.cx - x, frame.cy - y) > radius


def _main_place(rng: np.random.Generator, m_idx: int, muni: _Muni, frame: _Frame,
                polygons: list[shapely.Geometry]) -> list[_Settlement]:
    """Core, ring and new-build area of a small town or of a municipality's main village."""
    share = 0.6 if muni.template == "stadt" else 0.38
    pop = muni.population * share
    x, y = muni.x_km * 1000.0, muni.y_km * 1000.0
    if m_idx == 5:  # Kreuzbach: old core west of the B 901, new-build area east of it
        return [
            _Settlement(f"{muni.name} Ortskern", x - 300.0, y, 0.45 * pop, 15.0, _KLS,
                        sides=(("b901", -1), ("rur", 1))),
            _Settlement(f"{muni.name} Ring", x - 200.0, y - 300.0, 0.3 * pop, 9.0, _RAND,
                        sides=(("b901", -1), ("rur", 1))),
            _Settlement(f"{muni.name} Neubaugebiet", x + 1_300.0, y + 200.0, 0.25 * pop, 11.0,
                        _NEU, sides=(("b901", 1),)),
        ]
    places = [
        _Settlement(f"{muni.name} Kern", x, y, 0.45 * pop, 15.0, _KLS),
        _Settlement(f"{muni.name} Ring", x, y, 0.35 * pop, 8.0, _RAND),
    ]
    for _ in range(8):
        angle = rng.uniform(0.0, 2.0 * np.pi)
        nx, ny = x + 1_300.0 * np.cos(angle), y + 1_300.0 * np.sin(angle)
        if shapely.contains_xy(polygons[m_idx], nx, ny):
            break
    places.append(_Settlement(f"{muni.name} Neubaugebiet", nx, ny, 0.2 * pop, 11.0, _NEU))
    return places


def _districts(muni: _Muni, table: tuple, *, city: bool, rent_offset: float) -> list[_Settlement]:
    """Named districts of the county seat or the second town."""
    return [
        _Settlement(f"{muni.name}-{name}", cx * 1000.0, cy * 1000.0, pop, dens, kind, city=city,
                    rent_offset=rent_offset, sides=sides)
        for name, kind, pop, dens, (cx, cy), sides in table
    ]


def _suburb(polygons: list[shapely.Geometry]) -> _Settlement:
    """The new-build suburb centred on the border between the seat and its eastern neighbour."""
    a, b = _ALL_MUNIS[_CITY], _ALL_MUNIS[_CITY_EAST_NEIGHBOUR]
    t = np.linspace(0.0, 1.0, 400)
    xs = (a.x_km + t * (b.x_km - a.x_km)) * 1000.0
    ys = (a.y_km + t * (b.y_km - a.y_km)) * 1000.0
    inside = shapely.contains_xy(polygons[_CITY], xs, ys)
    last = int(np.flatnonzero(inside).max())
    return _Settlement("Rurstadt-Ost/Merzbach-West Neubaugebiet", float(xs[last]),
                       float(ys[last]), _SUBURB_POPULATION, 24.0, _NEU, rent_offset=0.4)


def _make_settlements(rng: np.random.Generator, frame: _Frame,
                      polygons: list[shapely.Geometry]) -> list[_Settlement]:
    """All settlements: town districts, main places, the border suburb and villages."""
    settlements: list[_Settlement] = []
    free = frame.allowed.copy()
    suburb = _suburb(polygons)
    settlements.append(suburb)
    _claim(frame, free, suburb.x, suburb.y, suburb.radius * 1.3 + 900.0)
    for m_idx, muni in enumerate(_ALL_MUNIS):
        if muni.template == "city":
            main = _districts(muni, _CITY_DISTRICTS, city=True, rent_offset=0.6)
        elif muni.template == "town2":
            main = _districts(muni, _TOWN2_DISTRICTS, city=False, rent_offset=0.0)
        else:
            main = _main_place(rng, m_idx, muni, frame, polygons)
        for s in main:
            _claim(frame, free, s.x, s.y, s.radius * 1.3 + 900.0)
        settlements.extend(main)
        remaining = muni.population - sum(s.population for s in main)
        if m_idx in (_CITY, _CITY_EAST_NEIGHBOUR):
            remaining -= _SUBURB_POPULATION / 2
        settlements.extend(_villages(rng, m_idx, muni, remaining, frame, free))
    return settlements


def _villages(rng: np.random.Generator, m_idx: int, muni: _Muni, remaining: float,
              frame: _Frame, free: np.ndarray) -> list[_Settlement]:
    """Villages of a municipality on open land, largest first, holding ``remaining``."""
    if remaining <= 0:
        return []
    n = max(1, int(round(remaining / muni.village_mean)))
    sizes = np.clip(rng.lognormal(0.0, 0.7, n), 0.2, 4.0)
    sizes = np.sort(sizes / sizes.sum() * remaining)[::-1]
    villages = []
    for i, size in enumerate(sizes):
        point = _free_point(rng, frame, free, m_idx)
        if point is None:
            break
        kind = _EIFEL if point[1] < -9_000.0 else _DORF
        density = 6.0 if kind == _EIFEL else 6.5
        village = _Settlement(f"{muni.name} Dorf {i + 1}", point[0], point[1], float(size),
                              density, kind)
        _claim(frame, free, point[0], point[1], village.radius * 1.3 + 1_000.0)
        villages.append(village)
    return villages


# --------------------------------------------------------------------------- population


@dataclass
class _Surface:
    """Expected residents per cell and what kind of place each cell belongs to."""

    lam: np.ndarray
    contrib: np.ndarray  # (n_types, rows, cols): expected residents by settlement type
    city: np.ndarray  # expected residents from the seat's districts
    rent_offset: np.ndarray  # expected residents times the settlement's rent offset


def _population_surface(rng: np.random.Generator, frame: _Frame,
                        settlements: list[_Settlement],
                        barriers: dict[str, _Barrier]) -> _Surface:
    """Spread every settlement over its noisy disc, add farmsteads and scale per municipality."""
    ny, nx = frame.shape
    lam = np.zeros((ny, nx))
    contrib = np.zeros((len(_TYPES), ny, nx))
    city = np.zeros((ny, nx))
    rent = np.zeros((ny, nx))
    fringe_u = rng.random((ny, nx))
    for s in settlements:
        amps = rng.uniform(0.0, 0.18, 3)
        phases = rng.uniform(0.0, 2.0 * np.pi, 3)
        reach = s.radius * 1.6 * 1.55 + 100.0
        i0 = max(0, int((s.x - reach - _FRAME_X[0]) // 100))
        i1 = min(nx, int((s.x + reach - _FRAME_X[0]) // 100) + 1)
        j0 = max(0, int((s.y - reach - _FRAME_Y[0]) // 100))
        j1 = min(ny, int((s.y + reach - _FRAME_Y[0]) // 100) + 1)
        if i0 >= i1 or j0 >= j1:
            continue
        win = (slice(j0, j1), slice(i0, i1))
        dx, dy = frame.cx[win] - s.x, frame.cy[win] - s.y
        theta = np.arctan2(dy, dx)
        ang = 1.0 + (amps * np.cos(np.arange(1, 4) * theta[..., None] + phases)).sum(axis=-1)
        d = np.hypot(dx, dy) / (s.radius * np.clip(ang, 0.55, None))
        w = np.where(d < 1.0, 1.0 - 0.6 * d**2, 0.0)
        w += np.where((d >= 1.0) & (d < 1.6) & (fringe_u[win] < 0.2), 0.1, 0.0)
        w *= frame.allowed[win]
        for key, sign in s.sides:
            w *= barriers[key].side(frame.cx[win], frame.cy[win]) == sign
        total = w.sum()
        if total <= 0:
            continue
        lam_s = s.population * w / total
        lam[win] += lam_s
        contrib[s.kind][win] += lam_s
        rent[win] += lam_s * s.rent_offset
        if s.city:
            city[win] += lam_s
    lam *= rng.lognormal(0.0, 0.45, (ny, nx)) * (rng.random((ny, nx)) > 0.07)
    lam *= _corridor_factor(frame, barriers, lam > 0)
    _add_farmsteads(rng, frame, lam, contrib)
    _scale_to_targets(frame, lam)
    return _Surface(lam, contrib, city, rent)


def _corridor_factor(frame: _Frame, barriers: dict[str, _Barrier],
                     where: np.ndarray) -> np.ndarray:
    """Few residents right on the river and the railway, fewer on main roads."""
    factor = np.ones(frame.shape)
    cx, cy = frame.cx[where], frame.cy[where]
    f = np.ones(cx.shape)
    for b in barriers.values():
        width = 70.0 if b.typ in ("fluss", "bahn") else 45.0
        keep = 0.12 if b.typ in ("fluss", "bahn") else 0.6
        near = np.abs(np.nan_to_num(b.offset(cx, cy), nan=np.inf)) < width
        f = np.where(near, f * keep, f)
    factor[where] = f
    return factor


def _add_farmsteads(rng: np.random.Generator, frame: _Frame, lam: np.ndarray,
                    contrib: np.ndarray) -> None:
    """Scatter single farmsteads and hamlets over open land outside the settlements."""
    candidates = np.flatnonzero(frame.open_land.ravel() & (lam.ravel() == 0.0))
    picks = rng.choice(candidates, size=min(750, candidates.size), replace=False)
    values = rng.uniform(2.5, 7.0, picks.size)
    lam.ravel()[picks] += values
    south = frame.cy.ravel()[picks] < -9_000.0
    contrib[_EIFEL].ravel()[picks[south]] += values[south]
    contrib[_DORF].ravel()[picks[~south]] += values[~south]


def _scale_to_targets(frame: _Frame, lam: np.ndarray) -> None:
    """Scale the expected residents of every municipality to its design total."""
    lam[frame.muni < 0] = 0.0
    totals = np.bincount(frame.muni[frame.muni >= 0], weights=lam[frame.muni >= 0],
                         minlength=len(_ALL_MUNIS))
    targets = np.array([m.population for m in _ALL_MUNIS], dtype=float)
    factor = np.where(totals > 0, targets / np.where(totals > 0, totals, 1.0), 0.0)
    inside = frame.muni >= 0
    lam[inside] *= factor[frame.muni[inside]]


# --------------------------------------------------------------------------- cells


@dataclass
class _Cells:
    """Per-cell truth for every cell with residents or dwellings (sorted by grid ID)."""

    east: np.ndarray  # lower-left corner, EPSG:3035
    north: np.ndarray
    muni: np.ndarray
    counts: dict[str, np.ndarray]  # true counts (1-D or 2-D) and sums for means


def _select_cells(rng: np.random.Generator, frame: _Frame, surface: _Surface) -> dict:
    """Draw residents, pick institution cells and cells with vacant dwellings only."""
    pop = rng.poisson(surface.lam)
    populated = pop > 0
    dominant = surface.contrib.argmax(axis=0)
    urban = np.isin(dominant, [_ALT, _BHF, _NKR, _RAND, _KLS])
    inst_candidates = np.flatnonzero((populated & urban & (pop >= 15)).ravel())
    inst = rng.choice(inst_candidates, size=min(10, inst_candidates.size), replace=False)
    pop.ravel()[inst] = rng.integers(25, 120, inst.size)
    ring = ndimage.binary_dilation(populated, structure=np.ones((3, 3), bool))
    vac_candidates = np.flatnonzero((ring & ~populated & frame.allowed).ravel())
    vacant_only = rng.choice(vac_candidates, size=min(220, vac_candidates.size), replace=False)
    keep = np.flatnonzero(populated.ravel())
    keep = np.union1d(keep, vacant_only)
    return {"flat": keep, "pop": pop.ravel()[keep], "institution": np.isin(keep, inst),
            "dorm": np.isin(keep, inst[:3])}


def _cell_profiles(rng: np.random.Generator, frame: _Frame, surface: _Surface,
                   flat: np.ndarray, barriers: dict[str, _Barrier]) -> dict[str, np.ndarray]:
    """Latent per-cell parameters: type mix, smooth fields and barrier effects."""
    cx, cy = frame.cx.ravel()[flat], frame.cy.ravel()[flat]
    contrib = surface.contrib.reshape(len(_TYPES), -1)[:, flat].T
    fallback = np.where(cy < -9_000.0, _EIFEL, _DORF)
    total = contrib.sum(axis=1)
    contrib[total <= 0, fallback[total <= 0]] = 1.0
    types = contrib / contrib.sum(axis=1, keepdims=True)
    lam_design = np.maximum(surface.contrib.sum(axis=0).ravel()[flat], 1e-9)
    city = np.clip(surface.city.ravel()[flat] / lam_design, 0.0, 1.0)
    rent_offset = surface.rent_offset.ravel()[flat] / lam_design
    f_age, f_status, f_mix = (_make_field(rng, w)(cx, cy) for w in (6_000.0, 5_000.0, 2_000.0))
    rail = barriers["bahn"].side(cx, cy) * city
    rur_off = np.nan_to_num(barriers["rur"].offset(cx, cy), nan=np.inf)
    west_bank = -np.sign(rur_off) * np.exp(-np.abs(rur_off) / 2_500.0)
    noise = rng.normal(0.0, 0.3, (cx.size, 6))
    age = types @ _T_AGE
    age[:, 0] += -0.45 * f_age + 0.35 * west_bank
    age[:, 2] += 0.7 * f_age - 0.25 * west_bank
    return {
        "age_logits": age + noise[:, :3] * 0.5,
        "foreign": _sigmoid(types @ _T_FOREIGN - 0.3 * f_status + 0.4 * f_mix + 0.5 * rail
                            + noise[:, 3]),
        "owner": _sigmoid(types @ _T_OWNER + 0.5 * f_status - 0.6 * rail + noise[:, 4]),
        "vacancy": _sigmoid(types @ _T_VACANCY - 0.25 * f_status + noise[:, 5]),
        "rent": types @ _T_RENT + rent_offset + 0.45 * f_status - 0.7 * rail,
        "space": types @ _T_SPACE + 3.0 * f_status - 2.5 * rail,
        "dwell_per_bldg": types @ _T_DWELL_PER_BLDG,
        "single_parent": _sigmoid(types @ _T_SINGLE_PARENT + 0.2 * f_mix + 0.3 * rail),
        "unmarried": _sigmoid(types @ _T_UNMARRIED + 0.2 * f_mix),
        "hh_adj": types @ _T_HH_ADJ,
        "poverty": _sigmoid(types @ _T_POVERTY - 0.35 * f_status + 0.15 * f_mix + 0.5 * rail),
        "income_index": types @ _T_INCOME + 0.5 * f_status - 0.3 * rail,
        "era": types @ _T_ERA,
        "energy": types @ _T_ENERGY,
    }


def _draw_ages(rng: np.random.Generator, pop: np.ndarray, prof: dict, institution: np.ndarray,
               dorm: np.ndarray) -> dict[str, np.ndarray]:
    """Five-year age bands, the five broad classes and the sum of ages."""
    logits = np.column_stack([np.zeros(pop.size), prof["age_logits"]])
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    weights[institution & dorm] = [0.0, 0.0, 1.0, 0.0]
    probs = weights @ _AGE_PROFILES
    care = institution & ~dorm  # care homes: residents aged 75 and over only
    probs[care] = np.where(np.arange(19) >= 15, 1.0, 0.0) / 4.0
    bands = rng.multinomial(pop, probs)
    b15_17 = rng.binomial(bands[:, 3], 0.6)
    classes = np.column_stack([
        bands[:, :3].sum(axis=1) + b15_17,
        bands[:, 3] - b15_17 + bands[:, 4:6].sum(axis=1),
        bands[:, 6:10].sum(axis=1),
        bands[:, 10:13].sum(axis=1),
        bands[:, 13:].sum(axis=1),
    ])
    age_sum = bands @ _AGE_MID + rng.normal(0.0, 1.44 * np.sqrt(pop))
    return {"bands": bands, "classes": classes, "age_sum": np.maximum(age_sum, 0.0)}


def _draw_households(rng: np.random.Generator, pop_hh: np.ndarray, bands: np.ndarray,
                     prof: dict) -> dict[str, np.ndarray]:
    """Households by size, consistent with the residents and their ages."""
    n = np.maximum(bands.sum(axis=1), 1)
    expected = _AGE_PROFILES[0]  # shrink small cells towards the national pyramid
    shares = (bands + 3.0 * expected) / (n + 3.0)[:, None]
    s_u18 = shares[:, :3].sum(axis=1) + 0.6 * shares[:, 3]
    s_young = shares[:, 4:6].sum(axis=1)
    s_75 = shares[:, 15:].sum(axis=1)
    mean_size = (0.9 + 4.5 * s_u18 + 0.6 * (1.0 - s_u18 - s_young - s_75) + 0.25 * s_75
                 + 0.2 * s_young + prof["hh_adj"] + rng.normal(0.0, 0.08, n.size))
    lam = np.clip(mean_size, 1.15, 3.6)[:, None] - 1.0
    k = np.arange(1, 6)
    log_fact = np.cumsum(np.log(np.maximum(k - 1, 1)))
    p = np.exp((k - 1) * np.log(lam) - lam - log_fact)
    p6 = np.clip(1.0 - p.sum(axis=1, keepdims=True), 0.0, None)
    sizes = np.concatenate([p, p6], axis=1)
    person_share = sizes * np.array([1, 2, 3, 4, 5, 6.4])
    person_share /= person_share.sum(axis=1, keepdims=True)
    persons = rng.multinomial(pop_hh, person_share)
    exact = persons / np.array([1, 2, 3, 4, 5, 6.4])
    hh = np.floor(exact + rng.random(exact.shape)).astype(np.int64)  # unbiased rounding
    none = (hh.sum(axis=1) == 0) & (pop_hh > 0)
    hh[none, np.argmax(persons[none], axis=1)] = 1
    return {"hh": hh, "households": hh.sum(axis=1), "s_u18": s_u18,
            "s_4564": shares[:, 9:13].sum(axis=1)}


def _draw_families(rng: np.random.Generator, hh: dict, prof: dict) -> np.ndarray:
    """Core families by type (13 columns in the order of the Zensus file)."""
    multi = hh["households"] - hh["hh"][:, 0]
    families = rng.binomial(np.maximum(multi, 0), 0.93)
    p_u18 = np.clip(2.1 * hh["s_u18"] + 0.02, 0.03, 0.75)
    p_adult = np.clip(0.06 + 0.45 * hh["s_4564"], 0.03, 0.4)
    p_adult = np.minimum(p_adult, 0.95 - p_u18)
    p_none = 1.0 - p_u18 - p_adult
    sp, sp_adult = prof["single_parent"], 0.22
    nu, lp = prof["unmarried"], 0.005
    married = 1.0 - nu - lp
    couples = [p_none, p_u18 * (1.0 - sp), p_adult * (1.0 - sp_adult)]
    probs = np.column_stack(
        [married * c for c in couples] + [lp * c for c in couples] + [nu * c for c in couples]
        + [p_u18 * sp * 0.14, p_adult * sp_adult * 0.2, p_u18 * sp * 0.86,
           p_adult * sp_adult * 0.8]
    )
    probs /= probs.sum(axis=1, keepdims=True)
    return rng.multinomial(families, probs)


def _draw_housing(rng: np.random.Generator, households: np.ndarray, pop_hh: np.ndarray,
                  vacant_only: np.ndarray, prof: dict) -> dict[str, np.ndarray]:
    """Dwellings, owners, vacancy, rent and living space, buildings by age and heating."""
    n = households.size
    v = prof["vacancy"]  # one occupied dwelling per household
    vacant = rng.poisson(households * v / (1.0 - v))
    vacant = np.where(vacant_only, rng.integers(1, 5, n), vacant)
    dwellings = households + vacant
    owners = rng.binomial(households, prof["owner"])
    rented = households - owners
    rent = prof["rent"] + rng.normal(0.0, 0.9, n) / np.sqrt(np.maximum(rented, 1))
    rent = np.minimum(4.4 + 0.5 * np.logaddexp(0.0, (rent - 4.4) / 0.5), 12.5)  # soft floor
    space = prof["space"] + rng.normal(0.0, 4.0, n) / np.maximum(households, 1) ** 0.25
    space = np.clip(space, 35.0, 60.0)
    per_bldg = prof["dwell_per_bldg"] * rng.lognormal(0.0, 0.3, n)
    buildings = np.clip(np.rint(dwellings / per_bldg), 1, np.maximum(dwellings, 1))
    buildings = np.where(dwellings > 0, buildings, 0).astype(np.int64)
    era = rng.multinomial(buildings, prof["era"] / prof["era"].sum(axis=1, keepdims=True))
    energy = rng.multinomial(buildings,
                             prof["energy"] / prof["energy"].sum(axis=1, keepdims=True))
    return {"dwellings": dwellings, "owners": owners, "rented": rented,
            "vacant": vacant, "rent_sum": rent * rented, "area_sum": space * pop_hh,
            "buildings": buildings, "era": era, "energy": energy}


def _make_cells(rng: np.random.Generator, frame: _Frame, surface: _Surface,
                barriers: dict[str, _Barrier], origin: tuple[int, int]) -> tuple[_Cells, dict]:
    """Draw every per-cell count; return the cells and the latent profiles (for statistics)."""
    sel = _select_cells(rng, frame, surface)
    flat, pop = sel["flat"], sel["pop"]
    institution = sel["institution"]
    prof = _cell_profiles(rng, frame, surface, flat, barriers)
    ages = _draw_ages(rng, pop, prof, institution, sel["dorm"])
    pop_hh = np.where(institution, 0, pop)
    hh = _draw_households(rng, pop_hh, ages["bands"], prof)
    families = _draw_families(rng, hh, prof)
    housing = _draw_housing(rng, hh["households"], pop_hh, pop == 0, prof)
    foreign = rng.binomial(pop, prof["foreign"])
    row, col = np.divmod(flat, frame.shape[1])
    east = origin[0] + _FRAME_X[0] + col * 100
    north = origin[1] + _FRAME_Y[0] + row * 100
    counts = {"pop": pop, "pop_hh": pop_hh, "bands": ages["bands"], "classes": ages["classes"],
              "age_sum": ages["age_sum"], "foreign": foreign, "hh": hh["hh"],
              "households": hh["households"], "families": families,
              "n_families": families.sum(axis=1), **housing}
    order = np.lexsort((east, north))
    cells = _Cells(east[order].astype(np.int64), north[order].astype(np.int64),
                   frame.muni.ravel()[flat][order], {k: v[order] for k, v in counts.items()})
    prof = {k: v[order] for k, v in prof.items()}
    return cells, prof


# --------------------------------------------------------------------------- publication


def _perturb(rng: np.random.Generator, values: np.ndarray, *, floor: int) -> np.ndarray:
    """Cell-Key style perturbation of true counts; zero stays zero, others >= ``floor``."""
    d = rng.choice(_CK_STEPS, size=values.shape, p=_CK_PROBS)
    return np.where(values > 0, np.maximum(values + d, floor), 0)


def _fmt_counts(values: np.ndarray, min_published: int = 1) -> np.ndarray:
    """Integers as text; values below ``min_published`` become the en dash."""
    values = np.asarray(values, dtype=np.int64)
    return np.where(values >= min_published, values.astype(str), _EN_DASH)


def _fmt_decimal(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Two decimals with a decimal comma; the en dash where ``ok`` is False."""
    hundredths = np.rint(np.where(ok, values, 0.0) * 100.0).astype(np.int64)
    whole = (hundredths // 100).astype(str)
    frac = np.char.zfill((hundredths % 100).astype(str), 2)
    return np.where(ok, np.char.add(np.char.add(whole, ","), frac), _EN_DASH)


def _ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``scale * num / den``; where ``den`` is zero, ``scale * num`` (callers mask those)."""
    den = np.asarray(den, dtype=float)
    return scale * np.asarray(num, dtype=float) / np.where(den > 0, den, 1.0)


def _total_and_bands(rng: np.random.Generator, total_txt: np.ndarray, parts: np.ndarray,
                     min_published: int = 1) -> list[np.ndarray]:
    """The published total column, then one independently perturbed column per band.

    ``total_txt`` is formatted (and, if it is perturbed here, drawn) before the bands, so the
    random draws come in the order of the columns.
    """
    return [total_txt, *(_fmt_counts(_perturb(rng, parts[:, k], floor=0), min_published)
                         for k in range(parts.shape[1]))]


def _topic_table(topic: str, c: dict[str, np.ndarray], pub: dict[str, np.ndarray],
                 rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Rows present, formatted value columns and denominators of one topic.

    Parameters
    ----------
    topic : str
        Zensus topic name.
    c : dict
        True counts at the resolution being written.
    pub : dict
        Perturbed totals shared by several topics (``pop``, ``households``, ``buildings``).
    rng : numpy.random.Generator
        Source of the independent band perturbations.

    Returns
    -------
    tuple
        Boolean mask of the rows to write, the formatted value columns (full length) and
        the denominator used to flag small cells with ``KLAMMERN``.
    """
    pop, hh = c["pop"], c["households"]  # one occupied dwelling per household
    if topic == "Bevoelkerungszahl":
        return pop > 0, [_fmt_counts(pub["pop"])], pop
    if topic in ("Alter_in_5_Altersklassen", "Alter_5er-Jahresgruppen"):
        bands = c["classes"] if topic == "Alter_in_5_Altersklassen" else c["bands"]
        return pop > 0, _total_and_bands(rng, _fmt_counts(pub["pop"]), bands, 3), pop
    if topic == "Durchschnittsalter":
        return pop > 0, [_fmt_decimal(_ratio(c["age_sum"], pop), pop >= 3)], pop
    if topic == "Anteil_Auslaender":
        share = _ratio(c["foreign"], pop, 100.0)
        return pop > 0, [_fmt_decimal(share, (pop >= 3) & (c["foreign"] > 0))], pop
    if topic == "Durchschn_Haushaltsgroesse":
        return hh > 0, [_fmt_decimal(_ratio(c["pop_hh"], hh), hh > 0)], hh
    if topic == "Groesse_des_privaten_Haushalts":
        return hh > 0, _total_and_bands(rng, _fmt_counts(pub["households"]), c["hh"]), hh
    if topic == "Typ_der_Kernfamilie_nach_Kindern":
        fam = c["n_families"]
        total = _fmt_counts(_perturb(rng, fam, floor=1))
        return fam > 0, _total_and_bands(rng, total, c["families"]), fam
    dwellings = c["dwellings"]
    if topic == "Eigentuemerquote":
        rate = _ratio(c["owners"], hh, 100.0)
        return dwellings > 0, [_fmt_decimal(rate, (hh > 0) & (c["owners"] > 0))], dwellings
    if topic == "Leerstandsquote":
        rate = _ratio(c["vacant"], dwellings, 100.0)
        return dwellings > 0, [_fmt_decimal(rate, c["vacant"] > 0)], dwellings
    if topic == "Durchschn_Nettokaltmiete":
        rent = _ratio(c["rent_sum"], c["rented"])
        return dwellings > 0, [_fmt_decimal(rent, c["rented"] > 0)], dwellings
    if topic == "Durchschn_Flaeche_je_Bewohner":
        space = _ratio(c["area_sum"], c["pop_hh"])
        return dwellings > 0, [_fmt_decimal(space, (hh > 0) & (c["pop_hh"] > 0))], dwellings
    buildings = c["buildings"]
    if topic in ("Gebaeude_nach_Baujahr_in_Mikrozensus_Klassen", "Energietraeger"):
        parts = c["era"] if topic.startswith("Gebaeude") else c["energy"]
        return buildings > 0, _total_and_bands(rng, _fmt_counts(pub["buildings"]), parts), buildings
    raise KeyError(topic)


def _cell_columns(size: int, east: np.ndarray, north: np.ndarray) -> list[np.ndarray]:
    """Grid ID, ``x_mp`` and ``y_mp`` as text for cells of ``size`` metres.

    ``east`` and ``north`` are the lower-left corners of the cells (EPSG:3035).
    """
    prefix = f"CRS3035RES{size}mN"
    ids = np.char.add(np.char.add(np.char.add(prefix, north.astype(str)), "E"),
                      east.astype(str))
    return [ids, (east + size // 2).astype(str), (north + size // 2).astype(str)]


def _grid_csv(topic: str, res: str, cell_cols: list[np.ndarray], c: dict[str, np.ndarray],
              pub: dict[str, np.ndarray], rng: np.random.Generator) -> str:
    """One Zensus CSV (100 m or 1 km cells) as text with CRLF line ends.

    Parameters
    ----------
    topic : str
        Zensus topic name.
    res : str
        Resolution as written in the column names: ``"100m"`` or ``"1km"``.
    cell_cols : list of numpy.ndarray
        Grid ID, ``x_mp`` and ``y_mp`` as text (:func:`_cell_columns`), cells sorted by ID.
    c : dict
        True counts of the cells.
    pub : dict
        Perturbed totals shared across topics, so that e.g. ``Einwohner`` and
        ``Insgesamt_Bevoelkerung`` agree as in the real files.
    rng : numpy.random.Generator
        Source of band perturbations and ``KLAMMERN`` flags.

    Returns
    -------
    str
        The CSV text.
    """
    mask, cols, denom = _topic_table(topic, c, pub, rng)
    u = rng.random(cell_cols[0].size)
    klammern = ((denom <= 5) & (u < 0.1)) | (u < 0.003)
    fields = [*cell_cols, *cols, np.where(klammern, "KLAMMERN", "")]
    lines = fields[0][mask].astype(object)  # object arrays concatenate much faster than "<U"
    for f in fields[1:]:
        lines = lines + ";" + f[mask].astype(object)
    header = ";".join([f"GITTER_ID_{res}", f"x_mp_{res}", f"y_mp_{res}", *ZENSUS_TOPICS[topic],
                       "werterlaeuternde_Zeichen"])
    return _EOL.join([header, *lines.tolist()]) + _EOL


def _aggregate_1km(cells: _Cells) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Sum the true 100 m counts into 1 km cells."""
    e1 = cells.east // 1000 * 1000
    n1 = cells.north // 1000 * 1000
    key = n1 * 10_000_000 + e1
    uniq, inv = np.unique(key, return_inverse=True)
    agg: dict[str, np.ndarray] = {}
    for name, values in cells.counts.items():
        if values.ndim == 1:
            agg[name] = np.bincount(inv, weights=values, minlength=uniq.size)
        else:
            agg[name] = np.column_stack([
                np.bincount(inv, weights=values[:, k], minlength=uniq.size)
                for k in range(values.shape[1])
            ])
    for name, values in agg.items():
        if name not in ("age_sum", "rent_sum", "area_sum"):
            agg[name] = np.rint(values).astype(np.int64)
    return uniq % 10_000_000, uniq // 10_000_000, agg


def _write_zip(path: Path, members: dict[str, bytes], comment: str) -> None:
    """Write a ZIP with fixed timestamps and attributes so that it is reproducible."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data, compresslevel=6)
        zf.comment = comment.encode("ascii")


def _write_zensus(out_dir: Path, cells: _Cells, rng: np.random.Generator,
                  seed: int) -> dict[str, Path]:
    """Write one ZIP per topic with the 100 m and 1 km CSV."""
    east1, north1, agg = _aggregate_1km(cells)
    published = {
        res: {name: _perturb(rng, counts[name], floor=1)
              for name in ("pop", "households", "buildings")}
        for res, counts in (("100m", cells.counts), ("1km", agg))
    }
    resolutions = (
        ("100m", _cell_columns(100, cells.east, cells.north), cells.counts),
        ("1km", _cell_columns(1000, east1, north1), agg),
    )
    written = {}
    for topic in ZENSUS_TOPICS:
        encoding = "cp1252" if topic in _CP1252_TOPICS else "utf-8"
        members = {}
        for res, cell_cols, counts in resolutions:
            text = _grid_csv(topic, res, cell_cols, counts, published[res], rng)
            members[f"Zensus2022_{topic}_{res}-Gitter.csv"] = text.encode(encoding)
        path = out_dir / f"Zensus2022_{topic}.zip"
        comment = (f"SYNTHETISCHE DATEN / SYNTHETIC DATA: fictional county {COUNTY_KEY} "
                   f"'{COUNTY_NAME}', made by tools.sample_county with seed "
                   f"{seed}. Format of Zensus 2022 grid files; not official statistics.")
        _write_zip(path, members, comment)
        written[f"zensus:{topic}"] = path
    return written


# --------------------------------------------------------------------------- vector files


def _to_vg_crs(geoms: Sequence[shapely.Geometry], origin: tuple[int, int]) -> list:
    """Local metres -> EPSG:3035 -> EPSG:25832 (the same vertex gives the same output)."""
    tr = Transformer.from_crs(GRID_CRS, COUNTY_CRS, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0] + origin[0], xy[:, 1] + origin[1])
        return np.column_stack([x, y])

    return [shapely.transform(g, project) for g in geoms]


def _as_multi(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """Polygon or MultiPolygon as MultiPolygon."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    return shapely.MultiPolygon(parts)


def _write_gpkg(path: Path, layers: list[tuple[str, gpd.GeoDataFrame, str]]) -> None:
    """Write layers to a fresh GeoPackage with a fixed timestamp and a description each."""
    if path.exists():
        path.unlink()
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _GPKG_DATE})
    try:
        for layer, frame, description in layers:
            pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG",
                                    layer_options={"DESCRIPTION": description},
                                    metadata={"SYNTHETIC": "yes", "DESCRIPTION": description})
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def _vg250_frames(polygons: list[shapely.Geometry], lake: shapely.Polygon,
                  ewz: np.ndarray, origin: tuple[int, int]) -> dict[str, gpd.GeoDataFrame]:
    """VG250-like layers: municipalities (GF 4 rows, exclave row, water row), counties, Land."""
    projected = _to_vg_crs([*polygons, lake], origin)
    land, lake_vg = projected[:-1], projected[-1]
    rows = []
    for idx, muni in enumerate(_ALL_MUNIS):
        parts = sorted(shapely.get_parts(land[idx]), key=lambda p: -p.area)
        pieces = parts[:2]  # main piece and (if any) the exclave: two GF=4 rows
        ags = muni.county + muni.code
        kfl = round((land[idx].area + (lake_vg.area if idx == _LAKE_MUNI else 0.0)) / 1e6, 2)
        ars = f"{muni.county}0{muni.code}{muni.code}"
        base = {"AGS": ags, "ARS": ars, "GEN": muni.name, "BEZ": muni.bez, "EWZ": int(ewz[idx]),
                "KFL": kfl}
        rows += [{**base, "GF": 4, "geometry": _as_multi(g)} for g in pieces]
        if idx == _LAKE_MUNI:
            rows.append({**base, "GF": 2, "geometry": _as_multi(lake_vg)})
    gem = gpd.GeoDataFrame(rows, crs=COUNTY_CRS)[
        ["AGS", "ARS", "GEN", "BEZ", "GF", "EWZ", "KFL", "geometry"]]
    krs_rows = []
    for key, name in ((NEIGHBOUR_KEY, NEIGHBOUR_NAME), (COUNTY_KEY, COUNTY_NAME)):
        mine = [i for i, m in enumerate(_ALL_MUNIS) if m.county == key]
        geom = shapely.coverage_union_all(np.array([land[i] for i in mine], dtype=object))
        area = sum(land[i].area for i in mine) + (lake_vg.area if key == COUNTY_KEY else 0.0)
        base = {"AGS": key, "ARS": key + "0000000", "GEN": name, "BEZ": "Kreis",
                "EWZ": int(ewz[mine].sum()), "KFL": round(area / 1e6, 2)}
        krs_rows.append({**base, "GF": 4, "geometry": _as_multi(geom)})
        if key == COUNTY_KEY:
            krs_rows.append({**base, "GF": 2, "geometry": _as_multi(lake_vg)})
    krs = gpd.GeoDataFrame(krs_rows, crs=COUNTY_CRS)[gem.columns]
    all_land = shapely.coverage_union_all(np.array(land, dtype=object))
    lan_base = {"AGS": "05", "ARS": "050000000000", "GEN": "Nordrhein-Westfalen (synthetisch)",
                "BEZ": "Land", "EWZ": int(ewz.sum()),
                "KFL": round((all_land.area + lake_vg.area) / 1e6, 2)}
    lan = gpd.GeoDataFrame([{**lan_base, "GF": 4, "geometry": _as_multi(all_land)},
                            {**lan_base, "GF": 2, "geometry": _as_multi(lake_vg)}],
                           crs=COUNTY_CRS)[gem.columns]
    for frame in (gem, krs, lan):
        frame["GF"] = frame["GF"].astype("int32")
        frame["EWZ"] = frame["EWZ"].astype("int64")
    return {"vg250_lan": lan, "vg250_krs": krs, "vg250_gem": gem}


def _write_vg250(path: Path, polygons: list[shapely.Geometry], lake: shapely.Polygon,
                 ewz: np.ndarray, origin: tuple[int, int], seed: int) -> None:
    """Write ``DE_VG250.gpkg``."""
    frames = _vg250_frames(polygons, lake, ewz, origin)
    note = (f"SYNTHETISCHE DATEN: fiktive Verwaltungsgrenzen (Kreis {COUNTY_KEY} "
            f"'{COUNTY_NAME}', Nachbarkreis {NEIGHBOUR_KEY}) im Format von VG250-EW (BKG), "
            f"erzeugt mit tools.sample_county, Seed {seed}. Keine amtlichen Grenzen.")
    _write_gpkg(path, [(name, frame, f"{name}: {note}") for name, frame in frames.items()])


def _write_barriers(path: Path, barriers: dict[str, _Barrier], origin: tuple[int, int],
                    seed: int) -> None:
    """Write ``barrieren.gpkg`` (layer ``barrieren``: typ, name, LineString, EPSG:25832)."""
    frame_box = shapely.box(_FRAME_X[0], _FRAME_Y[0], _FRAME_X[1], _FRAME_Y[1])
    lines = [shapely.intersection(b.line(), frame_box) for b in barriers.values()]
    frame = gpd.GeoDataFrame(
        {"typ": [b.typ for b in barriers.values()], "name": [b.name for b in barriers.values()]},
        geometry=_to_vg_crs(lines, origin), crs=COUNTY_CRS)
    note = (f"SYNTHETISCHE DATEN: fiktive Barrieren (Fluss, Bahn, Hauptstraßen) des Kreises "
            f"{COUNTY_KEY} '{COUNTY_NAME}', erzeugt mit tools.sample_county, Seed {seed}.")
    _write_gpkg(path, [("barrieren", frame, note)])


# Ortsteile of the sample (``ortsteile.gpkg``): the districts of the two towns by name, one
# new-build area per municipality with a main place, and villages named from syllables.
_DISTRICT_PLACES = {
    "Rurstadt": {"Altstadt": "Innenstadt", "Bahnhofsviertel": "Am Bahnhof",
                 "Nord": "Rurstadt-Nord", "West": "Birkesdorf", "Südwest": "Rölsweiler",
                 "Süd": "Lendersheide", "Ost": "Mariaweiden", "Nordost": "Arnoldshoven"},
    "Jülfeld": {"Altstadt": "Jülfeld-Mitte", "Nord": "Jülfeld-Nord", "Ost": "Kirchberg",
                "Süd": "Am Lindenpark", "West": "Broichhausen", "Campus": "Stetterscheid"},
}
_SUBURB_PLACE = "Im Merzfeld"
_NEW_BUILD_PLACES = (
    "Am Sonnenhang", "Im Wiesengrund", "Auf der Heide", "Am Mühlenbach", "Im Kirschgarten",
    "Am Lindenhof", "Auf dem Kamp", "Im Eichenfeld", "Am Weinberg", "Zur Aue", "Im Rosental",
    "Am Birkenhain", "Am Hasenberg", "Im Brühl", "Auf der Höhe",
)
_VILLAGE_PREFIXES = ("Ober", "Nieder", "Klein", "Groß", "Alt", "Neu")
_VILLAGE_ROOTS = (
    "Berg", "Bir", "Bür", "Dal", "Eis", "Ell", "Esch", "Frau", "Gey", "Glad", "Golz", "Ham",
    "Hau", "Hom", "Ing", "Kel", "Kuf", "Lan", "Lich", "Lind", "Lüx", "Mer", "Mül", "Nött",
    "Pier", "Rod", "Schlich", "Schmidt", "Stock", "Straß", "Thum", "Vlatt", "Wald", "Wen",
    "Wiss", "Wol", "Bo", "Dür", "Gür", "Kon",
)
_VILLAGE_SUFFIXES = (
    "dorf", "rath", "heim", "hoven", "weiler", "scheid", "broich", "bach", "feld", "berg",
    "hausen", "kirchen", "ich", "rode", "au", "hof", "stein", "ingen",
)


def _village_names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """``n`` distinct German-sounding village names, none of them in ``taken``."""
    names: list[str] = []
    while len(names) < n:
        root = _VILLAGE_ROOTS[rng.integers(len(_VILLAGE_ROOTS))]
        suffix = _VILLAGE_SUFFIXES[rng.integers(len(_VILLAGE_SUFFIXES))]
        name = root + suffix
        if rng.random() < 0.2:
            name = _VILLAGE_PREFIXES[rng.integers(len(_VILLAGE_PREFIXES))] + name.lower()
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _place_frame(settlements: list[_Settlement], polygons: list[shapely.Geometry],
                 origin: tuple[int, int], seed: int) -> gpd.GeoDataFrame:
    """One named point per settlement centre of the county (a main place's ring is its core).

    Names come from the design tables and, for villages, from a generator of their own
    (seeded from ``seed``), so the other sample files do not change with them.
    """
    rng = np.random.default_rng([seed, 0x0D5])
    muni_names = {m.name for m in _ALL_MUNIS}
    villages = [s for s in settlements if " Dorf " in s.name]
    village_names = iter(_village_names(rng, len(villages), set(muni_names)))
    rows = []
    for s in settlements:
        inside = [i for i in range(len(_COUNTY_MUNIS))
                  if shapely.contains_xy(polygons[i], s.x, s.y)]
        if not inside:
            continue  # the neighbouring county's settlements are not in the county's layer
        muni = _COUNTY_MUNIS[inside[0]]
        stem = s.name.partition(" ")[0]
        if s.name.endswith(" Ring"):
            continue
        if " Dorf " in s.name:
            name, art = next(village_names), "Ortsteil"
        elif s.name.endswith((" Kern", " Ortskern")):
            name, art = stem, "Ortsteil"
        elif s.name.startswith("Rurstadt-Ost/"):
            name, art = _SUBURB_PLACE, "Wohngebiet"
        elif s.name.endswith(" Neubaugebiet"):
            name = _NEW_BUILD_PLACES[_ALL_MUNIS.index(muni)]
            art = "Wohngebiet"
        else:
            town, _, district = s.name.partition("-")
            name, art = _DISTRICT_PLACES[town][district], "Stadtteil"
        rows.append({"AGS": muni.county + muni.code, "Gemeinde": muni.name, "Ortsteil": name,
                     "Art": art, "geometry": shapely.Point(s.x, s.y)})
    frame = gpd.GeoDataFrame(rows, crs=COUNTY_CRS)
    frame["geometry"] = _to_vg_crs(frame.geometry.to_numpy(), origin)
    return frame.sort_values(["AGS", "Ortsteil"], kind="stable").reset_index(drop=True)


def _write_places(path: Path, settlements: list[_Settlement], polygons: list[shapely.Geometry],
                  origin: tuple[int, int], seed: int) -> None:
    """Write ``ortsteile.gpkg`` (layer ``ortsteile``: AGS, Gemeinde, Ortsteil, Art; points)."""
    frame = _place_frame(settlements, polygons, origin, seed)
    note = (f"SYNTHETISCHE DATEN: fiktive Ortsteile des Kreises {COUNTY_KEY} '{COUNTY_NAME}' "
            f"(Punkte in den Ortsmitten), erzeugt mit tools.sample_county, Seed {seed}.")
    _write_gpkg(path, [("ortsteile", frame, note)])


def _facility_frame(places: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """Kitas, schools, youth centres and family centres near the Ortsteile (own seed).

    One Kita per place (two in the towns' districts), a Grundschule in every district and
    main place, a Jugendtreff in every main place, secondary schools and a youth centre in
    the two towns' centres, a Familienzentrum in every third place; each within 400 m of
    its place, invented names. Seeded on its own, so the other sample files do not change.
    """
    rng = np.random.default_rng([seed, 0xFAC])
    centres = {"Innenstadt", "Jülfeld-Mitte"}
    rows = []

    def add(art: str, name: str, x: float, y: float) -> None:
        angle, radius = rng.uniform(0.0, 2 * np.pi), rng.uniform(60.0, 400.0)
        rows.append({"Art": art, "Name": name, "AGS": ags,
                     "geometry": shapely.Point(round(x + radius * np.cos(angle), 1),
                                               round(y + radius * np.sin(angle), 1))})

    for j, place in enumerate(places.itertuples(index=False)):
        x, y, ags, name = place.geometry.x, place.geometry.y, place.AGS, place.Ortsteil
        main = name == place.Gemeinde or place.Art == "Stadtteil"
        add("Kita", f"Kita {name}", x, y)
        if place.Art == "Stadtteil":
            add("Kindertagesstätte", f"Kindertagesstätte {name} II", x, y)
        if main:
            add("Grundschule", f"Grundschule {name}", x, y)
        if name == place.Gemeinde:
            add("Jugendtreff", f"Jugendtreff {name}", x, y)
        if name in centres:
            add("Gesamtschule", f"Gesamtschule {place.Gemeinde}", x, y)
            add("Gymnasium", f"Gymnasium {place.Gemeinde}", x, y)
            add("Jugendzentrum", f"Jugendzentrum {place.Gemeinde}", x, y)
        if j % 3 == 0:
            add("Familienzentrum", f"Familienzentrum {name}", x, y)
    return gpd.GeoDataFrame(rows, crs=places.crs)


def _write_facilities(path: Path, places_path: Path, seed: int) -> None:
    """Write ``einrichtungen.gpkg`` (layer ``einrichtungen``: Art, Name, AGS; points)."""
    places = gpd.read_file(places_path, layer="ortsteile")
    frame = _facility_frame(places, seed)
    note = (f"SYNTHETISCHE DATEN: fiktive Einrichtungen (Kitas, Schulen, Jugendeinrichtungen) "
            f"des Kreises {COUNTY_KEY} '{COUNTY_NAME}', erzeugt mit tools.sample_county, "
            f"Seed {seed}.")
    _write_gpkg(path, [("einrichtungen", frame, note)])


# --------------------------------------------------------------------------- tables


def _municipal_statistics(rng: np.random.Generator, cells: _Cells,
                          prof: dict) -> dict[str, np.ndarray]:
    """Residents, SGB II and income tax figures per county municipality."""
    n = len(_COUNTY_MUNIS)
    m = cells.muni
    inside = (m >= 0) & (m < n)
    pop = cells.counts["pop"]
    bands = cells.counts["bands"]
    under67 = bands[:, :13].sum(axis=1) + 0.4 * bands[:, 13]

    def per_muni(values: np.ndarray) -> np.ndarray:
        return np.bincount(m[inside], weights=values[inside], minlength=n)

    residents = per_muni(pop)
    persons = per_muni(under67 * prof["poverty"]) * rng.uniform(0.95, 1.05, n)
    income_index = per_muni(pop * prof["income_index"]) / np.maximum(residents, 1)
    z = (income_index - income_index.mean()) / income_index.std()
    per_taxpayer = np.clip(45_000 + 4_500 * z + rng.normal(0, 800, n), 35_500, 55_000)
    taxpayers = np.rint(residents * rng.uniform(0.45, 0.50, n))
    total_keur = np.rint(taxpayers * per_taxpayer / 1000.0)
    tax_rate = 0.13 + 0.07 * (per_taxpayer - 35_000) / 20_000
    rlb = np.rint(persons)
    return {
        "residents": residents,
        "taxpayers": taxpayers.astype(np.int64),
        "income_keur": total_keur.astype(np.int64),
        "tax_keur": np.rint(total_keur * tax_rate).astype(np.int64),
        "bg": np.rint(rlb / rng.uniform(1.75, 2.0, n)).astype(np.int64),
        "rlb": rlb.astype(np.int64),
        "rlb_under15": np.rint(rlb * rng.uniform(0.26, 0.31, n)).astype(np.int64),
        "elb": np.rint(rlb * rng.uniform(0.68, 0.73, n)).astype(np.int64),
        "unemployed": np.rint(rlb * rng.uniform(0.25, 0.29, n)
                              + per_muni(bands[:, 3:13].sum(axis=1)) * rng.uniform(0.010, 0.014, n)
                              ).astype(np.int64),
    }


def _genesis_name(muni: _Muni) -> str:
    """Area name as GENESIS writes it (``Name, Stadt`` for towns)."""
    return f"{muni.name}, Stadt" if muni.bez == "Stadt" else muni.name


def _write_income(path: Path, stats: dict[str, np.ndarray], seed: int) -> None:
    """Write the GENESIS table 73111-01-01-5 (Latin-1, ``;``, title, unit and footer lines)."""
    taxpayers, income, tax = stats["taxpayers"], stats["income_keur"], stats["tax_keur"]
    table = [[str(v) for v in row] for row in zip(taxpayers, income, tax, strict=True)]
    by_code = {m.code: i for i, m in enumerate(_COUNTY_MUNIS)}
    table[by_code["008"]][2] = "."  # Heimbrück: tax secret
    table[by_code["056"]][0] = f"({taxpayers[by_code['056']]})"  # Titzdorf: limited reliability
    table[by_code["044"]][1] = f"{income[by_code['044']]}p"  # Nideck: provisional
    lines = [
        "GENESIS-Tabelle: 73111-01-01-5",
        "Lohn- und Einkommensteuerpflichtige, Gesamtbetrag der Einkünfte, Lohn- und "
        "Einkommensteuer - Jahressumme - regionale Tiefe: Gemeinden",
        "Lohn- und Einkommensteuerstatistik",
        f"SYNTHETISCHE DATEN (keine amtlichen Werte): fiktiver {COUNTY_NAME}, erzeugt mit "
        f"tools.sample_county, Seed {seed}",
        "Jahr;Schlüssel;Gebietsname;Lohn- und Einkommensteuerpflichtige;"
        "Gesamtbetrag der Einkünfte;Lohn- und Einkommensteuer",
        ";;;Anzahl;Tsd. EUR;Tsd. EUR",
        f"2019;{COUNTY_KEY};{COUNTY_NAME};{taxpayers.sum()};{income.sum()};{tax.sum()}",
    ]
    for muni, values in zip(_COUNTY_MUNIS, table, strict=True):
        lines.append(f"2019;{muni.county}{muni.code};{_genesis_name(muni)};{';'.join(values)}")
    lines += [
        "__________",
        "Zeichenerklärung: . = Zahlenwert unbekannt oder geheim zu halten; () = Aussagewert "
        "eingeschränkt; p = vorläufige Zahl",
        "© Statistische Ämter des Bundes und der Länder, Deutschland, 2024 (Formatvorlage; "
        "alle Werte synthetisch)",
        "Stand: 01.06.2024",
    ]
    path.write_bytes((_EOL.join(lines) + _EOL).encode("latin-1"))


def _write_sgb2(path: Path, stats: dict[str, np.ndarray], seed: int) -> None:
    """Write the BA-style SGB II table (UTF-8 with BOM, ``;``, ``*`` for anonymised values)."""
    lines = [
        "Statistik der Bundesagentur für Arbeit – Formatvorlage mit SYNTHETISCHEN DATEN "
        "(keine amtlichen Werte)",
        "Grundsicherung für Arbeitsuchende (SGB II): Bedarfsgemeinschaften, Personen und "
        "Arbeitslose nach Gemeinden",
        f"Region: {COUNTY_NAME}; Berichtsmonat: Juni 2023",
        f"Erzeugt mit tools.sample_county, Seed {seed}",
        "Gemeinde;Gemeindeschlüssel;Bedarfsgemeinschaften;Regelleistungsberechtigte;"
        "darunter: unter 15 Jahre;Erwerbsfähige Leistungsberechtigte;Arbeitslose",
    ]
    columns = ("bg", "rlb", "rlb_under15", "elb", "unemployed")
    for i, muni in enumerate(_COUNTY_MUNIS):
        values = [str(stats[c][i]) for c in columns]
        if muni.code == "008":  # Heimbrück: small counts anonymised
            values[2] = "*"
            values[4] = "*"
        lines.append(f"{_genesis_name(muni)};{muni.county}{muni.code};{';'.join(values)}")
    lines += ["", "Hinweis: * = Zahlenwert anonymisiert",
              "© Statistik der Bundesagentur für Arbeit"]
    path.write_bytes((_EOL.join(lines) + _EOL).encode("utf-8-sig"))


def _content_bytes(path: Path) -> int:
    """Bytes of a file, or of the members of a ZIP (independent of the compressor)."""
    if path.suffix.lower() != ".zip":
        return path.stat().st_size
    with zipfile.ZipFile(path) as zf:
        return sum(info.file_size for info in zf.infolist())


def _write_readme(path: Path, files: dict[str, Path], seed: int, summary: dict) -> None:
    """Write the README of the sample directory.

    A ZIP is listed with the bytes of its members: the packed size depends on the zlib build
    (one archive came out 4 bytes smaller on another machine), the members do not.
    """
    rows = "\n".join(
        f"| `{p.name}` | {role} | {_content_bytes(p):,} |" for role, p in sorted(files.items())
    )
    text = f"""# Sample county: {COUNTY_NAME} — SYNTHETIC DATA

**Every file in this directory is SYNTHETIC.** The county, its municipalities, residents,
incomes and benefits are invented. The files only copy the *formats* of the real downloads
(Zensus 2022 grid cells, BKG VG250-EW, Regionaldatenbank table 73111-01-01-5, Statistik der
Bundesagentur für Arbeit), so that the pipeline can be run and tested without downloads and the
real files can replace these without code changes. Nothing here is an official statistic.

Generated by

    python -m tools.sample_county data/raw/sample --seed {seed}

(`tools/sample_county.py`, seed {seed}; any output directory can be given instead of
`data/raw/sample`; the same seed gives the same contents, and byte-identical files with the
same zlib build, which packs the ZIPs).

## The county

- Key `{COUNTY_KEY}`, "{COUNTY_NAME}", built like Kreis Düren (05358) and placed where it lies
  (around 6.48° E, 50.80° N): {summary['residents']:,} residents (true count before the
  Cell-Key perturbation), 15 municipalities,
  {summary['area_km2']:.0f} km², {summary['cells']:,} populated 100 m cells.
- County seat Rurstadt (about 90,000; river Rur and railway through it), Jülfeld (about 33,000),
  small towns and villages; fields and an open-cast mine in the north-west, forest and a
  reservoir (VG250 GF=2 water row) in the hilly south.
- Neighbouring fictional county `{NEIGHBOUR_KEY}` "{NEIGHBOUR_NAME}" with 3 municipalities
  east of it; its western part is in the grid files too, so readers must filter by county.
- Neighbourhood profiles (age, households, housing) follow settlement types, smooth random
  fields that ignore municipal borders, and barriers (north of the railway in Rurstadt: more
  foreigners and renters, lower rents; west bank of the Rur: younger). A new-build suburb
  straddles the Rurstadt/Merzbach border; in Kreuzbach the B 901 separates the old core from a
  new-build area.

## Files

| file | role | bytes (of the members, for a ZIP) |
|---|---|---|
{rows}

## Format notes (as in the real files)

- Zensus ZIPs hold `Zensus2022_<Thema>_100m-Gitter.csv` and `..._1km-Gitter.csv`; `;`,
  decimal comma, CRLF line ends, UTF-8 without BOM except `Energietraeger` (cp1252, en dash
  byte 0x96). IDs `CRS3035RES100mN<north>E<east>` (lower-left corner), `x_mp`/`y_mp` = centre.
- Cells with nothing to count are absent (no residents; for housing topics no dwellings; for
  buildings topics no buildings). Some cells have vacant dwellings but no residents; ten cells
  hold residents of homes (care homes, student residences) without private households or
  dwellings.
- Cell-Key style perturbation: totals and bands perturbed independently (bands do not add up;
  in a few tiny cells a band exceeds its total). The en dash `–` means zero for counts and
  missing for means and rates (also rates that are exactly 0, means over fewer than 3 persons,
  rent without rented dwellings). Age bands below 3 are shown as `–`. `KLAMMERN` marks some
  small cells.
- 1 km files aggregate the true 100 m values and are perturbed independently.
- `DE_VG250.gpkg`: layers `vg250_lan`, `vg250_krs`, `vg250_gem`, EPSG:25832, MultiPolygons,
  fields AGS, ARS, GEN, BEZ, GF, EWZ, KFL. Langerfeld (05399028) has two GF=4 rows (an
  exclave), Heimbrück (05399008) a GF=2 water row: filter GF=4 and dissolve by AGS. EWZ and KFL
  describe the whole municipality and repeat on each of its rows. The GeoPackages carry the
  fixed timestamp {_GPKG_DATE} (GDAL option OGR_CURRENT_DATE).
- `73111-01-01-5.csv`: Latin-1, title lines, header, unit line, county and municipality rows
  for 2019, special characters `.`, `()`, `p`, footer after `__________`.
- `sgb2_gemeinden.csv`: UTF-8 with BOM, title lines, `*` for anonymised values, footer
  `© Statistik der Bundesagentur für Arbeit`.
- `barrieren.gpkg`: layer `barrieren`, fields `typ` (hauptstrasse, bahn, fluss) and `name`.
- `ortsteile.gpkg`: layer `ortsteile`, the county's Ortsteile as points at the settlement
  centres (invented names), fields `AGS`, `Gemeinde`, `Ortsteil` (the name) and `Art`
  (Stadtteil, Ortsteil, Wohngebiet), EPSG:25832.
- `einrichtungen.gpkg`: layer `einrichtungen`, invented facilities near the Ortsteile as
  points, fields `Art` (Kita, Kindertagesstätte, Grundschule, Gesamtschule, Gymnasium,
  Jugendtreff, Jugendzentrum, Familienzentrum), `Name` and `AGS`, EPSG:25832.
"""
    path.write_text(text, encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------- entry points


def _origin() -> tuple[int, int]:
    """Origin of the local frame: (6.48° E, 50.80° N) in EPSG:3035, snapped to 1 km."""
    tr = Transformer.from_crs(WEB_CRS, GRID_CRS, always_xy=True)
    e, n = tr.transform(*_CENTRE_LONLAT)
    return int(round(e / 1000.0)) * 1000, int(round(n / 1000.0)) * 1000


def generate_sample_county(out_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the synthetic sample county into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Directory to write into (created if missing; existing sample files are replaced).
    seed : int, default 2022
        Seed of ``numpy.random.default_rng``; the same seed gives byte-identical files.

    Returns
    -------
    dict of str to Path
        Written files by role: ``zensus:<Thema>`` for each Zensus topic, ``vg250``,
        ``income``, ``sgb2``, ``barriers``, ``places``, ``facilities`` and ``readme``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    origin = _origin()
    barriers = _make_barriers(rng)
    polygons, lake = _municipality_polygons(rng, barriers)
    frame = _make_frame(rng, polygons, lake)
    settlements = _make_settlements(rng, frame, polygons)
    surface = _population_surface(rng, frame, settlements, barriers)
    cells, prof = _make_cells(rng, frame, surface, barriers, origin)
    stats = _municipal_statistics(rng, cells, prof)
    files = _write_zensus(out_dir, cells, rng, seed)
    # EWZ: true residents of the county's municipalities (exact integer sums), design
    # figures for the neighbours (only partly inside the grid frame)
    ewz = np.concatenate([stats["residents"], [m.ewz for m in _NEIGHBOUR_MUNIS]])
    files["vg250"] = out_dir / "DE_VG250.gpkg"
    _write_vg250(files["vg250"], polygons, lake, np.rint(ewz).astype(np.int64), origin, seed)
    files["income"] = out_dir / "73111-01-01-5.csv"
    _write_income(files["income"], stats, seed)
    files["sgb2"] = out_dir / "sgb2_gemeinden.csv"
    _write_sgb2(files["sgb2"], stats, seed)
    files["barriers"] = out_dir / "barrieren.gpkg"
    _write_barriers(files["barriers"], barriers, origin, seed)
    files["places"] = out_dir / "ortsteile.gpkg"
    _write_places(files["places"], settlements, polygons, origin, seed)
    files["facilities"] = out_dir / "einrichtungen.gpkg"
    _write_facilities(files["facilities"], files["places"], seed)
    in_county = (cells.muni >= 0) & (cells.muni < len(_COUNTY_MUNIS))
    summary = {
        "residents": int(stats["residents"].sum()),
        "cells": int((in_county & (cells.counts["pop"] > 0)).sum()),
        "area_km2": (sum(p.area for p in polygons[: len(_COUNTY_MUNIS)]) + lake.area) / 1e6,
    }
    _write_readme(out_dir / "README.md", files, seed, summary)
    files["readme"] = out_dir / "README.md"
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m tools.sample_county [OUT_DIR] [--seed N]``.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code 0.
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.sample_county",
        description=f"Write the SYNTHETIC sample county '{COUNTY_NAME}' in the "
                    "real Zensus, VG250, GENESIS and BA formats.")
    parser.add_argument("out_dir", nargs="?", type=Path,
                        default=REPO_ROOT / "data" / "raw" / "sample",
                        help="output directory (default: data/raw/sample in the repository)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    files = generate_sample_county(args.out_dir, seed=args.seed)
    total = sum(p.stat().st_size for p in files.values())
    print(f"wrote {len(files)} files ({total / 1e6:.1f} MB) to {args.out_dir} "
          f"in {time.perf_counter() - start:.1f} s (seed {args.seed}); all data are SYNTHETIC")
    for role, path in sorted(files.items()):
        print(f"  {role:55s} {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

