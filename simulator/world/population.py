"""Customers, products and orders of the synthetic world, drawn in bulk with numpy.

Customers are one row each in a DataFrame (``CUSTOMER_COLUMNS``) rather than objects, because the
history generator samples hundreds of thousands of contacts from them; ``Customer`` is the one-row
view for code that handles a single person (personas, demo data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.world.catalog import CHANNELS, CONSENT_PURPOSES, LANGUAGES, PLANS, SEGMENTS, TEMPERAMENTS

__all__ = [
    "CUSTOMER_COLUMNS",
    "PRODUCTS",
    "Customer",
    "Product",
    "draw_customers",
    "draw_orders",
]


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    name: str
    category: str
    price: float
    """One-off price for devices, monthly price for plans and add-ons."""


PRODUCTS: tuple[Product, ...] = (
    Product("P01", "Fibre Basic 100", "plan", 25.0),
    Product("P02", "Fibre Plus 500", "plan", 45.0),
    Product("P03", "Fibre Max 1000", "plan", 85.0),
    Product("P04", "Mobile SIM Unlimited", "plan", 30.0),
    Product("P05", "Wi-Fi 6 Router", "device", 129.0),
    Product("P06", "Mesh Kit (3 pack)", "device", 249.0),
    Product("P07", "Smartphone X12", "device", 699.0),
    Product("P08", "TV Streaming Box", "device", 89.0),
    Product("P09", "Security Suite", "add_on", 6.0),
    Product("P10", "International Calls Pack", "add_on", 9.0),
)

_PLAN_MONTHLY = {"basic": 25.0, "standard": 45.0, "premium": 85.0}

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_id", "segment", "plan", "tenure_months", "lifetime_value", "churn_risk", "temperament",
    "vulnerable", "language", "preferred_channel", "age",
    *(f"consent_{p}" for p in CONSENT_PURPOSES),
)


@dataclass(frozen=True, slots=True)
class Customer:
    """One customer as the CRM knows them when the world is generated (no contact details: see demo)."""

    customer_id: str
    segment: str
    plan: str
    tenure_months: int
    lifetime_value: float
    churn_risk: float
    temperament: str
    vulnerable: bool
    language: str
    preferred_channel: str
    age: int
    consent: dict[str, bool]

    @classmethod
    def from_row(cls, row: pd.Series) -> Customer:
        consent = {p: bool(row[f"consent_{p}"]) for p in CONSENT_PURPOSES}
        return cls(
            customer_id=str(row["customer_id"]), segment=str(row["segment"]), plan=str(row["plan"]),
            tenure_months=int(row["tenure_months"]), lifetime_value=float(row["lifetime_value"]),
            churn_risk=float(row["churn_risk"]), temperament=str(row["temperament"]),
            vulnerable=bool(row["vulnerable"]), language=str(row["language"]),
            preferred_channel=str(row["preferred_channel"]), age=int(row["age"]), consent=consent,
        )


def _pick(rng: np.random.Generator, values: tuple[str, ...], p: list[float], n: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def draw_customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` customers with correlated features: tenure drives value and loyalty, age drives channel.

    Returns a DataFrame with ``CUSTOMER_COLUMNS`` and ids ``C000001``...; raises ValueError if n < 1.
    """
    if n < 1:
        raise ValueError("a world needs at least one customer")
    segment = _pick(rng, SEGMENTS, [0.5, 0.25, 0.15, 0.10], n)
    premium = segment == "premium"
    plan_idx = np.where(premium, rng.choice(3, size=n, p=[0.05, 0.3, 0.65]), rng.choice(3, size=n, p=[0.45, 0.4, 0.15]))
    plan = np.asarray(PLANS, dtype=object)[plan_idx]
    tenure = np.minimum(rng.gamma(1.4, 22.0, size=n), 240).astype(np.int64)
    monthly = np.array([_PLAN_MONTHLY[p] for p in PLANS])[plan_idx] * rng.lognormal(0.0, 0.25, size=n)
    monthly = np.where(segment == "small_business", monthly * 2.5, monthly)
    ltv = np.round(monthly * np.maximum(tenure, 1) + rng.gamma(1.0, 60.0, size=n), 2)
    age = np.clip(rng.normal(46, 16, size=n), 18, 92).astype(np.int64)
    risk_logit = -1.2 + 0.9 * (tenure < 12) - 0.012 * tenure + 0.4 * (segment == "value") + rng.normal(0, 0.6, n)
    churn_risk = np.round(1.0 / (1.0 + np.exp(-risk_logit)), 3)
    temperament = _pick(rng, TEMPERAMENTS, [0.45, 0.2, 0.15, 0.2], n)
    vulnerable = rng.random(n) < np.where(age >= 75, 0.25, 0.05)
    language = _pick(rng, LANGUAGES, [0.7, 0.18, 0.07, 0.05], n)
    phone_bias = np.clip((age - 30) / 60, 0, 1)
    channel_p = np.stack([0.55 - 0.35 * phone_bias, 0.25 + 0.45 * phone_bias, 0.2 - 0.1 * phone_bias], axis=1)
    u = rng.random(n)[:, None]
    preferred = np.asarray(CHANNELS, dtype=object)[(u > np.cumsum(channel_p, axis=1)).sum(axis=1)]
    consent_rates = {"service": 0.98, "marketing": 0.5, "profiling": 0.35, "analytics": 0.7, "recording": 0.85}
    frame = pd.DataFrame({
        "customer_id": [f"C{i:06d}" for i in range(1, n + 1)],
        "segment": segment, "plan": plan, "tenure_months": tenure, "lifetime_value": ltv,
        "churn_risk": churn_risk, "temperament": temperament, "vulnerable": vulnerable,
        "language": language, "preferred_channel": preferred, "age": age,
        **{f"consent_{p}": rng.random(n) < consent_rates[p] for p in CONSENT_PURPOSES},
    })
    for column in ("customer_id", "segment", "plan", "temperament", "language", "preferred_channel"):
        frame[column] = frame[column].astype("string")
    return frame


def draw_orders(rng: np.random.Generator, customers: pd.DataFrame, days: int = 365) -> pd.DataFrame:
    """Past orders (about 1.2 per customer) over the ``days`` before the world's reference date.

    Returns columns order_id, customer_id, product_id, days_ago, amount, status; statuses are
    delivered, shipped, delayed or returned.
    """
    counts = rng.poisson(1.2, size=len(customers))
    owner = np.repeat(customers["customer_id"].to_numpy(dtype=object), counts)
    total = int(counts.sum())
    products = np.array([p.product_id for p in PRODUCTS], dtype=object)
    prices = np.array([p.price for p in PRODUCTS])
    chosen = rng.choice(len(PRODUCTS), size=total, p=_order_mix())
    days_ago = rng.integers(0, days, size=total)
    status = np.where(days_ago < 5, "shipped", "delivered").astype(object)
    late = rng.random(total)
    status[(days_ago < 12) & (late < 0.25)] = "delayed"
    status[(days_ago >= 5) & (late > 0.95)] = "returned"
    frame = pd.DataFrame({
        "order_id": [f"O{i:07d}" for i in range(1, total + 1)],
        "customer_id": owner, "product_id": products[chosen], "days_ago": days_ago,
        "amount": np.round(prices[chosen] * rng.uniform(0.9, 1.1, size=total), 2), "status": status,
    })
    for column in ("order_id", "customer_id", "product_id", "status"):
        frame[column] = frame[column].astype("string")
    return frame


def _order_mix() -> list[float]:
    weights = np.array([0.06, 0.06, 0.04, 0.08, 0.16, 0.08, 0.06, 0.14, 0.18, 0.14])
    return list(weights / weights.sum())
