from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.dev_idp import DevIdp, start_dev_idp


@pytest.fixture(scope="package")
def idp() -> Iterator[DevIdp]:
    """One dev IdP shared by the tests of tests/deploy (each module skips itself when it cannot run)."""
    server = start_dev_idp(realm="demo", access_token_ttl=300)
    yield server
    server.stop()
