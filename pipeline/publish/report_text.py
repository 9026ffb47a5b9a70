"""Texts of the report (German, English) and the German names of its figures and inputs.

The report is written for a Kreistag committee: everything a planner reads is German prose
(:data:`TEXT` ``"de"``; ``"en"`` for English readers). :data:`QUALITY` and
:data:`PARAMETERS` name the run's quality figures and parameters in words, with their units,
so the method section never shows a raw key; :func:`input_role` names the input files.
"""

from __future__ import annotations

__all__ = ["PARAMETERS", "QUALITY", "TEXT", "input_role"]

TEXT = {
    "de": {
        "title": "Sozialraumbericht",
        "summary": "Auf einen Blick", "index": "Sozialindex", "types": "Typologie",
        "themes": "Themenkarten", "spaces": "Steckbriefe der Sozialräume",
        "changes": "Änderungen", "method": "Methode und Qualität",
        "toc": "Inhalt",
        "summary_text": (
            "Der Kreis ist in {n} Sozialräume gegliedert, in denen {residents} Einwohnerinnen "
            "und Einwohner leben (je Sozialraum {lo} bis {hi}). Der Sozialindex zeigt den "
            "sozialen Handlungsbedarf eines Sozialraums im Vergleich mit den übrigen "
            "Sozialräumen des Kreises: {c4} Sozialräume haben sehr hohen, {c3} hohen, {c2} "
            "mittleren und {c1} geringen Handlungsbedarf."),
        "summary_top": "Den höchsten Sozialindex haben {names}.",
        "summary_types": ("Die Typologie fasst Sozialräume mit ähnlichem Profil zu {k} Typen "
                          "zusammen; der größte ist „{largest}“ mit {n_largest} Sozialräumen."),
        "index_map": "Sozialindex der Sozialräume",
        "index_legend": "Sozialindex (höher = mehr Bedarf)",
        "map_numbers": ("Die Zahlen in der Karte sind die Nummern der Sozialräume "
                        "(Tabelle unten, Steckbriefe)."),
        "inset": "Ausschnitt {name}", "inset_caption": "Ausschnitt {name}, vergrößert",
        "type_map": "Typen der Sozialräume",
        "key_head": ("Nr.", "Sozialraum", "Kennung", "Einwohner", "Sozialindex",
                     "Rang", "Handlungsbedarf", "Typ"),
        "key_caption": ("Rang 1 = höchster Sozialindex, also höchster Handlungsbedarf. Zum "
                        "Sortieren auf eine Spaltenüberschrift klicken."),
        "index_intro": (
            "Der Sozialindex fasst die Indikatoren zusammen, die sozialen Handlungsbedarf "
            "anzeigen. Er vergleicht die Sozialräume innerhalb des Kreises, nicht mit "
            "anderen Kreisen oder Jahren."),
        "index_method": (
            "So wird er berechnet: Jeder der {m} Indikatoren wird über die {n} Sozialräume "
            "standardisiert (z-Wert: Abstand vom Mittel der Sozialräume in "
            "Standardabweichungen; jeder Sozialraum zählt einmal, gleich wie viele "
            "Einwohner er hat). Indikatoren, bei denen ein höherer Wert weniger Bedarf "
            "bedeutet, gehen mit umgekehrtem Vorzeichen ein. Der Mittelwert dieser z-Werte "
            "über die Indikatoren, die ein Sozialraum hat, wird noch einmal über die "
            "Sozialräume standardisiert: das ist der Sozialindex, mit Mittel 0 und "
            "Standardabweichung 1. Je höher der Sozialindex, desto höher der soziale "
            "Handlungsbedarf; 0 ist der Durchschnitt der Sozialräume. Nach dem Vorbild des "
            "Berliner Monitorings Soziale Stadtentwicklung wird er in vier Klassen "
            "eingeteilt: {classes}."),
        "index_members_head": ("Indikator", "Richtung", "Kreiswert"),
        "more_need": "höherer Wert = mehr Bedarf", "less_need": "höherer Wert = weniger Bedarf",
        "class_ranges": ("{0} bis {1}", "{2} über {1} bis {3}", "{4} über {3} bis {5}",
                         "{6} über {5}"),
        "classes_head": ("Klasse", "Sozialindex", "Sozialräume", "Einwohner"),
        "index_empty": "Kein berechneter Indikator hat eine Richtung: der Sozialindex ist leer.",
        "types_intro": (
            "Sozialräume mit ähnlichem Profil über alle Indikatoren bilden einen Typ. "
            "Kennzeichnend sind die Indikatoren, in denen der Typ im Mittel am stärksten vom "
            "Durchschnitt der Sozialräume abweicht (mittlere z-Werte, „hoch“ ab +0,5, "
            "„niedrig“ ab −0,5). Typ 1 hat den geringsten mittleren Sozialindex."),
        "types_head": ("Typ", "Name", "Sozialräume", "Einwohner", "Kennzeichnende Indikatoren"),
        "types_method": (
            "Die Typologie gruppiert die Sozialräume nach ihrem ganzen Profil: alle {m} "
            "Indikatoren als z-Werte, gleich gewichtet (fehlende Werte zählen als Mittel), "
            "{how}. Von {lo} bis {hi} Typen wird die Zahl mit dem besten mittleren "
            "Silhouettenwert gewählt (Rousseeuw 1987; hier {k} Typen, Silhouette {sil}; "
            "1 = klar getrennte, 0 = sich überlappende Typen). Die Typen sind nach ihrem "
            "mittleren Sozialindex nummeriert und nach ihren kennzeichnenden Indikatoren "
            "benannt."),
        "ward": "hierarchisch nach Ward geclustert",
        "kmeans": "mit k-Means geclustert (fester Startwert {seed})",
        "themes_intro": ("Ausgewählte Indikatoren je Sozialraum, in fünf Klassen mit etwa "
                         "gleich vielen Sozialräumen. Der Kreiswert steht unter jeder Karte."),
        "county_value": "Kreiswert", "no_value": "kein Wert",
        "spaces_intro": (
            "Je Sozialraum zwei Seiten: die Lage mit den Nachbarräumen, die Kennzahlen, der "
            "Typ und der Handlungsbedarf; dann alle Indikatoren mit Wert, Kreiswert und Rang "
            "unter den {n} Sozialräumen (Rang 1 = höchster Wert des Indikators) und ein "
            "Diagramm der Abweichungen vom Durchschnitt der Sozialräume."),
        "no": "Nr.", "residents": "Einwohner", "area": "Fläche",
        "settled": "davon besiedelt", "municipalities": "Gemeinden",
        "status": "Handlungsbedarf", "type": "Typ", "index_rank": "Rang beim Sozialindex",
        "rank_of": "{r} von {n}", "highest_need": "Rang 1 = höchster Bedarf",
        "compact": "Kompaktheit der Fläche",
        "neighbours": "Nachbarräume",
        "facts": "Kennzahlen",
        "chart": "Abweichung vom Durchschnitt der Sozialräume (z-Wert)",
        "chart_axis": "z-Wert: Standardabweichungen vom Mittel der Sozialräume",
        "chart_note": ("Rot: mehr Bedarf als im Durchschnitt, grün: weniger (Indikatoren des "
                       "Sozialindex); blau: Indikatoren ohne Richtung. Werte über ±3 sind am "
                       "Rand abgeschnitten."),
        "indicators": "Indikatoren",
        "indicators_head": ("Indikator", "Wert", "Kreiswert", "Rang", "z-Wert"),
        "rank_note": ("Rang 1 = höchster Wert des Indikators unter den {n} Sozialräumen; "
                      "z-Wert: Abstand vom Mittel der Sozialräume in Standardabweichungen "
                      "(das Diagramm auf der Seite davor)."),
        "location": "Lage von Nr. {no} {name} (orange) mit den Nachbarräumen",
        "changes_intro": ("Gegenüber der letzten Veröffentlichung; bleiben alle Kriterien "
                          "erfüllt, bleibt ein Sozialraum unverändert (Pflegemodus)."),
        "changes_none": "Alle Sozialräume sind unverändert.",
        "changes_head": ("Kennung", "Änderung", "Einwohner abgegeben", "Einwohner aufgenommen",
                         "an", "von", "Grund"),
        "changes_count": "{what}: {n}",
        "data": "Datengrundlage", "forming": "Wie die Sozialräume gebildet werden",
        "quality": "Qualität der Gliederung", "smoothing": "Geglättete Grenzen",
        "inputs": "Eingangsdaten", "sources": "Datenquellen", "software": "Software",
        "parameters_intro": "Die Gliederung folgt diesen Vorgaben:",
        "quality_head": ("Kennzahl", "Wert", "Bedeutung"),
        "inputs_head": ("Daten", "Datei", "Prüfsumme (SHA-256, Anfang)"),
        "skipped": "Nicht berechnete Indikatoren (fehlende Eingangsdaten)",
        "intro": ("Die Sozialräume sind aus den bewohnten 100-m-Gitterzellen des Zensus 2022 "
                  "gebildet: zusammenhängend, mit Mindest- und Höchsteinwohnerzahl und "
                  "innerlich möglichst ähnlich. Unbewohnte Flächen sind dem nächsten "
                  "Sozialraum zugeschlagen, damit die Karte den ganzen Kreis lückenlos "
                  "abdeckt; alle Kennzahlen zählen nur Einwohner."),
        "intro_units": ("Die Sozialräume sind aus den bewohnten Gebietseinheiten (Baublöcken) "
                        "des Kreises gebildet, jeder Sozialraum aus ganzen Einheiten: "
                        "zusammenhängend, mit Mindest- und Höchsteinwohnerzahl und innerlich "
                        "möglichst ähnlich. Unbewohnte Einheiten gehören zum angrenzenden "
                        "Sozialraum; alle Kennzahlen zählen nur Einwohner."),
        "notes": ("Werte mit der Endung „(Gemeindewert)“ sind Gemeindewerte, nach "
                  "Einwohnern auf die Sozialräume verteilt, keine kleinräumigen Messungen. "
                  "Zellen mit weniger als 3 Einwohnern tragen keine Indikatorwerte."),
        "notes_units": ("Werte mit der Endung „(Gemeindewert)“ sind Gemeindewerte, nach "
                        "Einwohnern auf die Sozialräume verteilt, keine kleinräumigen "
                        "Messungen. Einheiten mit weniger als 3 Einwohnern tragen keine "
                        "Indikatorwerte."),
        "smoothing_text": (
            "Für die Karte werden die treppenförmigen Zellgrenzen mit einer Toleranz von "
            "{tol} geglättet. Dabei {cells} mit {residents} "
            "({share} aller Einwohner) ganz oder überwiegend in das Polygon eines "
            "Nachbarraums. Ihre Einwohner zählen weiter für ihren eigenen Sozialraum; die "
            "Karte zeigt, wo sie liegen."),
        "smoothing_none": ("Die Grenzen sind nicht geglättet; jede bewohnte Zelle liegt im "
                           "Polygon ihres Sozialraums."),
        "smoothing_cells": ("gerät {n} bewohnte Zelle", "geraten {n} bewohnte Zellen"),
        "smoothing_residents": ("{n} Einwohner", "{n} Einwohnern"),
        "smoothing_zero": ("Die Grenzen sind mit einer Toleranz von {tol} geglättet; dabei "
                           "gerät keine bewohnte Zelle in das Polygon eines Nachbarraums."),
        "smoothing_map": "Zellen, deren Einwohner nach der Glättung im Polygon eines "
                         "Nachbarraums liegen",
        "smoothing_legend": "Zelle im Polygon eines Nachbarraums ({n})",
        "spaces_legend": "Sozialräume",
        "yes": "ja", "no_": "nein",
        "status_names": ("gering", "mittel", "hoch", "sehr hoch"),
    },
    "en": {
        "title": "Social space report",
        "summary": "At a glance", "index": "Social index", "types": "Typology",
        "themes": "Theme maps", "spaces": "Profiles of the social spaces",
        "changes": "Changes", "method": "Method and quality", "toc": "Contents",
        "summary_text": (
            "The county is divided into {n} social spaces with {residents} residents ({lo} to "
            "{hi} each). The social index shows the social need of a space compared with the "
            "county's other spaces: {c4} spaces have very high, {c3} high, {c2} medium and "
            "{c1} low need."),
        "summary_top": "The highest social index: {names}.",
        "summary_types": ("The typology groups spaces with a similar profile into {k} types; "
                          "the largest is '{largest}' with {n_largest} spaces."),
        "index_map": "Social index of the social spaces",
        "index_legend": "Social index (higher = more need)",
        "map_numbers": "Numbers on the map are the social spaces' numbers (table below).",
        "inset": "Inset {name}", "inset_caption": "Inset {name}, enlarged",
        "type_map": "Types of social spaces",
        "key_head": ("No.", "Social space", "ID", "Residents", "Social index", "Rank", "Need",
                     "Type"),
        "key_caption": "Rank 1 = highest social index (most need). Click a header to sort.",
        "index_intro": ("The social index combines the indicators of social need. It compares "
                        "the spaces within the county, not with other counties or years."),
        "index_method": (
            "Each of the {m} indicators is standardized over the county's {n} social spaces "
            "(z-score, each space counting once); indicators where a higher value means less "
            "need enter with the opposite sign. The mean of these z-scores is standardized "
            "again over the spaces: that is the social index, mean 0 and standard deviation "
            "1; the higher, the more social need. As in Berlin's Monitoring Soziale "
            "Stadtentwicklung it is cut into four classes: {classes}."),
        "index_members_head": ("Indicator", "Direction", "County value"),
        "more_need": "higher = more need", "less_need": "higher = less need",
        "class_ranges": ("{0} up to {1}", "{2} above {1} up to {3}", "{4} above {3} up to {5}",
                         "{6} above {5}"),
        "classes_head": ("Class", "Social index", "Spaces", "Residents"),
        "index_empty": "No computed indicator has a direction: the social index is empty.",
        "types_intro": ("Social spaces with a similar profile over every indicator form a "
                        "type; distinctive are the indicators whose mean z-score departs most "
                        "from the average space (at least ±0.5). Type 1 has the lowest mean "
                        "social index."),
        "types_head": ("Type", "Name", "Social spaces", "Residents", "Distinctive indicators"),
        "types_method": (
            "The typology groups the social spaces by their whole profile: all {m} indicators "
            "as z-scores, weighted equally (missing values count as the mean), {how}. Among "
            "{lo} to {hi} types the number with the best mean silhouette is kept (Rousseeuw "
            "1987; here {k} types, silhouette {sil}). Types are numbered by their mean social "
            "index and named after their distinctive indicators."),
        "ward": "clustered hierarchically by Ward's method",
        "kmeans": "clustered by k-means (fixed seed {seed})",
        "themes_intro": ("Selected indicators per social space in five classes of about equal "
                         "size; the county value is given below each map."),
        "county_value": "County value", "no_value": "no value",
        "spaces_intro": ("Two pages per social space: location, key figures, type and need; "
                         "then every indicator with value, county value and rank among the "
                         "{n} spaces (rank 1 = highest value) and a chart of z-scores."),
        "no": "No.", "residents": "Residents", "area": "Area", "settled": "settled",
        "municipalities": "Municipalities", "status": "Need", "type": "Type",
        "index_rank": "Rank of the social index", "rank_of": "{r} of {n}",
        "highest_need": "rank 1 = most need", "compact": "Compactness of the area",
        "neighbours": "Neighbours", "facts": "Key figures",
        "chart": "Departure from the average social space (z-score)",
        "chart_axis": "z-score: standard deviations from the mean of the spaces",
        "chart_note": ("Red: more need than average, green: less (index indicators); blue: "
                       "indicators without direction. Values beyond ±3 are cut at the edge."),
        "indicators": "Indicators",
        "indicators_head": ("Indicator", "Value", "County value", "Rank", "z-score"),
        "rank_note": "Rank 1 = highest value of the indicator among the {n} spaces.",
        "location": "Location of no. {no} {name} (orange) with its neighbours",
        "changes_intro": ("Against the last publication; a social space that still meets "
                          "every criterion is kept unchanged (maintenance mode)."),
        "changes_none": "Every social space is unchanged.",
        "changes_head": ("ID", "Change", "Residents given", "Residents taken", "to", "from",
                         "Reason"),
        "changes_count": "{what}: {n}",
        "data": "Data", "forming": "How the social spaces are formed",
        "quality": "Quality of the partition", "smoothing": "Smoothed boundaries",
        "inputs": "Inputs", "sources": "Data sources", "software": "Software",
        "parameters_intro": "The partition follows these settings:",
        "quality_head": ("Figure", "Value", "Meaning"),
        "inputs_head": ("Data", "File", "Checksum (SHA-256, start)"),
        "skipped": "Indicators not computed (inputs missing)",
        "intro": ("Social spaces are built from the populated 100 m grid cells of the 2022 "
                  "census: contiguous, within population bounds and internally similar. "
                  "Unpopulated land is given to the nearest social space so that the map "
                  "covers the whole county; all figures count residents only."),
        "intro_units": ("Social spaces are built from the county's populated units "
                        "(statistical blocks), each space from whole units: contiguous, "
                        "within population bounds and internally similar. Unpopulated units "
                        "belong to the adjacent social space; all figures count residents "
                        "only."),
        "notes": ("Values marked '(municipal value)' are municipal figures spread to the "
                  "social spaces by residents, not small-area measurements. Cells with "
                  "fewer than 3 residents carry no indicator values."),
        "notes_units": ("Values marked '(municipal value)' are municipal figures spread to "
                        "the social spaces by residents, not small-area measurements. Units "
                        "with fewer than 3 residents carry no indicator values."),
        "smoothing_text": (
            "For the map the staircase cell boundaries are smoothed with a tolerance of {tol}. "
            "{cells} with {residents} ({share} of all) thereby end up in a neighbouring "
            "space's polygon. Their residents still count for their own space; the map shows "
            "where they lie."),
        "smoothing_cells": ("{n} populated cell", "{n} populated cells"),
        "smoothing_residents": ("{n} resident", "{n} residents"),
        "smoothing_none": "Boundaries are not smoothed; every cell lies in its space's polygon.",
        "smoothing_zero": ("Boundaries are smoothed with a tolerance of {tol}; no populated "
                           "cell falls into a neighbouring polygon."),
        "smoothing_map": "Cells whose residents lie in a neighbouring polygon after smoothing",
        "smoothing_legend": "Cell in a neighbouring polygon ({n})",
        "spaces_legend": "Social spaces",
        "yes": "yes", "no_": "no",
        "status_names": ("low", "medium", "high", "very high"),
    },
}

#: Quality figures of the partition (``qualitaet``) and the tiling (``kachelung``) in words:
#: key -> (German name, German meaning, English name, English meaning). Figures not listed
#: here are not shown; ``ssw``/``sst`` are folded into R², areas into the tiling line.
QUALITY = {
    "n_units": ("Bewohnte Zellen", "Bausteine der Gliederung",
                "Populated cells", "building blocks of the partition"),
    "population_range": ("Einwohner je Sozialraum", "kleinster bis größter Sozialraum",
                         "Residents per space", "smallest to largest space"),
    "population_cv": ("Streuung der Einwohnerzahlen",
                      "Variationskoeffizient: Standardabweichung in % des Mittels",
                      "Spread of populations", "coefficient of variation"),
    "bounds": ("Außerhalb der Einwohnergrenzen",
               "Sozialräume unter der Mindest- oder über der Höchstzahl",
               "Outside the population bounds", "spaces below the floor or above the cap"),
    "contiguous": ("Zusammenhängend", "Sozialräume aus einem Stück (über Nachbarzellen)",
                   "Contiguous", "spaces in one piece"),
    "r2": ("Innere Ähnlichkeit (R²)",
           "Anteil der Unterschiede zwischen den Zellen in den Gliederungsmerkmalen, den die "
           "Gliederung erklärt (0 = keiner, 1 = jeder Sozialraum in sich gleich)",
           "Homogeneity (R²)", "share of the cells' differences the partition explains"),
    "polygon_compactness": (
        "Kompaktheit der Kartenfläche",
        "Polsby-Popper-Quotient 4π·Fläche/Umfang² des Polygons (1 = Kreis, 0,79 = Quadrat); "
        "Mittel und kleinster Wert, Spalte „kompaktheit“ der GeoPackage",
        "Compactness of the mapped area",
        "Polsby-Popper 4π·area/perimeter² of the polygon (1 = disc); mean and minimum"),
    "cell_compactness": (
        "Kompaktheit der bewohnten Zellen",
        "derselbe Quotient für die bewohnten Zellen allein (ohne unbewohnte Flächen, daher "
        "zerklüftet und viel kleiner); Mittel und kleinster Wert",
        "Compactness of the populated cells",
        "the same quotient for the populated cells alone (ragged, hence much smaller)"),
    "barriers": ("Grenzen an Barrieren",
                 "Zellnachbarschaften über eine Barriere (Hauptstraße, Bahn, Fluss), an denen "
                 "zwei Sozialräume aneinandergrenzen, von allen über eine Barriere",
                 "Boundaries on barriers",
                 "neighbour links across a barrier that separate two spaces, of all such"),
    "regions_crossing_parents": ("Über Gemeindegrenzen",
                                 "Sozialräume mit Einwohnern aus mehr als einer Gemeinde",
                                 "Across municipal borders",
                                 "spaces with residents from more than one municipality"),
    "tiling": ("Lückenlose Abdeckung",
               "Polygone decken den Kreis ohne Lücken und Überschneidungen ab (Fläche der "
               "Lücken, Überschneidungen und Teile außerhalb zusammen)",
               "Complete coverage", "polygons cover the county without gaps and overlaps"),
    "multipart": ("Mehrteilige Sozialräume", "Polygone aus mehr als einer Teilfläche",
                  "Multipart spaces", "polygons with more than one part"),
}

#: Region parameters in words: key -> (German, English).
PARAMETERS = {
    "min_population": ("Mindestzahl der Einwohner je Sozialraum", "Minimum residents per space"),
    "max_population": ("Höchstzahl der Einwohner je Sozialraum", "Maximum residents per space"),
    "n_regions": ("Zahl der Sozialräume", "Number of social spaces"),
    "contiguity": ("Nachbarschaft der Zellen", "Neighbourhood of cells"),
    "bridge_distance": ("Getrennte Siedlungen verbunden bis", "Separate settlements joined up to"),
    "barrier_weight": ("Gewicht der Barrieren (0 = nicht beachtet)",
                       "Weight of barriers (0 = ignored)"),
    "compactness_weight": ("Gewicht der Kompaktheit (0 = nur Ähnlichkeit)",
                           "Weight of compactness (0 = similarity only)"),
    "nested": ("Gemeindegrenzen", "Municipal borders"),
    "seed": ("Startwert des Zufallsgenerators (gleiche Daten und Startwert = gleiches "
             "Ergebnis)", "Random seed (same data and seed = same result)"),
    "simplify_m": ("Glättung der Grenzen (Toleranz)", "Boundary smoothing (tolerance)"),
}

_ROLES = {
    "vg250": "Verwaltungsgrenzen (VG250)", "barriers": "Barrieren (Straßen, Bahnen, Flüsse)",
    "income": "Lohn- und Einkommensteuerstatistik", "sgb2": "SGB-II-Statistik",
    "places": "Ortsnamen", "units": "Gebietseinheiten (Baublöcke)",
    "register": "Registerauszug", "facilities": "Einrichtungen",
}


def input_role(role: str) -> str:
    """The German name of an input file's role.

    ``zensus:Alter_in_5_Altersklassen`` becomes ``Zensus 2022: Alter in 5 Altersklassen``.
    """
    if role.startswith("zensus:"):
        return "Zensus 2022: " + role.split(":", 1)[1].replace("_", " ")
    head, _, rest = role.partition(":")
    name = _ROLES.get(head, head.replace("_", " "))
    return f"{name}: {rest.replace('_', ' ')}" if rest else name
