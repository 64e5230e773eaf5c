"""Customer-lifetime models: purchase counts, drop-out, spend and contractual retention.

One model per module, all with the scikit-learn estimator contract (``fit(data)`` returns the
model; ``params_``, ``log_likelihood_``, ``standard_errors_``; short prediction names):

* :class:`BetaGeo` — BG/NBD (Fader, Hardie & Lee 2005, Marketing Science 24(2));
* :class:`ParetoNBD` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
* :class:`ModifiedBetaGeo` — MBG/NBD (Batislam, Denizel & Filiztekin 2007);
* :class:`BetaGeoBetaBinom` — BG/BB (Fader, Hardie & Shang 2010, Marketing Science 29(6));
* :class:`GammaGamma` — spend per transaction (Fader, Hardie & Lee 2005, JMR 42(4));
* :class:`ShiftedBetaGeometric` — sBG retention (Fader & Hardie 2007, JIM 21(1)).

The per-customer summary they take is built by
:func:`saleskpi.analyses.clv.rfm_summary`.
"""

from saleskpi.models.base import ConvergenceError
from saleskpi.models.bg_bb import BetaGeoBetaBinom
from saleskpi.models.bg_nbd import BetaGeo
from saleskpi.models.gamma_gamma import GammaGamma
from saleskpi.models.mbg_nbd import ModifiedBetaGeo
from saleskpi.models.pareto_nbd import ParetoNBD
from saleskpi.models.shifted_beta_geometric import ShiftedBetaGeometric

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "ConvergenceError",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "ShiftedBetaGeometric",
]
