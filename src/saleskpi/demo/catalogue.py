"""What the demo company sells: business lines, categories, products, prices and margins.

Constants only. Each business line has one unit of volume so that volumes add up within the
line (m² of boards, kg of dry mixes, litres of paint). Prices are list prices in EUR per unit
in the final year of the history; earlier years are derived from the yearly price changes.
"""

from __future__ import annotations

#: code, Bulgarian name, unit, base share-of-wallet logit (where the company is strong),
#: probability that a customer buys the line from us at all.
BUSINESS_LINES: tuple[tuple[str, str, str, float, float], ...] = (
    ("insulation", "Топлоизолация", "m2", -0.30, 0.80),
    ("drywall", "Сухо строителство", "m2", -0.55, 0.65),
    ("dry_mixes", "Сухи смеси", "kg", -0.10, 0.85),
    ("paints", "Бои и покрития", "l", -0.80, 0.55),
)

#: business line, category, gross margin on list price.
CATEGORIES: tuple[tuple[str, str, float], ...] = (
    ("insulation", "EPS", 0.17),
    ("insulation", "XPS", 0.19),
    ("insulation", "Минерална вата", 0.20),
    ("insulation", "Каменна вата", 0.21),
    ("drywall", "Гипсокартон", 0.16),
    ("drywall", "Специални плоскости", 0.22),
    ("drywall", "Окачени тавани", 0.25),
    ("dry_mixes", "Лепила", 0.24),
    ("dry_mixes", "Мазилки", 0.22),
    ("dry_mixes", "Замазки", 0.20),
    ("dry_mixes", "Хидроизолации", 0.30),
    ("paints", "Интериорни бои", 0.30),
    ("paints", "Фасадни бои", 0.32),
    ("paints", "Грундове", 0.34),
    ("paints", "Лакове и емайллакове", 0.36),
)

#: category, product name, list price EUR per unit, popularity weight, target product,
#: year offset of launch relative to the final year (None = always sold; -2 = launched two
#: years before the final year). Every product is offered under two brands (below).
PRODUCTS: tuple[tuple[str, str, float, float, bool, int | None], ...] = (
    ("EPS", "EPS 5 см", 3.20, 10.0, False, None),
    ("EPS", "EPS 8 см", 5.00, 8.0, False, None),
    ("EPS", "EPS 10 см", 6.20, 9.0, False, None),
    ("EPS", "Графитен EPS 10 см", 7.90, 3.0, True, -2),
    ("XPS", "XPS 3 см", 5.50, 4.0, False, None),
    ("XPS", "XPS 5 см", 8.90, 3.5, False, None),
    ("XPS", "XPS 8 см", 13.50, 1.5, False, None),
    ("Минерална вата", "Минерална вата 5 см", 3.60, 5.0, False, None),
    ("Минерална вата", "Минерална вата 10 см", 6.80, 4.0, False, None),
    ("Каменна вата", "Каменна вата фасадна 5 см", 8.50, 2.5, False, None),
    ("Каменна вата", "Каменна вата фасадна 10 см", 15.90, 2.0, True, None),
    ("Гипсокартон", "Гипсокартон стандартен 12,5 мм", 2.90, 12.0, False, None),
    ("Гипсокартон", "Гипсокартон 9,5 мм", 2.60, 5.0, False, None),
    ("Специални плоскости", "Гипсокартон влагоустойчив 12,5 мм", 4.10, 6.0, False, None),
    ("Специални плоскости", "Гипсокартон огнеустойчив 12,5 мм", 4.60, 3.5, False, None),
    ("Специални плоскости", "Гипсокартон огнеустойчив 15 мм", 5.80, 1.5, True, -3),
    ("Специални плоскости", "Циментова плоскост 12,5 мм", 12.50, 1.2, False, None),
    ("Окачени тавани", "Акустичен таван 60×60", 9.80, 2.0, False, None),
    ("Окачени тавани", "Минерален таван 60×60", 6.40, 2.5, False, None),
    ("Лепила", "Лепило за плочки C1", 0.32, 10.0, False, None),
    ("Лепила", "Лепило за плочки C2TE", 0.55, 4.0, True, None),
    ("Лепила", "Лепило за топлоизолация", 0.30, 8.0, False, None),
    ("Мазилки", "Гипсова машинна мазилка", 0.22, 7.0, False, None),
    ("Мазилки", "Вароциментова мазилка", 0.18, 6.0, False, None),
    ("Мазилки", "Шпакловка финишна", 0.90, 4.0, False, None),
    ("Замазки", "Циментова замазка", 0.12, 6.0, False, None),
    ("Замазки", "Саморазливна замазка", 0.55, 2.5, False, None),
    ("Хидроизолации", "Циментова хидроизолация", 1.90, 1.5, True, -1),
    ("Хидроизолации", "Фугираща смес", 1.60, 2.0, False, None),
    ("Интериорни бои", "Латекс интериорен бял", 2.10, 10.0, False, None),
    ("Интериорни бои", "Латекс премиум", 4.20, 4.0, False, None),
    ("Фасадни бои", "Фасадна боя акрилна", 4.50, 4.0, False, None),
    ("Фасадни бои", "Фасадна боя силиконова", 7.50, 1.5, True, -2),
    ("Грундове", "Грунд дълбокопроникващ", 1.80, 6.0, False, None),
    ("Грундове", "Контактен грунд", 2.40, 3.0, False, None),
    ("Лакове и емайллакове", "Емайллак", 8.50, 2.0, False, None),
    ("Лакове и емайллакове", "Лак за дърво", 9.00, 1.2, False, None),
    ("Лакове и емайллакове", "Импрегнатор", 6.00, 1.5, False, None),
)

#: Brand label, price factor, popularity factor: the company's own brand and a premium brand.
BRANDS: tuple[tuple[str, float, float], ...] = (
    ("Строймат", 1.00, 1.00),
    ("Премиум", 1.28, 0.45),
)

#: Yearly list-price change (from the previous year, on 1 January) common to all lines; years
#: not listed change by DEFAULT_PRICE_CHANGE. Building-material prices rose sharply in 2022.
PRICE_CHANGES: dict[int, float] = {
    2016: 0.01, 2017: 0.02, 2018: 0.03, 2019: 0.03, 2020: 0.01, 2021: 0.07,
    2022: 0.17, 2023: 0.07, 2024: 0.02, 2025: 0.04, 2026: 0.03,
}
DEFAULT_PRICE_CHANGE = 0.03

#: How strongly each line follows the common price change (energy-hungry insulation more).
PRICE_SENSITIVITY: dict[str, float] = {"insulation": 1.25, "drywall": 1.05, "dry_mixes": 0.95,
                                       "paints": 0.75}

#: Industries: code, share of customers, driver that sizes the wallet, yearly wallet per driver
#: unit by business line in EUR at final-year prices (insulation, drywall, dry_mixes, paints).
INDUSTRIES: tuple[tuple[str, float, str, tuple[float, float, float, float]], ...] = (
    ("contractor", 0.36, "employees", (1200.0, 900.0, 1000.0, 500.0)),
    ("retailer", 0.24, "m2", (55.0, 45.0, 75.0, 85.0)),
    ("installer", 0.20, "employees", (1500.0, 1400.0, 600.0, 300.0)),
    ("developer", 0.08, "employees", (2100.0, 1600.0, 1500.0, 800.0)),
    ("industrial", 0.07, "employees", (300.0, 200.0, 200.0, 400.0)),
    ("public", 0.05, "employees", (400.0, 300.0, 300.0, 500.0)),
)

#: Building season: relative order intake by month (January .. December).
SEASONALITY = (0.50, 0.62, 0.95, 1.15, 1.25, 1.25, 1.20, 1.05, 1.20, 1.15, 0.90, 0.68)
