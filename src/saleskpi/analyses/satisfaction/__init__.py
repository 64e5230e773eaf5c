"""Satisfaction: NPS, CSAT and CES with their intervals, non-response and raking weights."""

from saleskpi.analyses.satisfaction.estimates import Estimate, difference_test, mean_score, nps, top_box_share
from saleskpi.analyses.satisfaction.raking import rake

__all__ = ["Estimate", "nps", "top_box_share", "mean_score", "difference_test", "rake"]
