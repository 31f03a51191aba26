"""OAuth 2.0 endpoints (authorize, token, revoke) built on Authlib's authorization server."""
