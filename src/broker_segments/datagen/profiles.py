"""The six planted behaviour profiles and the securities they trade: the numbers that shape
the demo data."""

from __future__ import annotations

import numpy as np

PROFILES = ("vip", "potential", "ordinary_a", "ordinary_b", "free", "sleeping")
PRODUCT_TYPES = ("stock", "etf", "fund", "bond", "other")

# Behaviour profiles. One column per profile, in PROFILES order:
#                    vip      potential ordinary_a ordinary_b free     sleeping
PROFILE_PARAMS: dict[str, tuple[float, ...]] = {
    "share": (0.03, 0.10, 0.20, 0.27, 0.15, 0.25),
    # asset level (CNY): lognormal median and sigma, floor
    "assets_median": (1.3e6, 1.1e5, 3.0e5, 6.0e4, 9.0e3, 0.0),
    "assets_sigma": (0.70, 0.45, 0.40, 0.40, 0.50, 0.0),
    "assets_floor": (3.0e5, 2.0e4, 5.0e4, 5.0e3, 1.0e3, 0.0),
    # share of assets held as idle cash
    "cash_share_lo": (0.10, 0.02, 0.15, 0.20, 0.30, 0.0),
    "cash_share_hi": (0.30, 0.10, 0.40, 0.50, 0.70, 0.0),
    # log growth of the holdings over the whole window (on top of the market)
    "growth_lo": (-0.10, 0.25, -0.15, -0.20, -0.30, 0.0),
    "growth_hi": (0.15, 0.60, 0.15, 0.10, 0.10, 0.0),
    # daily volatility of the customer's own holdings and of the cash (log scale)
    "mv_vol": (0.008, 0.015, 0.010, 0.010, 0.012, 0.004),
    # cash: day-to-day noise of a mean-reverting (AR(1), see CASH_PERSISTENCE) log deviation
    "cash_vol": (0.12, 0.15, 0.12, 0.12, 0.12, 0.0),
    # share of open trading days with a trade (free: inside its few burst months only)
    "active_lo": (0.30, 0.50, 0.08, 0.04, 0.08, 0.0),
    "active_hi": (0.55, 0.80, 0.20, 0.08, 0.25, 0.0),
    # Poisson mean of the extra trades on an active day
    "extra_trades": (0.8, 1.0, 0.3, 0.1, 0.3, 0.0),
    # annual trade volume / asset level
    "turnover_lo": (3.0, 25.0, 3.0, 1.0, 0.5, 0.0),
    "turnover_hi": (8.0, 60.0, 6.0, 3.0, 3.0, 0.0),
    # number of product types the customer trades
    "breadth_lo": (4, 1, 2, 1, 1, 1),
    "breadth_hi": (5, 3, 3, 2, 2, 1),
    "transfers_per_year": (8.0, 6.0, 4.0, 2.5, 1.5, 0.0),
    # net saving (vip, potential, ordinary_a) or withdrawing (ordinary_b) shows in the
    # direction mix, so the sign of net_fund_inflow follows the profile
    "transfer_in_share": (0.80, 0.90, 0.75, 0.30, 0.60, 0.5),
    "buy_share": (0.5, 0.55, 0.5, 0.5, 0.5, 0.5),
    # tenure: chance to open / close inside the window, else account age before the window
    "opened_in_window": (0.0, 0.25, 0.05, 0.08, 0.15, 0.0),
    "closed_in_window": (0.0, 0.02, 0.02, 0.04, 0.07, 0.02),
    "age_lo_years": (6.0, 0.2, 1.0, 0.5, 0.2, 6.5),
    "age_hi_years": (19.5, 6.0, 17.0, 18.0, 12.0, 19.5),
    # customer attributes
    "online_share": (0.30, 0.85, 0.50, 0.55, 0.80, 0.15),
    "birth_lo": (1950, 1982, 1960, 1960, 1970, 1945),
    "birth_hi": (1978, 2003, 1990, 1995, 2004, 1985),
    "risk_lo": (2, 3, 2, 1, 2, 1),
    "risk_hi": (5, 5, 4, 4, 5, 3),
}
PARAMS = {k: np.asarray(v, dtype=np.float64) for k, v in PROFILE_PARAMS.items()}
SLEEPING = PROFILES.index("sleeping")
FREE = PROFILES.index("free")
VIP = PROFILES.index("vip")
# product preference per profile (stock, etf, fund, bond, other); a customer trades the
# top-`breadth` of these after random (Gumbel) perturbation
PRODUCT_PREF = np.array(
    [
        [0.40, 0.20, 0.20, 0.15, 0.05],
        [0.75, 0.20, 0.03, 0.02, 0.00],
        [0.60, 0.20, 0.15, 0.05, 0.00],
        [0.70, 0.10, 0.20, 0.00, 0.00],
        [0.85, 0.10, 0.05, 0.00, 0.00],
        [1.00, 0.00, 0.00, 0.00, 0.00],
    ]
)
FREE_BURST_MONTH_SHARE = 0.2
CASH_PERSISTENCE = 0.9
MAX_TRADES_PER_DAY = 6  # x ~1,300 trading days in 60 months stays below sequence 9999
TRADING_DAYS_PER_YEAR = 244.0
N_BRANCHES = 120

# securities: per product type, how many, price level (CNY), tick and lot
UNIVERSE = {
    # product type: (count, median price, sigma, min, max, tick in 1e-4 CNY, lot, market beta)
    "stock": (2000, 12.0, 0.7, 2.0, 500.0, 100, 100, 1.0),
    "etf": (150, 1.5, 0.6, 0.3, 10.0, 10, 100, 0.9),
    "fund": (300, 1.3, 0.4, 0.5, 5.0, 1, 100, 0.6),
    "bond": (200, 105.0, 0.08, 80.0, 200.0, 10, 10, 0.15),
    "other": (30, 3.0, 0.6, 0.3, 20.0, 10, 100, 0.8),
}
CODE_RANGES = {
    "stock": ((600000, 604000), (1, 3000), (300001, 302000), (688001, 689000)),
    "etf": ((510000, 519000), (159000, 160000)),
    "fund": ((160000, 170000),),
    "bond": ((110000, 114000), (19000, 20000)),
    "other": ((900901, 900960), (200002, 200990)),
}


def commission_rates(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    """Per-customer commission rate: 0.015%-0.3%, most 0.02%-0.05%, VIPs at the low end."""
    n = len(profile)
    rate = np.clip(0.00028 * np.exp(0.35 * rng.standard_normal(n)), 0.00015, 0.003)
    legacy_high = (rng.random(n) < 0.06) & (profile != VIP)
    rate = np.where(legacy_high, rng.uniform(0.0008, 0.003, n), rate)
    return np.where(profile == VIP, rng.uniform(0.00015, 0.00025, n), rate)
