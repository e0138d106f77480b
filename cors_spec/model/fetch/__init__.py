"""The fetch algorithms, one file each, as the Fetch standard lays them out.

- :mod:`.params`: fetch params (profile, server, cache, clock, trace, what was sent) and
  the internal response;
- :mod:`.main`: fetch, main fetch, HTTP fetch, HTTP-redirect fetch;
- :mod:`.scheme`: scheme fetch (`data:` URLs);
- :mod:`.preflight`: the CORS-preflight fetch and HTTP fetch step 4.1's cache look-ups;
- :mod:`.cors_check`: the CORS check;
- :mod:`.cache`: the CORS-preflight cache;
- :mod:`.network`: HTTP-network-or-cache fetch and the `Origin` header;
- :mod:`.filtered`: main fetch steps 14-22, the filtered response script gets.
"""

from __future__ import annotations

from cors_spec.model.fetch.main import fetch, fetch_element
from cors_spec.model.fetch.params import FetchParams, InternalResponse, Server

__all__ = ["FetchParams", "InternalResponse", "Server", "fetch", "fetch_element"]
