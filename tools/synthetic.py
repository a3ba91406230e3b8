"""Synthetic customer indicators with known groups, for the tests of the fits and
``tools.fit_benchmark``.

Six archetypes, one per thesis group, with realistic orders of magnitude (A-share commission
around 0.03% of trade value, assets mostly under 100k CNY, VIPs in the millions, dormant
accounts with near-zero assets and years since their last trade). Every indicator of both
schemes is produced, with the identities of the domain: ``interest_margin_contribution =
avg_daily_cash * 0.0096``, ``customer_contribution = annual_commission +
interest_margin_contribution``, ``annual_turnover = annual_trade_volume / avg_daily_assets``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INTEREST_MARGIN_RATE = 0.0096

# archetype: share, median assets, cash share, median yearly turnover, active days,
# asset growth (mean log), median tenure (years), product breadth mean
_ARCHETYPES = {
    "vip": (0.05, 3_000_000, 0.25, 6.0, 150, 0.05, 12.0, 4.0),
    "potential": (0.12, 120_000, 0.20, 25.0, 160, 0.60, 2.0, 2.5),
    "ordinary_a": (0.18, 400_000, 0.30, 3.0, 60, 0.10, 9.0, 2.5),
    "ordinary_b": (0.25, 60_000, 0.30, 2.0, 40, -0.10, 6.0, 1.5),
    "free": (0.20, 8_000, 0.60, 0.6, 6, -0.20, 4.0, 1.0),
    "sleeping": (0.20, 300, 0.90, 0.0, 0, -0.50, 10.0, 0.0),
}


def make_customers(n: int, seed: int = 0, noise: float = 0.35) -> pd.DataFrame:
    """``n`` customers with every indicator and their true group in ``archetype``."""
    rng = np.random.default_rng(seed)
    names = list(_ARCHETYPES)
    shares = np.array([_ARCHETYPES[a][0] for a in names])
    group = rng.choice(len(names), size=n, p=shares / shares.sum())
    params = np.array([_ARCHETYPES[a][1:6] for a in names], dtype=float)
    tenure = np.array([_ARCHETYPES[a][6] for a in names], dtype=float)
    breadth = np.array([_ARCHETYPES[a][7] for a in names], dtype=float)

    def lognormal(median: np.ndarray, sigma: float = noise) -> np.ndarray:
        return median * np.exp(rng.normal(0.0, sigma, n))

    assets = lognormal(params[group, 0])
    cash = assets * np.clip(params[group, 1] * lognormal(np.ones(n), 0.2 * noise), 0.01, 0.99)
    market_value = assets - cash
    turnover = lognormal(params[group, 2])
    volume = turnover * assets
    active_days = np.minimum(
        240, np.round(lognormal(np.maximum(params[group, 3], 0.0)) * (params[group, 3] > 0))
    )
    sleeping = active_days == 0
    volume = np.where(sleeping, 0.0, volume)
    turnover = np.where(sleeping, 0.0, turnover)
    trade_count = np.where(sleeping, 0, np.round(active_days * lognormal(np.full(n, 2.5), 0.3)))
    commission = np.where(
        sleeping, 0.0, np.maximum(volume * lognormal(np.full(n, 0.0003), 0.2), 5.0 * trade_count)
    )
    margin = cash * INTEREST_MARGIN_RATE
    active_months = np.where(sleeping, 0, np.minimum(12, np.ceil(active_days / 15 + rng.random(n))))
    age = lognormal(tenure[group])
    days_since = np.where(
        sleeping,
        np.round(np.minimum(age * 365.25, lognormal(np.full(n, 900.0)))),
        np.round(lognormal(365.0 / np.maximum(active_days, 1) * 2)),
    )
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{seed:03d}{i:08d}" for i in range(n)],
            "archetype": np.asarray(names, dtype=object)[group],
            "annual_commission": commission,
            "interest_margin_contribution": margin,
            "avg_daily_market_value": market_value,
            "avg_daily_cash": cash,
            "avg_daily_assets": assets,
            "annual_trade_volume": volume,
            # Flows keep the sign of the group's asset trend (noise well below the trend), so
            # signed log1p does not split a group in two.
            "net_fund_inflow": assets * params[group, 4] * 0.5 * lognormal(np.ones(n)),
            "asset_growth": rng.normal(params[group, 4], 0.4 * noise, n),
            "annual_turnover": turnover,
            "trade_count": trade_count.astype(float),
            "active_trading_days": active_days,
            "product_breadth": np.clip(np.round(rng.normal(breadth[group], 2 * noise)), 0, 5)
            * ~sleeping,
            "active_months": active_months.astype(float),
            "account_age_years": age,
            "days_since_last_trade": days_since,
        }
    )
    frame["customer_contribution"] = frame["annual_commission"] + margin
    return frame
