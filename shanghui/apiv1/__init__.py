"""The REST API at /api/v1/ (django-ninja): what staff do in the pages, for other systems.

`shanghui/api.py` builds the NinjaAPI from the routers here. One module per group of endpoints; the
shared pieces are `auth.py` (personal tokens and the session), `errors.py` (one JSON shape for every
error), `throttle.py` (per-token rate limit) and `cursor.py` (keyset pagination). Every endpoint checks
access with the same `access.py` functions as the pages and writes only through the services.
"""
