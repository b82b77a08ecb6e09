"""Staff pages of proxy cases: the list with queues and export, the case page with its actions,
materials and timeline, agent intake, statistics and bad-rating follow-ups.

Each view: decorators, access check (shanghui/proxy/access.py) or the action's guard
(shanghui/proxy/actions.py, the same the API calls), form, one service or workflow call, response. A case
the user cannot see is a 404; one they see but may not act on is a 403; an action on a case that moved on
since the page was shown is a 409 with a message (workflow.Conflict).

Parts: common (access of the case pages, htmx, the way back), lists, detail (the case page and the
answers that show it again), actions, materials, intake, stats, followups; how things read on the page
is in shanghui/proxy/display.py.
"""
