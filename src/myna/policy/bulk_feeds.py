"""The fan-out rule of `audience.home_recipients`, turned around: instead of "who receives
this status", "which statuses belong in the feeds of these accounts", as one statement over a
range of accounts. `myna seed` fills home feeds with it in bulk, as if every status had been
fanned out when it was posted. tests/test_seed.py holds the two forms together.

It covers what the seeder makes: public, unlisted and followers-only statuses, replies and
reposts, by accounts without blocks, mutes or lists. Direct statuses reach only their author's
feed here, and group and list-audience statuses none (their rules need mentions, lists and
memberships the seeder does not make)."""

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union_all
from sqlalchemy.orm import aliased

from myna.models import Account, Follow, Status, Visibility

FAN_OUT_COLUMNS = (
    Status.account_id,
    Status.id,
    Status.reblog_of_id,
    Status.in_reply_to_account_id,
    Status.visibility,
    Status.group_id,
    Status.list_id,
)


def home_rows(
    first_id: int, last_id: int, pull_threshold: int, cap: int, *, statistics: bool = True
) -> Select[tuple[int, int, int | None]]:
    """(account_id, status_id, reblog_of_id) for the accounts with ids in [first_id, last_id]:
    their own statuses, and their followees' statuses by the fan-out rule (authors above
    `pull_threshold` followers are pulled at read time, so not here; a reply reaches followers
    who also follow the account replied to, or are it; a repost skips followers who turned
    reposts off, and feeds that already hold the reposted status or an earlier repost of it).
    At most the newest `cap` rows per account, as a capped timeline store keeps.

    `FAN_OUT_COLUMNS`, indexed in this order, answer it from the index alone. Without planner
    `statistics` (SQLite as we leave it), "neither a group nor a list post" is written as one
    expression no index answers: otherwise SQLite walks every status by the group index for
    each batch instead of starting from the batch's follows."""
    plain: ColumnElement[bool] = func.coalesce(Status.group_id, Status.list_id).is_(None)
    if statistics:
        plain = and_(Status.group_id.is_(None), Status.list_id.is_(None))
    author = aliased(Account)
    also = aliased(Follow)
    fed = (
        select(
            Follow.account_id.label("account_id"),
            Status.id.label("status_id"),
            Status.reblog_of_id.label("reblog_of_id"),
        )
        .join(Status, Status.account_id == Follow.target_account_id)
        .join(author, author.id == Follow.target_account_id)
        # The reply rule as a join to the batch's own follows (stated, so that a planner that
        # hashes them reads the batch's, not every follow in the database).
        .outerjoin(
            also,
            and_(
                also.account_id.between(first_id, last_id),
                also.account_id == Follow.account_id,
                also.target_account_id == Status.in_reply_to_account_id,
            ),
        )
        .where(
            Follow.account_id.between(first_id, last_id),
            author.followers_count <= pull_threshold,
            plain,
            Status.visibility != Visibility.DIRECT,
            or_(
                Status.in_reply_to_account_id.is_(None),
                Status.in_reply_to_account_id == Status.account_id,
                Status.in_reply_to_account_id == Follow.account_id,
                also.id.is_not(None),
            ),
            or_(Status.reblog_of_id.is_(None), Follow.show_reblogs.is_(True)),
        )
    )
    own = select(Status.account_id, Status.id, Status.reblog_of_id).where(
        Status.account_id.between(first_id, last_id),
        plain,
    )
    candidates = union_all(fed, own).subquery()
    # One post, seen once: the original sorts before its reposts (ids grow with time), so a
    # repost stays only when it is the first of its family in the feed.
    family = func.coalesce(candidates.c.reblog_of_id, candidates.c.status_id)
    first_of_family = func.min(candidates.c.status_id).over(
        partition_by=(candidates.c.account_id, family)
    )
    deduplicated = select(
        candidates.c.account_id,
        candidates.c.status_id,
        candidates.c.reblog_of_id,
        first_of_family.label("first_id"),
    ).subquery()
    newest = (
        func.row_number()
        .over(partition_by=deduplicated.c.account_id, order_by=deduplicated.c.status_id.desc())
        .label("position")
    )
    ranked = (
        select(
            deduplicated.c.account_id,
            deduplicated.c.status_id,
            deduplicated.c.reblog_of_id,
            newest,
        )
        .where(
            or_(
                deduplicated.c.reblog_of_id.is_(None),
                deduplicated.c.status_id == deduplicated.c.first_id,
            )
        )
        .subquery()
    )
    return select(ranked.c.account_id, ranked.c.status_id, ranked.c.reblog_of_id).where(
        ranked.c.position <= cap
    )


def counted_sql() -> ColumnElement[bool]:
    """SQL form of `visibility.counted_in_profile` (tests/test_seed.py compares them): the
    statuses an account's statuses_count and last_status_at count."""
    return and_(
        Status.visibility.not_in((Visibility.DIRECT, Visibility.GROUP)), Status.list_id.is_(None)
    )
