"""A part of a page that the page asks for after it shows (htmx), opened on its own:
within the site's layout, with its title, rather than a bare fragment."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_part(
    request: HttpRequest, template: str, context: dict, *, title: str, status: int = 200
) -> HttpResponse:
    if request.htmx:
        return render(request, template, context, status=status)
    page = context | {"part": template, "part_title": title}
    return render(request, "partials/part_page.html", page, status=status)
