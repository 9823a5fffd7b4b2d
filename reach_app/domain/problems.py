"""A problem found in a flow: machine code, a sentence for people, and where it is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One reason a flow cannot launch; ``node_id``/``edge_id`` point at the culprit."""

    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """JSON form used by the API's 422 answer and the builder."""
        return {
            "code": self.code,
            "message": self.message,
            "node_id": self.node_id,
            "edge_id": self.edge_id,
        }
