"""Public facade: ``cors_spec.intent`` gathers the oracle's intent, requests, findings and checks.

They live in :mod:`cors_spec.oracle.intent`, :mod:`~cors_spec.oracle.requests`,
:mod:`~cors_spec.oracle.exchange`, :mod:`~cors_spec.oracle.findings`,
:mod:`~cors_spec.oracle.properties` and :mod:`~cors_spec.oracle.check`.
"""

from cors_spec.oracle.battery import check_battery as check_battery
from cors_spec.oracle.battery import run_battery as run_battery
from cors_spec.oracle.check import check as check
from cors_spec.oracle.check import check_sequence as check_sequence
from cors_spec.oracle.check import resolve_profiles as resolve_profiles
from cors_spec.oracle.check import run_sequence as run_sequence
from cors_spec.oracle.exchange import Exchange as Exchange
from cors_spec.oracle.exchange import FactoryLike as FactoryLike
from cors_spec.oracle.exchange import ServerLike as ServerLike
from cors_spec.oracle.findings import KINDS as KINDS
from cors_spec.oracle.findings import Finding as Finding
from cors_spec.oracle.intent import Intent as Intent
from cors_spec.oracle.properties import expected_outcome as expected_outcome
from cors_spec.oracle.requests import BrowserRequest as BrowserRequest

__all__ = [
    "KINDS",
    "BrowserRequest",
    "Exchange",
    "FactoryLike",
    "Finding",
    "Intent",
    "ServerLike",
    "check",
    "check_battery",
    "check_sequence",
    "expected_outcome",
    "resolve_profiles",
    "run_battery",
    "run_sequence",
]
