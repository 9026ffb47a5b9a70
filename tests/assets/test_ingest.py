"""The ingest assets' checks on a copy of the sample county with edited municipal tables.

Matrix: the sample passes every ingest check; a BA row for a municipality the county does
not have and a municipality with 0 taxpayers warn (the run goes on, the problems are named);
an income file without the county's municipalities (a county-level table given by mistake)
fails the blocking check, and the indicators are not computed; a letter in a BA count fails
the step with the message naming file, line and column as its cause, and no stack trace.
Reader options in the county file (VG250 as BKG's ZIP with a field map, the SGB II rate's counts) reach the readers and the catalog.
"""

import pytest
from dagster import AssetSelection

from assets import indicators, ingest
from tests.helpers import copy_county, materialize_county


def _edit(path, old: str, new: str, encoding: str) -> None:
    text = path.read_text(encoding=encoding)
    assert old in text
    path.write_text(text.replace(old, new), encoding=encoding)


def _checks(result) -> dict:
    """Check evaluations by ``<asset>:<check>``."""
    return {f"{e.asset_key.path[-1]}:{e.check_name}": e
            for e in result.get_asset_check_evaluations()}


@pytest.fixture()
def county(sample_dir, tmp_path):
    return (*copy_county(sample_dir, tmp_path), tmp_path / "processed")


def _run(config, out, groups=(ingest.GROUP,)):
    """The assets of these groups with their checks, for the sample county."""
    return materialize_county(config, out, raise_on_error=False,
                              selection=AssetSelection.groups(*groups))


def test_the_sample_passes_every_ingest_check(county):
    config, _, out = county
    checks = _checks(_run(config, out))
    assert {"county_boundary:crs_as_expected", "municipal_income:matches_municipalities",
            "municipal_sgb2:matches_municipalities"} <= set(checks)
    assert all(e.passed for e in checks.values())


def test_unknown_municipality_and_zero_taxpayers_warn(county):
    config, raw, out = county
    _edit(raw / "sgb2_gemeinden.csv", "Kreuzbach;05399024;", "Kreuzbach;05399099;", "utf-8-sig")
    _edit(raw / "73111-01-01-5.csv", "2019;05399016;Indenich;4114;", "2019;05399016;Indenich;0;",
          "latin-1")
    result = _run(config, out)
    assert result.success
    checks = _checks(result)
    sgb2 = checks["municipal_sgb2:matches_municipalities"]
    assert not sgb2.passed and sgb2.severity.value == "WARN"
    assert sgb2.metadata["problems"].value == {"unknown": ["05399099"], "missing": ["05399024"]}
    income = checks["municipal_income:matches_municipalities"]
    assert not income.passed and income.severity.value == "WARN"
    assert income.metadata["problems"].value == {"zero:taxpayers": ["05399016"]}


def test_income_file_without_the_municipalities_stops_the_run(county):
    config, raw, out = county
    path = raw / "73111-01-01-5.csv"
    lines = path.read_text(encoding="latin-1").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("2019;05399")
                            or line.startswith("2019;05399;")), encoding="latin-1")
    result = _run(config, out, groups=(ingest.GROUP, indicators.GROUP))
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_key == "municipal_income"
    description = failure.event_specific_data.error.cause.message
    assert "no municipality rows" in description and "73111-01-01-5" in description
    written = {m.asset_key.path[-1] for m in result.get_asset_materialization_events()}
    assert "municipal_income" not in written and "cell_indicators" not in written


def test_income_file_of_another_county_fails_the_check(county):
    """Municipalities, but none of this county: the blocking check stops the run."""
    config, raw, out = county
    path = raw / "73111-01-01-5.csv"
    text = path.read_text(encoding="latin-1").replace("2019;05399", "2019;05398")
    path.write_text(text, encoding="latin-1")
    result = _run(config, out, groups=(ingest.GROUP, indicators.GROUP))
    income = _checks(result)["municipal_income:matches_municipalities"]
    assert not income.passed and income.severity.value == "ERROR"
    assert "holds no municipality of the county" in income.metadata["problems"].value["no_rows"][0]
    written = {m.asset_key.path[-1] for m in result.get_asset_materialization_events()}
    assert "municipal_income" in written and "cell_indicators" not in written


def test_bad_input_fails_the_step_with_where_it_is(county):
    """The UI shows the message as the step's failure, with file, line and column, no stack.

    A user-code error with a cause: the UI leaves out the outer (framework) stack and
    shows the cause's message with its stack, which is empty.
    """
    config, raw, out = county
    _edit(raw / "sgb2_gemeinden.csv", "Kreuzbach;05399024;216;", "Kreuzbach;05399024;2l6;",
          "utf-8-sig")
    result = _run(config, out)
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    data = failure.event_specific_data
    assert failure.step_key == "municipal_sgb2"
    assert data.error_source.value == "USER_CODE_ERROR"
    cause = data.error.cause
    assert cause.cls_name == "InputError" and cause.stack == [] and cause.cause is None
    assert "value '2l6' is not a number" in cause.message
    assert "sgb2_gemeinden.csv" in cause.message and "line 11" in cause.message
    assert "Bedarfsgemeinschaften" in cause.message


def test_reader_options_in_the_county_file_reach_the_readers(county):
    import zipfile

    import yaml
    from dagster import build_asset_context

    from assets.resources import CountiesResource

    config, raw, out = county
    archive = raw / "vg250_01-01.utm32s.gpkg.ebenen.zip"
    with zipfile.ZipFile(archive, "w") as bundle:  # as BKG ships it: nested folders
        bundle.write(raw / "DE_VG250.gpkg",
                     "vg250_01-01.utm32s.gpkg.ebenen/vg250_ebenen_0101/DE_VG250.gpkg")
    entry = yaml.safe_load(config.read_text(encoding="utf-8"))
    sample = entry["counties"]["sample"]
    sample["vg250"] = {"path": str(archive), "fields": {"name": "BEZ"},
                       "layers": {"municipalities": "vg250_gem"}}
    sample["sgb2"] = {"path": sample["sgb2"],
                      "rate": {"numerator": "sgb2_persons_in_bg"}}
    config.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    counties = CountiesResource(config_path=str(config), processed_root=str(out))
    frame = ingest.municipalities(build_asset_context(partition_key="sample"), counties).value
    assert len(frame) == 15 and set(frame["name"]) <= {"Stadt", "Gemeinde"}  # GEN -> BEZ
    rate = counties.catalog("sample")["sgb2_quote_gem"]
    assert rate.numerator.text == "{sgb2_persons_in_bg}"
    sample["sgb2"]["rate"] = {"numerator": "Bedarfsgemeinschaften"}
    config.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="county 'sample'.*sgb2: rate:"):
        counties.catalog("sample")
