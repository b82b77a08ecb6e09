# The proxy fixtures (`pw`): notifications are mostly about proxy cases.
from shanghui.proxy.tests.conftest import pw  # noqa: F401
