"""The router of /api/v1/cases/ and what its parts share."""

from __future__ import annotations

from collections.abc import Collection

from ninja import Router

from shanghui.apiv1.errors import ApiError, first_message
from shanghui.proxy import actions

router = Router(tags=["代办件"])


def operation_id(view: str) -> str:
    """The operation id of the OpenAPI document, as it was when the endpoints were one module (clients
    generate code from it): ninja's default would follow the module the view lives in."""
    return f"shanghui_apiv1_cases_{view}"


def refusal(exc: actions.Refused, params: Collection[str] = ()) -> Exception:
    """What the API answers for refused inputs: the workflow's or service's own error as it stands
    (errors.install), else the messages by field (an action's parameters under params.)."""
    if exc.error is not None:
        return exc.error
    fields = {(f"params.{k}" if k in params else k): v for k, v in exc.fields.items()}
    return ApiError(422, first_message(fields), fields=fields)
