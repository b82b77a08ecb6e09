"""The one error of the Open311 endpoints: an HTTP status and the spec's list of code/description."""

from __future__ import annotations

from collections.abc import Iterable


class Open311Error(Exception):
    """Rendered by the views as <errors><error><code/><description/></error></errors> (or the JSON
    array) with `status`: 400 bad or missing parameters, 403 api_key, 404 unknown resource."""

    def __init__(self, status: int, descriptions: str | Iterable[str]) -> None:
        self.status = status
        self.descriptions = [descriptions] if isinstance(descriptions, str) else list(descriptions)
        super().__init__("; ".join(self.descriptions))

    def as_list(self) -> list[dict[str, object]]:
        # The body's code is the HTTP status, as the spec recommends "in most cases".
        return [{"code": self.status, "description": text} for text in self.descriptions]
