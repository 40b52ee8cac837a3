"""The stack every websocket goes through: origin check, session auth, role check."""

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier

from cacheadmin.core.roles import can_view


class RoleRequiredMiddleware:
    """Refuses the handshake unless the session's user may view the dashboard."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is None or not await database_sync_to_async(can_view)(user):
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)


def protected(routes: list):
    """Wrap websocket routes so that none of them is reachable without login."""
    return AllowedHostsOriginValidator(
        AuthMiddlewareStack(RoleRequiredMiddleware(URLRouter(routes)))
    )
