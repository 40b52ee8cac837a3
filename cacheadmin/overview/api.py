"""The overview's JSON: every card of an instance, as the page shows them: from each
service's last known state, with its time and whether it is stale."""

import dataclasses
from datetime import datetime

from django.http import HttpRequest, JsonResponse

from cacheadmin.overview.cards import all_cards
from cacheadmin.web.json_api import json_methods


@json_methods("GET")
def overview_api(request: HttpRequest) -> JsonResponse:
    cards = all_cards(request.instance, first_answer=True)
    return JsonResponse({name: _card_json(card) for name, card in cards.items()})


def _card_json(card: dict) -> dict:
    problem = card["problem"]
    answer = {
        # ok: figures of now; stale ones (an ask slower than the refresh) are not
        "ok": problem is None and card["figures"] is not None and not card["stale"],
        "figures": card["figures"],
        "problem": dataclasses.asdict(problem) if problem else None,
        "as_of": _iso(card["as_of"]),
        "stale": card["stale"],
        "failing_since": _iso(card["failing_since"]),
        "not_answering_since": _iso(card["failing_since"] if card["silent"] else None),
    }
    sentinel = card.get("sentinel")
    if sentinel:
        trouble = sentinel.get("problem")
        answer["sentinel"] = sentinel.get("view") or {"problem": dataclasses.asdict(trouble)}
    return answer


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
