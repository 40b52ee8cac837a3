"""The overview's JSON: every card of an instance, as the page shows them."""

import dataclasses

from django.http import HttpRequest, JsonResponse

from cacheadmin.overview.cards import all_cards
from cacheadmin.web.json_api import json_methods


@json_methods("GET")
def overview_api(request: HttpRequest) -> JsonResponse:
    cards = all_cards(request.instance)
    return JsonResponse({name: _card_json(card) for name, card in cards.items()})


def _card_json(card: dict) -> dict:
    problem = card["problem"]
    answer = {
        "ok": problem is None,
        "figures": card["figures"],
        "problem": dataclasses.asdict(problem) if problem else None,
    }
    sentinel = card.get("sentinel")
    if sentinel:
        trouble = sentinel.get("problem")
        answer["sentinel"] = sentinel.get("view") or {"problem": dataclasses.asdict(trouble)}
    return answer
