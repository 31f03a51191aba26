"""XMPP namespaces and the few elements the gateway builds or reads by hand."""

import xml.etree.ElementTree as ET
from datetime import datetime

from myna.lib.clock import as_utc

CHAT_STATES = "http://jabber.org/protocol/chatstates"
MARKERS = "urn:xmpp:chat-markers:0"
DELAY = "urn:xmpp:delay"
MUC = "http://jabber.org/protocol/muc"
MUC_USER = "http://jabber.org/protocol/muc#user"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

STATES = ("active", "composing", "paused", "inactive", "gone")


def child(parent: ET.Element, namespace: str, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{namespace}}}{tag}", attrs)


def find(parent: ET.Element, namespace: str, name: str) -> ET.Element | None:
    return parent.find(f"{{{namespace}}}{name}")


def chat_state(stanza: ET.Element) -> str | None:
    for state in STATES:
        if find(stanza, CHAT_STATES, state) is not None:
            return state
    return None


def stamp(when: datetime) -> str:
    """XEP-0082 date-time, in UTC."""
    return as_utc(when).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
