"""Typology of social spaces (:mod:`pipeline.indicators.typology`).

Matrix:
- two obvious groups of spaces (old, few owners vs young, many owners) with small noise:
  every pair of the same group in one type, never a type across the groups;
- ``k`` is the best silhouette among the ``k`` tried, within ``k_range``;
- the same profiles give the same types and names (Ward; k-means with the same seed);
- every type has a name, names are unique, named from the type's distinctive indicators;
- :func:`add_types` and :func:`describe_types`: columns, counts, residents;
- too few spaces, bad parameters.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import silhouette_score

from pipeline.indicators import load_catalog
from pipeline.indicators.typology import (
    TypologyParams,
    add_types,
    build_typology,
    describe_types,
)

KEYS = ["anteil_65plus", "anteil_unter18", "eigentuemerquote", "anteil_einpersonenhh",
        "sgb2_quote_gem", "bevoelkerungsdichte"]


def _profiles(seed=0, n_per_group=12):
    """Two groups of spaces: old, dense, tenants vs young families in owned homes."""
    rng = np.random.default_rng(seed)
    old = np.array([1.5, -1.2, -1.4, 1.3, 0.2, 1.0])
    young = -old
    rows = np.vstack([old + rng.normal(0, 0.15, (n_per_group, len(KEYS))),
                      young + rng.normal(0, 0.15, (n_per_group, len(KEYS)))])
    frame = pd.DataFrame(rows, columns=[f"{k}_z" for k in KEYS])
    frame.insert(0, "region", np.arange(len(frame)))
    frame.insert(1, "residents", 3000.0 + 10 * np.arange(len(frame)))
    frame["social_index"] = rows[:, 0] - rows[:, 2]
    frame["status_class"] = pd.array([2] * len(frame), dtype="Int64")
    return frame, np.repeat([0, 1], n_per_group)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog().only(KEYS)


def test_two_obvious_groups_are_kept_apart(catalog):
    profiles, group = _profiles()
    types = build_typology(profiles, catalog)
    for t in range(1, types.k + 1):
        assert len(set(group[types.labels == t])) == 1, f"type {t} mixes the two groups"


def test_k_is_the_best_silhouette_in_range(catalog):
    profiles, _ = _profiles()
    types = build_typology(profiles, catalog)
    assert 4 <= types.k <= 7
    assert sorted(types.silhouettes) == [4, 5, 6, 7]
    assert types.silhouettes[types.k] == max(types.silhouettes.values())
    features = profiles[[f"{k}_z" for k in KEYS]].to_numpy()
    labels = AgglomerativeClustering(n_clusters=types.k, linkage="ward").fit_predict(features)
    assert types.silhouettes[types.k] == pytest.approx(silhouette_score(features, labels))
    # and the types are that clustering, renumbered
    pairs = set(zip(labels.tolist(), types.labels.tolist(), strict=True))
    assert len(pairs) == types.k


@pytest.mark.parametrize("method", ["ward", "kmeans"], ids=["ward", "kmeans"])
def test_deterministic(catalog, method):
    profiles, _ = _profiles(seed=3)
    params = TypologyParams(method=method, random_state=7)
    a, b = build_typology(profiles, catalog, params), build_typology(profiles, catalog, params)
    assert a.labels.tolist() == b.labels.tolist() and a.names == b.names
    assert set(a.labels.tolist()) == set(range(1, a.k + 1))


def test_every_type_named_unique_from_its_distinctive_indicators(catalog):
    profiles, group = _profiles()
    types = build_typology(profiles, catalog)
    assert len(types.names) == types.k and all(types.names)
    assert len(set(types.names)) == types.k
    # a type of old spaces is named after the share 65+ being high or owners being low
    t_old = int(np.bincount(types.labels[group == 0]).argmax())
    name = types.names[t_old - 1]
    assert ("Anteil 65 Jahre und älter hoch" in name or "Eigentümerquote niedrig" in name
            or "Anteil Einpersonenhaushalte hoch" in name), name
    t_young = int(np.bincount(types.labels[group == 1]).argmax())
    assert "niedrig" in types.names[t_young - 1] or "hoch" in types.names[t_young - 1]
    assert "(Gemeindewert)" not in " ".join(types.names)


def test_types_numbered_by_social_index(catalog):
    profiles, _ = _profiles()
    types = build_typology(profiles, catalog)
    means = [profiles["social_index"][types.labels == t].mean() for t in range(1, types.k + 1)]
    assert means == sorted(means)


def test_add_types_and_table(catalog):
    profiles, _ = _profiles()
    types = build_typology(profiles, catalog)
    out = add_types(profiles, types)
    assert "typ" not in profiles.columns  # input untouched
    cols = list(out.columns)
    assert cols[cols.index("status_class") + 1:cols.index("status_class") + 3] == [
        "typ", "typ_name"]
    table = describe_types(out, catalog)
    assert table["typ"].tolist() == list(range(1, types.k + 1))
    assert table["sozialraeume"].sum() == len(profiles)
    assert table["einwohner"].sum() == pytest.approx(profiles["residents"].sum())
    assert table["typ_name"].tolist() == list(types.names)
    assert table["merkmale"].str.len().gt(0).all()
    old = table.loc[table["anteil_65plus_z"].idxmax(), "merkmale"]
    assert old.startswith("hoch: ") and "Anteil 65 Jahre und älter" in old


def test_few_spaces(catalog):
    profiles, _ = _profiles(n_per_group=2)  # 4 spaces: k from 2 to 3
    types = build_typology(profiles, catalog)
    assert 2 <= types.k <= 3 and len(set(types.names)) == types.k
    one = build_typology(profiles.iloc[:2], catalog)
    assert one.k == 1 and one.labels.tolist() == [1, 1]


@pytest.mark.parametrize("kwargs, match", [
    ({"k_range": (1, 3)}, "k_range"),
    ({"k_range": (5, 4)}, "k_range"),
    ({"method": "dbscan"}, "method must be one of"),
    ({"redundant": 0.0}, "redundant"),
], ids=["k-one", "k-reversed", "method", "redundant"])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TypologyParams(**kwargs)


def test_bad_inputs(catalog):
    with pytest.raises(TypeError, match="profiles must be a DataFrame"):
        build_typology([1, 2], catalog)
    with pytest.raises(ValueError, match="no '<key>_z' column"):
        build_typology(pd.DataFrame({"x": [1.0, 2.0]}), catalog)
