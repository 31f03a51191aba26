"""Accounts suggested to follow (GET /api/v2/suggestions): friends of friends first, ranked by
how many of the viewer's followings follow them, then the most followed verified accounts.
Two queries whatever the limit; the rule of who may be suggested is policy/suggestions.py."""

from dataclasses import dataclass

from myna.db.database import Database
from myna.models import Account
from myna.policy.suggestions import RECENT_FOLLOWINGS, SuggestionSource, suggestible_filter
from myna.store import suggestions as store


@dataclass
class Suggestion:
    account: Account
    sources: list[SuggestionSource]


class SuggestionReads:
    def __init__(self, db: Database, recent_followings: int = RECENT_FOLLOWINGS) -> None:
        self.db = db
        self.recent_followings = recent_followings

    async def suggestions(self, viewer_id: int, limit: int) -> list[Suggestion]:
        allowed = suggestible_filter(viewer_id)
        async with self.db.session() as session:
            friends = await store.friends_of_friends(
                session, viewer_id, allowed, recent=self.recent_followings, limit=limit
            )
            verified = await store.popular_verified(session, allowed, limit=limit)
        found: dict[int, Suggestion] = {}
        for account, _mutuals in friends:
            found[account.id] = Suggestion(account, [SuggestionSource.FRIENDS_OF_FRIENDS])
        for account in verified:
            found.setdefault(account.id, Suggestion(account, [])).sources.append(
                SuggestionSource.FEATURED
            )
        return list(found.values())[:limit]
