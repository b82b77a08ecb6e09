# The proxy-case fixtures (`pw`) serve conversation tests: a proxy case owns the first conversations.
from shanghui.proxy.tests.conftest import pw  # noqa: F401
