"""Websocket routes; every one of them sits behind cacheadmin.live.stack.protected."""

websocket_urlpatterns: list = []
