"""Public facade: ``cors_spec.strategies`` is :mod:`cors_spec.oracle.strategies`."""

from cors_spec.oracle.strategies import (
    GENERIC_ORIGINS as GENERIC_ORIGINS,
)
from cors_spec.oracle.strategies import (
    browser_requests as browser_requests,
)
from cors_spec.oracle.strategies import (
    cors_response_headers as cors_response_headers,
)
from cors_spec.oracle.strategies import (
    malformed_values as malformed_values,
)
from cors_spec.oracle.strategies import (
    methods as methods,
)
from cors_spec.oracle.strategies import (
    near_misses as near_misses,
)
from cors_spec.oracle.strategies import (
    origins as origins,
)
from cors_spec.oracle.strategies import (
    request_headers as request_headers,
)
from cors_spec.oracle.strategies import (
    request_sequences as request_sequences,
)
from cors_spec.oracle.strategies import (
    safelist_edge_values as safelist_edge_values,
)

__all__ = [
    "GENERIC_ORIGINS",
    "browser_requests",
    "cors_response_headers",
    "malformed_values",
    "methods",
    "near_misses",
    "origins",
    "request_headers",
    "request_sequences",
    "safelist_edge_values",
]
