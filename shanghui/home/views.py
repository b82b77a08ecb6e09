from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from shanghui.home.dashboard import cards_for


@login_required
def index(request: HttpRequest) -> HttpResponse:
    cards = cards_for(request.user)
    # What asks for action (已超期, 即将超期) comes first; then today's list and the trends; then counts.
    return render(
        request,
        "home/index.html",
        {
            "cards": cards,
            "action_cards": [c for c in cards if c.kind == "action"],
            "work_cards": [c for c in cards if c.kind == "trend" or c.key == "cases-today"],
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
