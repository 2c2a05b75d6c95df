"""Rows by their IDs in the fewest calls: `Field eq guid'…' or …` filters, as many IDs a call as
one page holds and a query string stays short enough.

Exact documents no limit on a URL's length. IIS, which serves Exact Online, refuses a query
string over 2,048 characters by default (HTTP 404.15), and other .NET APIs are seen to stop
there; so a filter stays under QUERY_BUDGET characters once percent-encoded (unverified: a
longer one may well pass, but a refusal would cost a failed call and an error on the key).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from urllib.parse import quote

QUERY_BUDGET = 1800  # encoded characters of one $filter; the rest of the query fits in 2,048


def encoded_length(text: str) -> int:
    """The length of `text` percent-encoded in a query string."""
    return len(quote(text, safe=""))


def id_filters(
    field: str, literals: Sequence[str], *, most: int, within: str = "{}"
) -> Iterator[str]:
    """`$filter` texts that together ask for every literal (`guid'…'`): each names at most
    `most` of them (one page: the answer needs no second call) and, put into `within`
    (e.g. "TransactionType eq 20 and ({})"), stays within QUERY_BUDGET once encoded."""
    batch: list[str] = []
    for literal in literals:
        clause = f"{field} eq {literal}"
        trial = within.format(" or ".join([*batch, clause]))
        if batch and (len(batch) >= most or encoded_length(trial) > QUERY_BUDGET):
            yield within.format(" or ".join(batch))
            batch = []
        batch.append(clause)
    if batch:
        yield within.format(" or ".join(batch))
