"""Personal API tokens: made once and shown once, kept only as a hash, revoked by deletion."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from cacheadmin.models import ApiToken

PREFIX = "cadm_"
# Writing last_used_at on every call would make each API request a database write.
USE_RESOLUTION = timedelta(minutes=1)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """The stored token and the secret itself, which is never stored nor shown again."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=digest_of(secret), hint=secret[: len(PREFIX) + 6]
    )
    return token, secret


def token_revoke(*, user: AbstractBaseUser, token_id: int) -> ApiToken | None:
    token = ApiToken.objects.filter(user=user, id=token_id).first()
    if token:
        token.delete()
    return token


def token_user(secret: str) -> AbstractBaseUser | None:
    """The active owner of a token, or None for an unknown token or an inactive owner."""
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return token.user
