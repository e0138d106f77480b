"""Public facade: ``cors_spec.intent`` is :mod:`cors_spec.oracle.intent`."""

from cors_spec.oracle.intent import (
    KINDS as KINDS,
)
from cors_spec.oracle.intent import (
    BrowserRequest as BrowserRequest,
)
from cors_spec.oracle.intent import (
    Exchange as Exchange,
)
from cors_spec.oracle.intent import (
    FactoryLike as FactoryLike,
)
from cors_spec.oracle.intent import (
    Finding as Finding,
)
from cors_spec.oracle.intent import (
    Intent as Intent,
)
from cors_spec.oracle.intent import (
    ServerLike as ServerLike,
)
from cors_spec.oracle.intent import (
    check as check,
)
from cors_spec.oracle.intent import (
    check_sequence as check_sequence,
)
from cors_spec.oracle.intent import (
    expected_outcome as expected_outcome,
)
from cors_spec.oracle.intent import (
    run_sequence as run_sequence,
)

__all__ = [
    "KINDS",
    "BrowserRequest",
    "Exchange",
    "FactoryLike",
    "Finding",
    "Intent",
    "ServerLike",
    "check",
    "check_sequence",
    "expected_outcome",
    "run_sequence",
]
