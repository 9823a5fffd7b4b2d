"""`seconds_ago(seconds, stamp)`: "N s ago" counted on in the browser every
second from an age the server measured (see assets/ticker/seconds_ago.jsx).

`seconds` < 0 shows "never"; change `stamp` with every refresh so that an
unchanged age still restarts the count.
"""

from __future__ import annotations

from typing import Any

import reflex as rx


class SecondsAgo(rx.Component):
    library = "$/public/ticker/seconds_ago.jsx"
    tag = "SecondsAgo"

    seconds: rx.Var[int]
    stamp: rx.Var[int]


def seconds_ago(seconds: Any, stamp: Any, **props: Any) -> rx.Component:
    return SecondsAgo.create(seconds=seconds, stamp=stamp, **props)
