"""Plan files: read by the one definitions loader; every problem named by file and key, with the fix."""

import pytest

from saleskpi.analyses.incentives import EXAMPLE_PLAN, load_plan, load_plans
from saleskpi.errors import ConfigError

HEAD = 'name = "Field"\nperiod = "year"\ntarget_pay = 1000\n'
QUOTA = '[[component]]\nname = "quota"\nmeasure = "turnover_value"\nweight = {w}\ntiers = [[0, 1.0], [1.0, 1.5]]\n'


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "plan.toml"
    path.write_text(HEAD + text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    head, *lines = str(caught.value).split("\n")
    assert head == f"{path}: {len(lines)} invalid plan definition(s):"
    return [line.removeprefix("  - ") for line in lines]


def test_the_example_plan_reads():
    plan = load_plan(EXAMPLE_PLAN)
    assert (plan.name, plan.period, plan.target_pay, plan.roles) == ("Field sales", "year", 12000, ["rep"])
    assert [(c.name, c.measure, c.weight, c.basis) for c in plan.component] == [
        ("quota", "turnover_value", 0.7, "attainment"), ("target products", "target_products_value", 0.3, "value")]
    assert plan.component[0].tiers == [(0.0, 1.0), (1.0, 1.5)]
    assert [(p.name, p.measure, p.basis, p.target_pool, p.split) for p in plan.pool] == [
        ("team pool", "turnover_value", "attainment", 6000, "pro_rata")]


def test_a_workspace_without_plans_has_none(tmp_path):
    assert load_plans(tmp_path) == {}


def test_every_bad_component_is_named_by_its_key(tmp_path):
    text = (QUOTA.format(w=0.5).replace("turnover_value", "turnover_valu")
            + '[[component]]\nname = "tp"\nmeasure = "target_products_value"\nweight = 0.2\nbasis = "value"\n'
              'tiers = [[100, 0.1], [0, 0.2]]\n'
            + '[[component]]\nname = "neg"\nmeasure = "turnover_value"\nweight = 0.1\ntiers = [[0, -1]]\n'
            + '[[component]]\nname = "capped"\nmeasure = "turnover_value"\nweight = 0.1\ntiers = [[0, 1.0]]\n'
              'threshold = 0.8\ncap = 0.5\n'
            + '[[component]]\nname = "margin"\nmeasure = "margin"\nweight = 0.1\ntiers = [[0, 1.0]]\n'
            + '[[contest]]\nname = "c"\nmeasure = "margin"\nrank_on = "attainment"\nprizes = [100, 500]\n'
            + '[[adjustment]]\nrep_id = "R1"\nkind = "clawback"\namount = 100\nreason = "returned"\n'
            + '[[adjustment]]\nrep_id = "R1"\namount = 0\nreason = " "\n')
    assert problems(tmp_path, text) == [
        "[[component]] #1 measure: 'turnover_valu' is not a measure that a declared result provides; use one of "
        "turnover_value, turnover_volume, target_products_share, assortment_breadth, target_products_value, margin, "
        "turnover_value_ly, growth_value_vs_ly, customers_active, products_bought, market_share, potential_value, "
        "share_of_wallet, wallet_gap_value, class_a_customers, class_a_customers_served, p_alive, clv_12m, nps, "
        "stated_potential_share",
        "[[component]] #2 tiers: tier #2 starts at 0.0, not above tier #1's 100.0: give the tiers in strictly "
        "ascending order of lower bound, each bound once",
        "[[component]] #3 tiers: tier #1 has the negative rate -1.0: give a rate >= 0 (book a clawback as an "
        "adjustment with its reason)",
        "[[component]] #4: component 'capped': cap = 0.5 is below the pay at the threshold (0.8), so nothing above "
        "the threshold would be paid by the curve; raise the cap or lower the threshold",
        "[[component]] #5: component 'margin': the measure margin has no target, so it cannot be paid on "
        "attainment; write basis = \"value\" or choose a measure with a target",
        "[[contest]] #1 prizes: the prizes [100.0, 500.0] rise with the rank; give the prize of rank 1 first, each "
        "prize at most the one before it",
        "[[adjustment]] #1: the clawback for R1 has the positive amount 100.0; a clawback takes pay back: write a "
        "negative amount, or kind = \"adjustment\"",
        "[[adjustment]] #2 amount: must be a non-zero amount, such as -250.0; got 0",
        "[[adjustment]] #2 reason: must be a reason (text that is not empty), such as 'returned order 4711'; got ' '",
    ]


def test_weights_must_sum_to_one_and_names_be_unique(tmp_path):
    assert problems(tmp_path, QUOTA.format(w=0.7) + QUOTA.format(w=0.2)) == [
        "[[component]]: the weights of the components sum to 0.9; make them sum to 1"]
    assert problems(tmp_path, QUOTA.format(w=0.5) + QUOTA.format(w=0.5)) == [
        "[[component]]: two components are called quota; give each its own name"]


def test_plan_level_keys(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text('name = "Field"\nperiod = "week"\ntarget_pay = -5\nbonus = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    lines = str(caught.value).split("\n")[1:]
    assert lines == [
        "  - period: must be one of year, quarter, month, got 'week'",
        "  - target_pay: must be a number > 0, such as 10000.0; got -5",
        "  - [[component]]: missing; add it (the plan's components, one [[component]] table each, with name, "
        "measure, weight and tiers)",
        "  - bonus: unknown key; remove it or check its spelling (keys: name, period, target_pay, "
        "target_pay_by_rep, roles, reps, prorate, component, contest, adjustment, pool, credit_split)",
    ]


def test_bad_pools_and_credit_splits_are_named_by_their_key(tmp_path):
    text = (QUOTA.format(w=1)
            + '[[pool]]\nname = "p"\nmeasure = "turnover_value"\ntiers = [[0, 0.01]]\nsplit = "thirds"\n'
            + '[[pool]]\nname = "q"\nmeasure = "turnover_value"\nbasis = "attainment"\ntiers = [[0, 1.0]]\n'
            + '[[pool]]\nname = "r"\nmeasure = "margin"\ntiers = [[0, 0.01]]\nweights = { R1 = 1 }\n'
            + '[[pool]]\nname = "s"\nmeasure = "turnover_value"\ntiers = [[0, 0.01]]\nsplit = "weights"\n'
            + '[[pool]]\nname = "t"\nmeasure = "turnover_value"\ntiers = [[0, 0.01]]\nlevel = "company"\n'
              'teams = ["M1"]\n'
            + '[[credit_split]]\ncustomer_id = "C1"\nshares = { R1 = 0.6, R2 = 0.3 }\n'
            + '[[credit_split]]\ncustomer_id = "C2"\nshares = { R1 = 1.5 }\n')
    assert problems(tmp_path, text) == [
        "[[pool]] #1 split: must be one of equal, pro_rata, weights, formula, got 'thirds'",
        "[[pool]] #2: pool 'q': basis attainment needs target_pool, the pool of a team at 100 % attainment; add "
        "target_pool = <amount>",
        "[[pool]] #3: pool 'r': weights are given but split = \"equal\"; write split = \"weights\" or remove the "
        "weights",
        "[[pool]] #4: pool 's': split = \"weights\" needs a weights table with a positive weight, e.g. weights = "
        "{ R001 = 2, R002 = 1 }",
        "[[pool]] #5: pool 't': teams are given but level = \"company\"; write level = \"team\" or remove teams",
        "[[credit_split]] #1 shares: the shares sum to 0.9; make them sum to 1",
        "[[credit_split]] #2 [credit_split.shares] R1: must be a number in (0, 1], got 1.5",
    ]
    assert problems(tmp_path, QUOTA.format(w=1) + '[[credit_split]]\ncustomer_id = "C1"\nshares = { R1 = 1 }\n' * 2) == [
        "[[credit_split]]: customer C1 is split twice; give one [[credit_split]] per customer"]
