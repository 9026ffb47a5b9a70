"""Typology of social spaces (:mod:`pipeline.indicators.typology`).

Matrix:
- two obvious groups of spaces (old, few owners vs young, many owners) with small noise:
  every pair of the same group in one type, never a type across the groups;
- ``k`` is the best silhouette among the ``k`` tried, within ``k_range``;
- the same profiles give the same types and names (Ward; k-means with the same seed);
- every type has a name, names are unique and at most 35 characters, made of the catalog's
  planner phrases (``type_high`` / ``type_low``) of the type's distinctive indicators in
  their direction; planted types get the expected names ("Neubau, junge Familien"), the
  description sentence its German numbers; without phrases the label with hoch/niedrig;
  a phrase too long in the catalog is refused;
- :func:`add_types` and :func:`describe_types`: columns, counts, residents;
- too few spaces, bad parameters.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import silhouette_score

from pipeline.errors import CatalogError
from pipeline.indicators import load_catalog
from pipeline.indicators.catalog import CATALOG_PATH
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


def _phrase_index(catalog):
    """Phrase -> (key, +1 for type_high / -1 for type_low) of the catalog."""
    index = {}
    for indicator in catalog:
        index[indicator.type_high] = (indicator.key, 1)
        index[indicator.type_low] = (indicator.key, -1)
    return index


def test_every_type_named_unique_from_its_distinctive_indicators(catalog):
    profiles, group = _profiles()
    types = build_typology(profiles, catalog)
    assert len(types.names) == types.k and all(types.names)
    assert len(set(types.names)) == types.k
    assert all(len(n) <= 35 for n in types.names), types.names
    # every phrase of a name is a catalog phrase in the direction of the type's mean z
    phrases = _phrase_index(catalog)
    for t, name in enumerate(types.names, start=1):
        parts = name.split(", ")
        assert 1 <= len(parts) <= 3, name
        for part in parts:
            key, sign = phrases[part]
            mean = profiles.loc[types.labels == t, f"{key}_z"].mean()
            assert np.sign(mean) == sign and abs(mean) >= 0.25, (name, part, mean)
    # the old spaces are named after their most distinctive indicator (65+ high)
    t_old = int(np.bincount(types.labels[group == 0]).argmax())
    assert types.names[t_old - 1].startswith("ältere Wohnlagen"), types.names
    t_young = int(np.bincount(types.labels[group == 1]).argmax())
    assert types.names[t_young - 1].startswith("wenige Ältere"), types.names
    assert "Gemeindewert" not in " ".join(types.names)


#: Planted types: new-build families, old dense centres, aged spaces, poverty.
PLANTED = {"gebaeude_ab2001": (2.0, -0.6, -0.3, -0.2), "anteil_unter18": (1.5, -0.3, -1.3, 0.3),
           "gebaeude_vor1949": (-0.6, 2.0, 0.0, 0.2),
           "bevoelkerungsdichte": (-0.4, 1.6, -0.5, 0.8),
           "anteil_65plus": (-0.5, 0.0, 2.2, -0.6), "sgb2_quote_gem": (0.0, 0.3, -0.2, 2.0)}


def _planted(seed=1, n=8):
    rng = np.random.default_rng(seed)
    centres = np.array(list(PLANTED.values())).T
    rows = np.vstack([c + rng.normal(0, 0.1, (n, len(PLANTED))) for c in centres])
    frame = pd.DataFrame(rows, columns=[f"{k}_z" for k in PLANTED])
    frame["residents"] = 3000.0
    frame["social_index"] = frame["sgb2_quote_gem_z"]
    return frame, np.repeat(np.arange(4), n)


def test_planted_types_get_planners_names():
    catalog = load_catalog().only(list(PLANTED))
    profiles, group = _planted()
    types = build_typology(profiles, catalog, TypologyParams(k_range=(4, 4)))
    names = {int(g): types.names[int(np.bincount(types.labels[group == g]).argmax()) - 1]
             for g in range(4)}
    assert names[0] == "Neubau, junge Familien"
    assert names[1].startswith("Altbau, ") and names[2].startswith("ältere Wohnlagen, ")
    assert names[3].startswith("hohe SGB-II-Quote, ")
    assert len(set(names.values())) == 4 and all(len(n) <= 35 for n in names.values())
    # the description sentence: size in German numbers, what lies above and below
    table = types.table.set_index("typ")
    text = table.loc[int(types.labels[0]), "beschreibung"]
    assert text.startswith("8 Sozialräume mit 24.000 Einwohnerinnen und Einwohnern; ")
    assert "über dem Kreisdurchschnitt: Anteil Gebäude mit Baujahr 2001" in text
    assert types.descriptions == tuple(table["beschreibung"])


def test_names_without_catalog_phrases_use_labels():
    catalog = load_catalog().only(list(PLANTED))
    bare = dataclasses.replace(catalog, indicators=tuple(
        dataclasses.replace(i, type_high="", type_low="") for i in catalog))
    profiles, group = _planted()
    types = build_typology(profiles, bare, TypologyParams(k_range=(4, 4), max_name=80))
    first = types.names[int(np.bincount(types.labels[group == 0]).argmax()) - 1]
    assert first.startswith("Anteil Gebäude mit Baujahr 2001 und später hoch"), first


def test_names_stay_short_and_unique_when_types_are_alike(catalog):
    """Many types of two groups: names grow by a phrase only to stay unique, within 35."""
    profiles, _ = _profiles(seed=5, n_per_group=20)
    types = build_typology(profiles, catalog, TypologyParams(k_range=(7, 7)))
    assert types.k == 7 and len(set(types.names)) == 7
    assert all(len(n.split(" (Typ")[0]) <= 35 for n in types.names), types.names


def test_catalog_type_phrases_checked(tmp_path):
    text = (CATALOG_PATH.read_text(encoding="utf-8")
            .replace("type_high: Neubau", "type_high: " + "sehr " * 8 + "viel Neubau"))
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"gebaeude_ab2001.*type_high must be a short"):
        load_catalog(path)
    phrases = [p for i in load_catalog() for p in (i.type_high, i.type_low)]
    assert all(phrases) and len(set(phrases)) == len(phrases)  # every phrase, each once


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


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(6, 90), st.integers(2, 9))
def test_ward_cut_and_silhouette_agree_with_scikit_learn(seed, n, dims):
    """The typology's Ward tree cut at k and its silhouette are scikit-learn's, computed
    without importing scikit-learn into the run."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import adjusted_rand_score

    from pipeline.indicators.typology import _distances, silhouette

    features = np.random.default_rng(seed).normal(size=(n, dims))
    tree = linkage(features, method="ward")
    for k in (2, 4, min(7, n - 1)):
        ours = fcluster(tree, k, criterion="maxclust") - 1
        theirs = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(features)
        assert adjusted_rand_score(ours, theirs) == 1.0
        assert silhouette(_distances(features), ours) == pytest.approx(
            silhouette_score(features, ours), abs=1e-9)
