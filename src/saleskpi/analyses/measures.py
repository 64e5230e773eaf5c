"""The measures: every figure a KPI formula or an incentive plan component may name, listed once.

A measure is a column of a declared result and the rule that rolls it up to the nodes of the
organisation (company, business line, territory, team, rep, customer). The KPI catalogue
(:mod:`saleskpi.analyses.kpis`) writes its formulas over these names, and an incentive plan's
components name the ones that a rep's row of the ``sales`` result provides
(:data:`PAYABLE`); nothing else lists measures.

Roll-up rules (``rollup``):

``node``
    the result already has one row per node (``sales``: ``level``/``key``; ``nps``:
    ``grouped_by``/``group_id``, the latest survey year) -- taken as it is;
``sum`` / ``mean``
    the sum or mean of the column over the customer rows of the node;
``ratio``
    Σ column / Σ ``denominator`` over the rows of the node where ``where_notnull`` is known (a
    weighted share: share of wallet = Σ turnover / Σ potential);
``count_equal`` / ``count_positive``
    the number of distinct customers of the node whose column equals ``equals`` / is > 0;
``share_known``
    the share of the node's rows whose column is known (not empty).

A customer belongs to the territory and rep that the customer-grain result names (its customer
record) and to that rep's team (reps.team_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["LEVELS", "MEASURES", "PAYABLE", "Measure"]

#: The levels of the organisation a figure can be reported at, top down.
LEVELS = ("company", "business_line", "territory", "team", "rep", "customer")
_CUSTOMER_LEVELS = ("company", "territory", "team", "rep", "customer")

Rollup = Literal["node", "sum", "mean", "ratio", "count_equal", "count_positive", "share_known"]


@dataclass(frozen=True)
class Measure:
    """A figure that a declared result provides: ``result`` and ``column``, how it rolls up
    (``rollup``, above), the levels it exists at, its unit and an English description.

    For incentive plans, where its rep-level target comes from: ``stored`` (the result holds the
    target due to date and the attainment: ``target_column``, ``attainment_column``), ``targets``
    (the targets table: level rep, key = rep_id, kpi = the measure's name) or None (no target:
    paid on by value only)."""

    result: str
    column: str
    unit: str
    description: str
    rollup: Rollup = "node"
    levels: tuple[str, ...] = LEVELS
    denominator: str | None = None
    where_notnull: str | None = None
    equals: str | None = None
    target_from: Literal["stored", "targets"] | None = None
    target_column: str | None = None
    attainment_column: str | None = None

    @property
    def payable(self) -> bool:
        """Whether a plan component may pay on it: it exists at the rep level (a column of the
        ``sales`` rep rows, or another result's figure rolled up to the rep by its rule,
        :func:`saleskpi.analyses.kpis.nodes.node_measures`)."""
        return "rep" in self.levels and (self.result != "sales" or self.rollup == "node")


MEASURES: dict[str, Measure] = {
    # sales (docs/sales.md): the period to date, every node
    "turnover_value": Measure("sales", "turnover_value_period", "currency",
                              "Net value invoiced in the period to date.", target_from="stored",
                              target_column="target_value_to_date", attainment_column="attainment_by_value"),
    "turnover_volume": Measure("sales", "turnover_volume_period", "product units",
                               "Net quantity invoiced in the period to date.", target_from="stored",
                               target_column="target_volume_to_date", attainment_column="attainment_by_volume"),
    "target_products_share": Measure("sales", "target_products_share", "fraction",
                                     "Target products' share of the turnover in the period to date.",
                                     target_from="targets"),
    "assortment_breadth": Measure("sales", "assortment_breadth", "fraction",
                                  "Products bought / products offered in the period to date.", target_from="targets"),
    "target_products_value": Measure("sales", "target_products_value", "currency",
                                     "Net value of target products invoiced in the period to date."),
    "margin": Measure("sales", "margin", "currency",
                      "Net value minus cost of the lines with a cost, period to date (empty below [sales] "
                      "min_cost_coverage)."),
    "turnover_value_ly": Measure("sales", "turnover_value_ly", "currency",
                                 "Net value invoiced over the same dates last year."),
    "growth_value_vs_ly": Measure("sales", "growth_value_vs_ly", "fraction",
                                  "Turnover / turnover over the same dates last year − 1."),
    "customers_active": Measure("sales", "customers_active", "customers",
                                "Customers with a positive net value in the period to date."),
    "products_bought": Measure("sales", "products_bought", "products",
                               "Distinct products bought in the period to date."),
    "market_share": Measure("sales", "market_share", "fraction",
                            "12-month turnover of the customers with a potential / their yearly potential."),
    "potential_value": Measure("sales", "potential_value", "currency",
                               "Yearly potential of the node's customers."),
    # wallet (docs/wallet.md): customer x business line, 12 months
    "share_of_wallet": Measure("wallet", "turnover_value_12m", "fraction",
                               "Σ 12-month turnover / Σ potential over the customer x line pairs whose share "
                               "of wallet is known.", rollup="ratio", denominator="potential_value",
                               where_notnull="share_of_wallet_by_value", levels=LEVELS, target_from="targets"),
    "wallet_gap_value": Measure("wallet", "gap_value", "currency",
                                "Σ gap between the potential and the 12-month turnover.", rollup="sum",
                                levels=LEVELS),
    # abc (docs/abc.md): per customer
    "class_a_customers": Measure("abc", "class_by_value", "customers",
                                 "Customers in class A by 12-month turnover.", rollup="count_equal", equals="A",
                                 levels=_CUSTOMER_LEVELS),
    "class_a_customers_served": Measure("class-a", "turnover_value_period", "customers",
                                        "Class-A customers who bought in the period to date.",
                                        rollup="count_positive", levels=_CUSTOMER_LEVELS, target_from="targets"),
    # clv (docs/clv.md): per customer
    "p_alive": Measure("clv", "p_alive", "fraction",
                       "Mean probability that a customer is still active (BG/NBD or Pareto/NBD).",
                       rollup="mean", levels=_CUSTOMER_LEVELS, target_from="targets"),
    "clv_12m": Measure("clv", "clv_12m", "currency", "Σ predicted discounted margin of the next 12 months.",
                       rollup="sum", levels=_CUSTOMER_LEVELS, target_from="targets"),
    # satisfaction (docs/satisfaction.md): the latest survey year
    "nps": Measure("nps", "nps", "points (-100..100)", "Net Promoter Score of the latest survey year.",
                   levels=("company", "territory", "rep"), target_from="targets"),
    # potential (docs/potential.md): what we know about our customers' wallets
    "stated_potential_share": Measure("potential", "stated_value", "fraction",
                                      "Share of customer x line pairs with a stated potential (survey, rep "
                                      "estimate or external source).", rollup="share_known", levels=LEVELS),
}

#: The measures an incentive plan component may pay on (a rep's figure: its row of ``sales``, or
#: another result rolled up to the rep).
PAYABLE: dict[str, Measure] = {name: m for name, m in MEASURES.items() if m.payable}
