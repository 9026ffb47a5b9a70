"""Typology of social spaces: a handful of types found by clustering their profiles.

The features are the standardized indicator profiles of the social spaces (the ``<key>_z``
columns of :func:`pipeline.indicators.profiles.build_profiles`, every indicator counting
the same; a missing value counts as the county mean, z = 0). They are clustered

- with Ward's hierarchical method (default; deterministic, no random choice), or
- with k-means (``method="kmeans"``, ``n_init`` starts from ``random_state``),

for every ``k`` in ``k_range`` (default 4 to 7), and the ``k`` with the **best mean
silhouette** (Rousseeuw 1987) is kept; ties go to the smaller ``k``. The types are
numbered 1..k by their mean social index, least need first (then by size).

Every type is named in German, in a planner's words, from its **distinctive indicators**:
the indicators with the largest absolute mean z-score over the type's spaces (at least
0.25). Each indicator brings a short phrase per direction from the catalog (``type_high``
/ ``type_low``, e.g. "junge Familien", "Mietwohnungen"; without them its label with "hoch"
or "niedrig"), and the name joins the phrases of the two most distinctive ones, e.g.
"Neubau, junge Familien" or "Altbau, verdichtet", at most ``max_name`` (35) characters. An
indicator that goes with one already named (correlation above ``redundant`` across the
spaces, e.g. the share under 18 and the share under 6) is passed over, and when two types
would share a name the next distinctive phrase is added, so names are unique. Beside the
name, :func:`describe_types` gives the figures (``merkmale``) and a sentence
(``beschreibung``) for reports.

References
----------
Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and validation
of cluster analysis. Journal of Computational and Applied Mathematics 20, 53-65.
Ward, J. H. (1963). Hierarchical grouping to optimize an objective function. Journal of the
American Statistical Association 58, 236-244.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.indicators.catalog import Catalog

__all__ = ["TYPOLOGY_METHODS", "Typology", "TypologyParams", "add_types", "build_typology",
           "describe_types", "silhouette"]

#: Clustering methods of the typology.
TYPOLOGY_METHODS = ("ward", "kmeans")
#: Mean z-score from which an indicator counts as distinctive in a type's description.
_DISTINCT_Z = 0.5
#: Smallest absolute mean z-score of an indicator that may name a type.
_NAME_Z = 0.25
#: Name of a type without any indicator far enough from the county mean.
_AVERAGE = "durchschnittlich"


@dataclass(frozen=True)
class TypologyParams:
    """How the typology is found.

    Attributes
    ----------
    k_range : tuple of 2 ints, default (4, 7)
        Smallest and largest number of types tried; the best silhouette wins.
    method : {"ward", "kmeans"}, default "ward"
    random_state : int, default 0
        Seed of k-means (Ward uses none).
    n_name : int, default 2
        Distinctive indicators in a type's name (more only to make names unique).
    max_name : int, default 35
        Longest name in characters: a phrase that would make it longer is passed over.
    n_describe : int, default 3
        Distinctive indicators per sign in a type's description.
    redundant : float, default 0.8
        Correlation across the spaces above which an indicator is not named beside one
        already in the name.
    """

    k_range: tuple[int, int] = (4, 7)
    method: str = "ward"
    random_state: int = 0
    n_name: int = 2
    max_name: int = 35
    n_describe: int = 3
    redundant: float = 0.8

    def __post_init__(self) -> None:
        lo, hi = tuple(self.k_range)
        if not (isinstance(lo, int | np.integer) and isinstance(hi, int | np.integer)
                and 2 <= lo <= hi):
            raise ValueError(f"k_range must be two integers 2 <= lo <= hi, got {self.k_range!r}")
        if self.method not in TYPOLOGY_METHODS:
            raise ValueError(f"method must be one of {TYPOLOGY_METHODS}, got {self.method!r}")
        if self.n_name < 1 or self.n_describe < 1:
            raise ValueError(f"n_name and n_describe must be at least 1, got "
                             f"{self.n_name!r}, {self.n_describe!r}")
        if self.max_name < 10:
            raise ValueError(f"max_name must be at least 10 characters, got {self.max_name!r}")
        if not 0 < self.redundant <= 1:
            raise ValueError(f"redundant must be in (0, 1], got {self.redundant!r}")


@dataclass(frozen=True)
class Typology:
    """The types of the social spaces.

    Attributes
    ----------
    labels : ndarray of int
        Type 1..k of every row of the profiles.
    k : int
    silhouettes : dict of int to float
        Mean silhouette of every ``k`` tried (the criterion).
    names : tuple of str
        Name of type 1..k (unique).
    table : DataFrame
        :func:`describe_types` of the types.
    keys : tuple of str
        The indicators clustered.

    ``descriptions`` gives the sentence describing type 1..k (the table's ``beschreibung``).
    """

    labels: np.ndarray
    k: int
    silhouettes: dict = field(default_factory=dict)
    names: tuple = ()
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    keys: tuple = ()

    @property
    def descriptions(self) -> tuple[str, ...]:
        """The description sentence of type 1..k."""
        if "beschreibung" not in self.table:
            return ()
        return tuple(self.table.sort_values("typ")["beschreibung"].astype(str))

    def __repr__(self) -> str:
        sizes = np.bincount(self.labels, minlength=self.k + 1)[1:].tolist()
        best = self.silhouettes.get(self.k, float("nan"))
        return (f"<Typology: {len(self.labels)} spaces, {self.k} types {sizes}, "
                f"silhouette {best:.3f}, {len(self.keys)} indicators>")


def build_typology(profiles: pd.DataFrame, catalog: Catalog,
                   params: TypologyParams | None = None) -> Typology:
    """Cluster the social spaces' standardized profiles into named types.

    Parameters
    ----------
    profiles : DataFrame
        One row per social space with ``<key>_z`` columns (``build_profiles`` output);
        ``residents`` and ``social_index`` are used when present.
    catalog : Catalog
        Indicators to cluster (those with a ``_z`` column) and their labels.
    params : TypologyParams, optional

    Returns
    -------
    Typology

    Notes
    -----
    With fewer spaces than ``k_range`` needs (at least ``k + 1``), every ``k`` from 2 up
    to one less than the number of spaces is tried; with 2 spaces or fewer, or no spread
    in the profiles, all spaces are one type.

    Examples
    --------
    >>> from pipeline.indicators import load_catalog
    >>> cat = load_catalog().only(["anteil_65plus", "eigentuemerquote"])
    >>> z = [-1.0, -1.1, -0.9, 1.0, 1.1, 0.9, 0.0, 0.1, -0.1, 2.0]
    >>> p = pd.DataFrame({"anteil_65plus_z": z, "eigentuemerquote_z": z[::-1]})
    >>> build_typology(p, cat, TypologyParams(k_range=(2, 3))).k
    3
    """
    params = TypologyParams() if params is None else params
    features, keys = _check(profiles, catalog, params)
    silhouettes, labels = _cluster(features, params)
    labels = _order(labels, profiles)
    k = int(labels.max())
    phrase = {key: _phrases(catalog[key]) for key in keys}
    names = _names(features, labels, keys, phrase, params)
    table = describe_types(profiles.assign(typ=labels, typ_name=np.asarray(names)[labels - 1]),
                           catalog, keys=keys, n_describe=params.n_describe)
    return Typology(labels, k, silhouettes, tuple(names), table, tuple(keys))


def add_types(profiles: pd.DataFrame, typology: Typology) -> pd.DataFrame:
    """A copy of ``profiles`` with ``typ`` (1..k) and ``typ_name`` after ``status_class``."""
    if len(typology.labels) != len(profiles):
        raise ValueError(f"typology has {len(typology.labels)} labels for "
                         f"{len(profiles)} profiles")
    out = profiles.copy()
    at = list(out.columns).index("status_class") + 1 if "status_class" in out else len(out.columns)
    out.insert(at, "typ", pd.array(typology.labels, dtype="Int64"))
    out.insert(at + 1, "typ_name", np.asarray(typology.names, dtype=object)[typology.labels - 1])
    return out


def describe_types(profiles: pd.DataFrame, catalog: Catalog, *,
                   keys=None, n_describe: int = 3, residents: str | None = None) -> pd.DataFrame:
    """One row per type: name, spaces, residents, distinctive indicators, mean z-scores.

    Parameters
    ----------
    profiles : DataFrame
        With ``typ``, ``typ_name`` and ``<key>_z`` columns (profiles or the published
        ``sozialraeume`` layer).
    catalog : Catalog
    keys : sequence of str, optional
        Indicators described (default every catalog indicator with a ``_z`` column).
    n_describe : int, default 3
        Largest positive and negative mean z-scores listed (those of at least 0.5).
    residents : str, optional
        Residents column (default ``residents``, else ``einwohner``).

    Returns
    -------
    DataFrame
        ``typ``, ``typ_name``, ``sozialraeume``, ``einwohner``, ``merkmale`` (German text,
        e.g. "hoch: Anteil 65 Jahre und älter (+1,4); niedrig: Eigentümerquote (−0,9)"),
        ``beschreibung`` (a sentence for a report: "7 Sozialräume mit 22.000 Einwohnern;
        deutlich über dem Kreisdurchschnitt: ...; deutlich darunter: ..."), then
        ``<key>_z`` (mean z-score of the type's spaces).
    """
    for column in ("typ", "typ_name"):
        if column not in profiles.columns:
            raise ValueError(f"profiles have no column {column!r}")
    keys = [k for k in (catalog.keys if keys is None else keys) if f"{k}_z" in profiles]
    if residents is None:
        residents = "residents" if "residents" in profiles else "einwohner"
    typ = pd.to_numeric(profiles["typ"]).to_numpy()
    z = profiles[[f"{k}_z" for k in keys]].astype(float).fillna(0.0)
    means = z.groupby(typ).mean()
    rows = []
    for t, mean in means.iterrows():
        part = profiles[typ == t]
        order = mean.sort_values()
        high = [(c, v) for c, v in order[::-1].items() if v >= _DISTINCT_Z][:n_describe]
        low = [(c, v) for c, v in order.items() if v <= -_DISTINCT_Z][:n_describe]
        text = "; ".join(
            f"{word}: " + ", ".join(f"{_short_label(catalog[c[:-2]].label_de)} ({_z(v)})"
                                   for c, v in items)
            for word, items in (("hoch", high), ("niedrig", low)) if items)
        people = float(part[residents].sum()) if residents in part else np.nan
        rows.append({"typ": int(t), "typ_name": str(part["typ_name"].iloc[0]),
                     "sozialraeume": len(part), "einwohner": people,
                     "merkmale": text or "keine ausgeprägten Merkmale",
                     "beschreibung": _sentence(len(part), people, high, low, catalog)}
                    | mean.to_dict())
    return pd.DataFrame(rows)


# --- steps --------------------------------------------------------------------------------


def _check(profiles, catalog, params):
    if not isinstance(profiles, pd.DataFrame):
        raise TypeError(f"profiles must be a DataFrame, got {type(profiles).__name__}")
    if not isinstance(catalog, Catalog):
        raise TypeError(f"catalog must be a Catalog, got {type(catalog).__name__}")
    if not isinstance(params, TypologyParams):
        raise TypeError(f"params must be TypologyParams, got {type(params).__name__}")
    keys = [k for k in catalog.keys if f"{k}_z" in profiles.columns]
    if not keys:
        raise ValueError("profiles have no '<key>_z' column of a catalog indicator")
    features = profiles[[f"{k}_z" for k in keys]].to_numpy(np.float64)
    features = np.where(np.isfinite(features), features, 0.0)
    return features, keys


def _cluster(features: np.ndarray, params: TypologyParams) -> tuple[dict, np.ndarray]:
    """Labels 0..k-1 of the best silhouette over the k tried, and every k's silhouette.

    Ward's tree is built once (SciPy) and cut at every k; scikit-learn is imported only for
    k-means (its import alone takes longer than the whole typology of a county).
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(features)
    distinct = len(np.unique(features.round(12), axis=0))
    lo, hi = params.k_range
    ks = [k for k in range(lo, hi + 1) if k < min(n, distinct + 1)] or \
        list(range(2, min(n, distinct + 1)))
    if not ks:
        return {}, np.zeros(n, np.int64)
    scores, best = {}, None
    tree = linkage(features, method="ward") if params.method == "ward" else None
    distances = _distances(features)
    for k in ks:
        if tree is not None:
            labels = fcluster(tree, k, criterion="maxclust") - 1
        else:
            from sklearn.cluster import KMeans

            labels = KMeans(n_clusters=k, n_init=10,
                            random_state=params.random_state).fit_predict(features)
        if len(np.unique(labels)) < 2:
            continue
        scores[k] = silhouette(distances, labels)
        if best is None or scores[k] > scores[best[0]] + 1e-12:
            best = (k, labels)
    return scores, (np.zeros(n, np.int64) if best is None else best[1].astype(np.int64))


def _distances(features: np.ndarray) -> np.ndarray:
    """Euclidean distances between all rows (a county has at most a few hundred spaces)."""
    squared = (features ** 2).sum(axis=1)
    d2 = squared[:, None] + squared[None, :] - 2.0 * features @ features.T
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(np.maximum(d2, 0.0))


def silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette (Rousseeuw 1987) of a labelling from the distance matrix.

    For each item ``(b - a) / max(a, b)``, with ``a`` its mean distance to the others of its
    type and ``b`` the smallest mean distance to another type; 0 for a type of one, as in
    scikit-learn's ``silhouette_score``.
    """
    _, labels = np.unique(labels, return_inverse=True)
    k = int(labels.max()) + 1
    member = np.zeros((len(labels), k))
    member[np.arange(len(labels)), labels] = 1.0
    sizes = member.sum(axis=0)
    sums = distances @ member  # distance of each item to all items of each type
    own = sizes[labels]
    a = np.divide(sums[np.arange(len(labels)), labels], own - 1,
                  out=np.zeros(len(labels)), where=own > 1)
    others = sums / sizes
    others[np.arange(len(labels)), labels] = np.inf
    b = others.min(axis=1)
    top = np.maximum(a, b)
    s = np.divide(b - a, top, out=np.zeros(len(labels)), where=top > 0)
    return float(np.where(own > 1, s, 0.0).mean())


def _order(labels: np.ndarray, profiles: pd.DataFrame) -> np.ndarray:
    """Types numbered 1..k by mean social index (least need first), then size, first row."""
    index = (profiles["social_index"].to_numpy(np.float64) if "social_index" in profiles
             else np.zeros(len(labels)))
    keys = []
    for t in np.unique(labels):
        member = labels == t
        mean = np.nanmean(index[member]) if np.isfinite(index[member]).any() else 0.0
        keys.append((mean, -int(member.sum()), int(np.flatnonzero(member)[0]), t))
    new = {t: i + 1 for i, (*_, t) in enumerate(sorted(keys))}
    return np.array([new[t] for t in labels], dtype=np.int64)


def _names(features, labels, keys, phrase, params) -> list[str]:
    """A short, unique name per type from the phrases of its most distinctive indicators.

    Each type's indicators are ranked by the absolute mean z-score of its spaces (ties by
    catalog order), an indicator that correlates above ``redundant`` with one ranked
    before it is passed over, and only means of at least ``_NAME_Z`` count. The name joins
    the phrases of the first ``n_name``; where two types would share a name, or a phrase
    is too weak to tell them apart, the next phrase is added while the name stays within
    ``max_name`` characters; a name still shared is numbered ("... (Typ 3)").
    """
    k = int(labels.max())
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(features, rowvar=False)) if features.shape[1] > 1 \
            else np.ones((1, 1))
    corr = np.atleast_2d(corr)
    primary, ranked = [], []
    for t in range(1, k + 1):
        mean = features[labels == t].mean(axis=0)
        order = [j for j in sorted(range(len(keys)), key=lambda j: (-abs(mean[j]), j))
                 if abs(mean[j]) >= _NAME_Z]
        chosen: list[int] = []
        for j in order:
            if all(abs(corr[j, c]) <= params.redundant for c in chosen):
                chosen.append(j)
        words = [phrase[keys[j]][0 if mean[j] > 0 else 1] for j in chosen]
        primary.append(words)
        # to tell types apart, the redundant indicators may follow the others
        ranked.append(words + [phrase[keys[j]][0 if mean[j] > 0 else 1]
                               for j in order if j not in chosen])
    counts = [params.n_name] * k
    names = [_compose(w, params.n_name, params.max_name) for w in primary]
    while len(set(names)) < len(names):
        grow = [i for i, n in enumerate(names) if names.count(n) > 1
                and _compose(ranked[i], counts[i] + 1, params.max_name) != n]
        if not grow:
            break
        for i in grow:
            counts[i] += 1
            names[i] = _compose(ranked[i], counts[i], params.max_name)
    return [name if names.count(name) == 1 else f"{name} (Typ {t})"
            for t, name in enumerate(names, start=1)]


def _compose(phrases: list[str], n: int, max_name: int) -> str:
    """The first ``n`` phrases that fit into ``max_name`` characters, joined by commas."""
    taken: list[str] = []
    for phrase in phrases:
        if len(taken) == n:
            break
        if not taken or len(", ".join([*taken, phrase])) <= max_name:
            taken.append(phrase)
    return ", ".join(taken) if taken else _AVERAGE


def _phrases(indicator) -> tuple[str, str]:
    """The catalog's ``type_high`` / ``type_low`` phrases, else the label with hoch/niedrig."""
    label = _short_label(indicator.label_de)
    return (indicator.type_high or f"{label} hoch", indicator.type_low or f"{label} niedrig")


def _sentence(spaces: int, people: float, high, low, catalog: Catalog) -> str:
    """A type's description in German: its size, then what lies well above and below."""
    def listing(items) -> str:
        words = [_short_label(catalog[c[:-2]].label_de) for c, _ in items]
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " sowie " + words[-1]

    size = f"{spaces} Sozialraum" if spaces == 1 else f"{spaces} Sozialräume"
    if np.isfinite(people):
        size += f" mit {people:,.0f} Einwohnerinnen und Einwohnern".replace(",", ".")
    parts = ([f"deutlich über dem Kreisdurchschnitt: {listing(high)}"] if high else []) + \
        ([f"deutlich darunter: {listing(low)}"] if low else [])
    if not parts:
        parts = ["keine Kennzahl weicht deutlich vom Kreisdurchschnitt ab"]
    return f"{size}; " + "; ".join(parts) + "."


def _short_label(text: str) -> str:
    """A catalog label without parenthesised notes ("SGB-II-Quote (Gemeindewert)")."""
    return re.sub(r"\s*\([^)]*\)", "", str(text)).strip() or str(text)


def _z(v: float) -> str:
    return f"{v:+.1f}".replace(".", ",").replace("-", "−")
