"""The audit log: every mutating action, newest first, filtered and paginated."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cacheadmin.audit.forms import AuditFilterForm
from cacheadmin.audit.selectors import audit_actions, audit_instances, audit_search
from cacheadmin.web.instance_paths import every_instance, visible_to

PAGE_SIZE = 50


@every_instance
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    visible = visible_to(request)
    actions = audit_actions(visible=visible, reader=request.user)
    choices = {"actions": actions, "instances": audit_instances(visible)}
    if not form.is_valid():
        context = {"form": form, "page": None, **choices}
        return render(request, "audit/list.html", context, status=400)
    names = ("username", "instance", "action", "outcome", "text")
    filters = {name: form.cleaned_data[name] for name in names}
    entries = audit_search(visible=visible, reader=request.user, **filters)
    paginator = Paginator(entries, PAGE_SIZE)
    page = paginator.get_page(form.cleaned_data["page"] or 1)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), **choices}
    template = "audit/partials/entries.html" if request.htmx else "audit/list.html"
    return render(request, template, context)
