"""The test kit (shanghui/testing) for every test: isolation (autouse), personas (`world`, `person`),
proxy cases (`pw`, `case_in`), one frozen clock (`clock`) and the SMS outbox (`sms_outbox`)."""

pytest_plugins = [
    "shanghui.testing.isolation",
    "shanghui.testing.personas",
    "shanghui.testing.cases",
    "shanghui.testing.clock",
    "shanghui.testing.sms",
]
