"""The user's own page: role, password, personal API tokens."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cacheadmin.accounts.forms import TokenForm
from cacheadmin.web.audit import audit_record
from cacheadmin.web.instance_paths import every_instance
from cacheadmin.web.tokens import token_create, token_revoke

NEW_TOKEN = "cacheadmin.new_token"  # noqa: S105 (a session key, not a secret)


@every_instance
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    # A new token's secret is shown once, on the page the creation redirects to.
    new_token = request.session.pop(NEW_TOKEN, None)
    context = _context(request, TokenForm()) | {"new_token": new_token}
    return render(request, "accounts/profile.html", context)


@every_instance
@require_POST
def token_create_view(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/profile.html", _context(request, form), status=400)
    token, secret = token_create(user=request.user, name=form.cleaned_data["name"])
    audit_record(user=request.user, action="token.create", target=f"{token.name} ({token.hint}…)")
    request.session[NEW_TOKEN] = {"name": token.name, "secret": secret}
    return redirect("profile")


@every_instance
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = token_revoke(user=request.user, token_id=token_id)
    if token:
        audit_record(
            user=request.user, action="token.revoke", target=f"{token.name} ({token.hint}…)"
        )
        messages.success(request, f"Revoked the token “{token.name}”.")
    return redirect("profile")


def _context(request: HttpRequest, form: TokenForm) -> dict:
    return {"form": form, "tokens": request.user.api_tokens.all()}
