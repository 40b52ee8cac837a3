"""The web edge: access, roles, tokens, JSON errors, websockets, error pages, URL
prefixes; what every request and socket passes through."""
