"""The hidden truth shows in the data the way the generator says it should (a 3,000-customer,
3-year company in memory; amounts converted from BGN as the importer does)."""

from __future__ import annotations

import numpy as np
import pytest


def one(con, sql: str):
    return con.execute(sql).fetchone()


def test_realised_loyalty_lift_is_close_to_the_true_lift(medium):
    """Members' purchases after enrolment against what the truth says they would have bought
    without the programme, calibrated by how all purchases compare with their expectation."""
    realised, truth = one(medium, """
        WITH post AS (SELECT s.customer_id, sum(s.net_value) AS value
                      FROM sales_eur s JOIN truth_loyalty l USING (customer_id)
                      WHERE s.date >= l.enrolled_on GROUP BY 1),
             calibration AS (SELECT (SELECT sum(net_value) FROM sales_eur)::DOUBLE
                                    / (SELECT sum(expected_purchases_eur) FROM truth_share_of_wallet) AS c)
        SELECT sum(coalesce(p.value, 0))::DOUBLE / (sum(l.expected_after_enrolment_without_lift_eur)
                                                   * any_value(c)) - 1,
               sum(l.expected_after_enrolment_with_lift_eur) / sum(l.expected_after_enrolment_without_lift_eur) - 1
        FROM truth_loyalty l LEFT JOIN post p USING (customer_id), calibration""")
    summary = one(medium, "SELECT value FROM truth_summary WHERE name = 'loyalty_lift_value_weighted'")[0]
    assert truth == pytest.approx(summary, abs=1e-6)
    assert 0.05 < truth < 0.15
    # Purchases above the wallet are cut, so a little of the lift never shows.
    assert realised == pytest.approx(truth, abs=0.025)


def test_heavier_buyers_join_the_programme_first(medium):
    members, others = one(medium, """
        WITH launch AS (SELECT min(enrolled_on) AS d FROM loyalty_members),
             before AS (SELECT customer_id, sum(net_value) AS value FROM sales_eur, launch
                        WHERE date < d AND date >= d - INTERVAL 365 DAY GROUP BY 1)
        SELECT avg(value) FILTER (WHERE m.customer_id IS NOT NULL), avg(value) FILTER (WHERE m.customer_id IS NULL)
        FROM before LEFT JOIN loyalty_members m USING (customer_id)""")
    assert members > 1.3 * others
    # ... and the light buyers among them gain most (Liu 2007).
    corr = one(medium, "SELECT corr(lift, ln(annual_value_at_launch_eur)) FROM truth_loyalty")[0]
    assert corr < -0.5


def test_loyalty_points_balance_never_goes_negative(medium):
    lowest, earned, used = one(medium, """
        WITH moves AS (SELECT customer_id, date, event_id,
                              CASE kind WHEN 'earn' THEN points ELSE -points END AS delta FROM loyalty_events),
             running AS (SELECT sum(delta) OVER (PARTITION BY customer_id ORDER BY date, event_id) AS balance
                         FROM moves)
        SELECT (SELECT min(balance) FROM running),
               (SELECT sum(points) FROM loyalty_events WHERE kind = 'earn'),
               (SELECT sum(points) FROM loyalty_events WHERE kind <> 'earn')""")
    assert lowest >= 0
    assert 0.3 * float(earned) < float(used) < float(earned)  # redemption and breakage both happen
    kinds = {r[0] for r in medium.execute("SELECT DISTINCT kind FROM loyalty_events").fetchall()}
    assert kinds == {"earn", "redeem", "expire"}


def test_survey_responders_differ_from_non_responders_as_in_the_truth(medium):
    rows = medium.execute("""
        SELECT i.selected_by, r.response_id IS NOT NULL AS responded,
               avg(t.latent_satisfaction), avg(ln(c.latent_size)), count(*)
        FROM survey_invitations i
        LEFT JOIN surveys r USING (invitation_id)
        JOIN truth_satisfaction t ON t.customer_id = i.customer_id
        JOIN truth_customers c ON c.customer_id = i.customer_id
        GROUP BY ALL""").fetchall()
    got = {(r[0], r[1]): r[2:] for r in rows}
    sat_yes, size_yes, n_yes = got["random", True]
    sat_no, size_no, n_no = got["random", False]
    assert n_yes > 200 and n_no > 200
    assert sat_yes - sat_no > 0.2  # the satisfied answer more
    assert size_yes > size_no  # and so do larger customers
    rep_sat = (got["rep", True][0] * got["rep", True][2] + got["rep", False][0] * got["rep", False][2]) \
        / (got["rep", True][2] + got["rep", False][2])
    random_sat = (sat_yes * n_yes + sat_no * n_no) / (n_yes + n_no)
    assert rep_sat > random_sat + 0.3  # reps invite their happier customers
    # So the NPS of random responders overstates the true NPS of the base in every wave.
    for wave, true_nps, observed in medium.execute("""
            SELECT w.wave, w.true_nps, 100 * (avg((s.nps >= 9)::INT) - avg((s.nps <= 6)::INT))
            FROM surveys s JOIN survey_invitations i USING (invitation_id)
            JOIN truth_survey_waves w ON year(w.sent_on) = year(i.sent_on)
            WHERE i.selected_by = 'random' GROUP BY ALL""").fetchall():
        assert observed > true_nps + 5, wave


def test_survey_ranks_follow_the_wallet_allocation_rule(medium):
    gaps = np.array([r[0] for r in medium.execute("""
        WITH truth AS (SELECT customer_id, year, sum(share_of_wallet * p.potential_value_eur)
                                                 / sum(p.potential_value_eur) AS share
                       FROM truth_share_of_wallet JOIN truth_potential p USING (customer_id, business_line, year)
                       GROUP BY ALL)
        SELECT abs((1 - our_rank / (brands_used + 1)) * 2 / brands_used - t.share)
        FROM surveys s JOIN survey_invitations i USING (invitation_id)
        JOIN truth t ON t.customer_id = s.customer_id AND t.year = year(i.sent_on)""").fetchall()])
    assert len(gaps) > 500
    assert np.mean(gaps <= 0.08 + 1e-9) > 0.99
    assert gaps.max() < 1 / 6  # shares between 2/3 and 1 have no WAR value nearer than that


def test_derived_importance_differs_from_stated_importance(medium):
    data = medium.execute("""SELECT nps, score_delivery, score_quality, score_service, score_range, score_price,
                                    importance_delivery, importance_price FROM surveys""").fetchnumpy()
    y = data["nps"].astype(float)
    x = np.column_stack([data[k].astype(float) for k in
                         ("score_delivery", "score_quality", "score_service", "score_range", "score_price")])
    coef = np.linalg.lstsq(np.column_stack([np.ones(len(y)), x]), y, rcond=None)[0][1:]
    assert coef[0] > coef[4]  # delivery drives satisfaction more than price ...
    assert data["importance_price"].mean() > data["importance_delivery"].mean()  # ... though price is said to matter most


def test_rep_competencies_link_to_performance(medium):
    assessed = one(medium, """
        WITH a AS (SELECT rep_id, competency, avg(score) AS score FROM competency_assessments GROUP BY ALL)
        SELECT corr(w, r.share_logit_effect)
        FROM (SELECT rep_id, sum(score * e.effect_on_share_logit) AS w
              FROM a JOIN truth_competency_effect e USING (competency) GROUP BY 1)
        JOIN truth_reps r USING (rep_id)""")[0]
    assert assessed > 0.8
    attainment = one(medium, """
        WITH actual AS (SELECT c.rep_id, sum(s.net_value) AS value FROM sales_eur s JOIN customers c USING (customer_id)
                        WHERE s.year IN (SELECT DISTINCT period::INT FROM targets) GROUP BY 1),
             plan AS (SELECT key AS rep_id, sum(target) AS target FROM targets
                      WHERE level = 'rep' AND kpi = 'turnover_value' GROUP BY 1)
        SELECT corr(value / target, share_logit_effect) FROM actual JOIN plan USING (rep_id) JOIN truth_reps USING (rep_id)""")[0]
    assert attainment > 0.4


def test_sales_have_a_pareto_shape_and_a_building_season(medium):
    top = one(medium, """
        WITH c AS (SELECT customer_id, sum(net_value) AS v FROM sales_eur GROUP BY 1),
             r AS (SELECT v, row_number() OVER (ORDER BY v DESC) AS rn, count(*) OVER () AS n FROM c)
        SELECT sum(v) FILTER (WHERE rn <= 0.2 * n) / sum(v) FROM r""")[0]
    assert top > 0.6
    winter, summer = one(medium, """
        SELECT sum(net_value) FILTER (WHERE month(date) IN (1, 2)),
               sum(net_value) FILTER (WHERE month(date) IN (6, 7)) FROM sales_eur""")
    assert winter < 0.6 * summer


def test_prices_change_every_year_and_target_products_sell(medium):
    rising = one(medium, """
        WITH p AS (SELECT product_id, year, avg(net_value / quantity) AS price FROM sales_eur
                   WHERE quantity > 0 GROUP BY ALL)
        SELECT avg((b.price > a.price)::INT) FROM p a JOIN p b ON a.product_id = b.product_id AND b.year = a.year + 1""")[0]
    assert rising > 0.7
    share = one(medium, """SELECT sum(net_value) FILTER (WHERE p.is_target) / sum(net_value)
                           FROM sales_eur JOIN products p USING (product_id)""")[0]
    assert 0.03 < share < 0.4


def test_market_sizes_follow_buying_power(medium):
    corr = one(medium, """
        WITH m AS (SELECT territory_id, sum(market_value_eur) AS v, any_value(bpi) AS bpi FROM truth_market GROUP BY 1)
        SELECT corr(v / (SELECT sum(v) FROM m), bpi) FROM m""")[0]
    assert corr > 0.95
