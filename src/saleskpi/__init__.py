"""saleskpi: sales and CRM KPIs, from market potential to the strategy scorecard."""

__all__ = ["__version__"]
__version__ = "0.1.0"
