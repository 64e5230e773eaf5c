"""The KPI catalogue: the default covers every capability and is valid; a workspace's kpis.toml
adds and replaces KPIs; bad definitions are refused naming the file and the key."""

import pytest

from saleskpi.analyses import registry
from saleskpi.analyses.kpis import DEFAULT_CATALOGUE, load_catalogue
from saleskpi.analyses.kpis.formula import measures_of
from saleskpi.analyses.measures import MEASURES, PAYABLE
from saleskpi.analyses.incentives import MEASURES as PLAN_MEASURES
from saleskpi.errors import ConfigError, UsageError

KPI = """
[kpi.{name}]
title_en = "T"
title_bg = "Т"
description_en = "d"
description_bg = "д"
formula = "{formula}"
unit = "fraction"
levels = {levels}
owner = "sales director"
perspective = "{perspective}"
kind = "leading"
"""


def kpi(name="x", formula="margin / turnover_value", levels='["company"]', perspective="financial", extra=""):
    return KPI.format(name=name, formula=formula, levels=levels, perspective=perspective) + extra


def problems(tmp_path, text):
    (tmp_path / "kpis.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_catalogue(tmp_path)
    head, *lines = str(err.value).splitlines()
    assert head.startswith(f"{tmp_path / 'kpis.toml'}: ")
    return [line.removeprefix("  - ") for line in lines]


def test_every_measure_is_a_column_of_a_declared_result():
    declared = {r.name: r for a in registry().values() for r in a.results}
    for name, m in MEASURES.items():
        assert m.column in declared[m.result].column_names, name
        if m.denominator:
            assert m.denominator in declared[m.result].column_names and m.where_notnull in declared[m.result].column_names


def test_plans_pay_on_the_measures_of_the_one_list():
    assert PLAN_MEASURES is PAYABLE
    # every measure that exists at the rep: the sales rep rows' columns and the other results' roll-ups
    assert all(MEASURES[name] is m and "rep" in m.levels for name, m in PAYABLE.items())
    assert set(PAYABLE) == {name for name, m in MEASURES.items() if "rep" in m.levels}
    assert {m.result for m in PAYABLE.values()} == {"sales", "wallet", "abc", "class-a", "clv", "nps", "potential"}


def test_the_default_catalogue_covers_every_capability_with_a_result_measured():
    catalogue, source = load_catalogue()
    assert source == str(DEFAULT_CATALOGUE)
    results_used = {MEASURES[m].result for k in catalogue.kpi.values() for m in k.measures()}
    # every capability that stores a measure source has a KPI in the default catalogue
    assert results_used == {"sales", "wallet", "abc", "class-a", "clv", "nps", "potential"}
    assert {k.perspective for k in catalogue.kpi.values()} == {"financial", "customer", "internal_process",
                                                               "learning_and_growth"}
    assert {k.kind for k in catalogue.kpi.values()} == {"leading", "lagging"}
    # the strategy tree runs learning -> process -> customer -> financial
    chain, at = [], "know_customers"
    while at:
        chain.append(catalogue.objective[at].perspective)
        at = catalogue.objective[at].parent
    assert chain == ["learning_and_growth", "internal_process", "customer", "financial"]


def test_a_workspace_adds_and_replaces_kpis(tmp_path):
    (tmp_path / "kpis.toml").write_text(kpi("turnover", "turnover_value", '["company", "rep"]', extra='owner2 = 1\n'
                                            ).replace("owner2 = 1\n", "") + kpi("margin_per_customer",
                                                                                "margin / customers_active"),
                                        encoding="utf-8")
    catalogue, source = load_catalogue(tmp_path)
    assert source == str(tmp_path / "kpis.toml")
    assert catalogue.kpi["turnover"].levels == ["company", "rep"]  # replaced whole: no phasing any more
    assert catalogue.kpi["turnover"].phasing == "none"
    assert catalogue.kpi["margin_per_customer"].measures() == ["margin", "customers_active"]
    assert "share_of_wallet" in catalogue.kpi  # the defaults stay


def test_bad_kpis_are_refused_with_the_file_and_the_key(tmp_path):
    text = (kpi("a", "turnovr / margin") + kpi("b", "max(margin, 1)") + kpi("c", perspective="customers")
            + kpi("d", "2 * 3"))
    assert problems(tmp_path, text) == [
        "[kpi.a] formula: 'turnovr' is not a measure that a declared result provides; use one of "
        + ", ".join(MEASURES),
        "[kpi.b] formula: 'max(margin, 1)' is not a formula: 'max(margin, 1)' is neither a measure, a number nor "
        "+ - * /; write measures, numbers, + - * / and parentheses",
        "[kpi.c] perspective: must be one of financial, customer, internal_process, learning_and_growth, got "
        "'customers'; did you mean 'customer'?",
        "[kpi.d] formula: '2 * 3' names no measure; write a formula over measures, such as 'margin / turnover_value'",
    ]


def test_a_level_a_measure_lacks_and_a_missing_objective_are_refused(tmp_path):
    assert problems(tmp_path, kpi("a", "nps", '["team"]')) == [
        "[kpi.a]: levels: the measure nps does not exist at team (only at company, territory, rep); remove those "
        "levels"]
    assert problems(tmp_path, kpi("a", extra='objective = "world_domination"\n')) == [
        "[kpi.a] objective: 'world_domination' is not an objective; use one of profitable_growth, win_wallet, "
        "sell_full_range, know_customers or add [objective.world_domination]"]
    loop = ('[objective.a]\ntitle_en = "a"\ntitle_bg = "а"\nperspective = "customer"\nparent = "b"\n'
            '[objective.b]\ntitle_en = "b"\ntitle_bg = "б"\nperspective = "financial"\nparent = "a"\n')
    assert problems(tmp_path, loop) == [
        "[objective.a] parent: the parents loop back to 'a'; the top objective has no parent; "
        "[objective.b] parent: the parents loop back to 'b'; the top objective has no parent"]


def test_formulas_name_their_measures_and_nothing_else():
    assert measures_of("(margin - 0.5 * turnover_value) / turnover_value") == ["margin", "turnover_value"]
    with pytest.raises(UsageError, match="is not a formula"):
        measures_of("margin /")
    with pytest.raises(UsageError, match="'margin.real' is neither"):
        measures_of("margin.real")
