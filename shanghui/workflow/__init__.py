"""The workflow kernel: transition tables and the one locking transition (machine.py), the event row
(models.py), clocks on the working-day calendar (clocks.py), their warnings and escalation
(deadlines.py), and the tests every table gets (testing.py). docs/architecture.md shows how a programme
uses it."""
