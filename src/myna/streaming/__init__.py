"""The streaming API: WebSocket and server-sent events, fed only by the broker."""
