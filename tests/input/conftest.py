"""Fixtures of the hostile-input tests: the proxy cases (`pw`) and API tokens (`api_as`) of the REST API
tests, on top of the shared `world`."""

from tests.api.conftest import _fresh_rate_limits, api_as, make_token, pw  # noqa: F401  (fixtures re-exported)
