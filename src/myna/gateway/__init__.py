"""The IM gateway (docs/im-gateway.md): Myna people and groups in any XMPP client, through an
XMPP server that Myna joins as an external component (XEP-0114).

It is an entry point, like `streaming/`: what people send from their IM clients becomes
actions (direct statuses, group posts, typing, read markers, presence); what Myna sends them
arrives through streaming connections of the streaming hub, one per linked account, so the
one visibility rule (and blocks and mutes) decides what reaches an IM client exactly as it
decides what reaches a WebSocket."""
