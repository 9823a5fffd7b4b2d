"""Contact services called directly (the UI does): field cleaning and CSV import edge cases."""

from __future__ import annotations

import pytest

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import contacts, identity
from reach_app.services.contact_fields import clean_contact
from reach_app.services.contact_import import import_contacts_csv
from reach_app.services.errors import Invalid
from reach_app.services.tenancy import Actor


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"username": "has space"}, "username"),
        ({"phone_number": "+12ab"}, "phone_number"),
        ({"email": "no-at-sign"}, "email"),
        ({"username": "ok", "telegram_user_id": "-5"}, "telegram_user_id"),
        ({"username": "ok", "consent": {"telegram": "yes"}}, "consent"),
        ({"username": "ok", "timezone": "Nowhere/City"}, "timezone"),
        ({"first_name": "only a name"}, "contact"),
    ],
)
def test_each_bad_field_is_named(raw: dict, field: str) -> None:
    _fields, problems = clean_contact(raw)
    assert [p["field"] for p in problems] == [field]


def test_clean_values_are_normalised() -> None:
    fields, problems = clean_contact(
        {
            "username": "@Ana_1",
            "phone_number": "+49 (170) 12-34",
            "email": " A@B.CO ",
            "tags": "x; X|y",
        }
    )
    assert problems == []
    assert fields["username"] == "Ana_1" and fields["phone_number"] == "+491701234"
    assert fields["email"] == "a@b.co" and fields["tags"] == ["x", "y"]


def _actor() -> Actor:
    with session_scope() as s:
        user = identity.create_user(s, email="ops@example.com", password="password-123")
        return Actor(user_id=user.id)


def test_import_matches_by_id_and_handles_and_survives_odd_files(db: str) -> None:
    actor = _actor()
    with session_scope() as s:
        first = contacts.create_contact(s, actor, {"username": "first"}, now=utcnow()).contact.id
    data = (
        f"id,username,username,first_name\n{first},,,Renamed\n999999,,,Ghost\n,dup,dup,Twice\n,dup,,Again\n\n"
    ).encode()
    with session_scope() as s:
        report = import_contacts_csv(s, actor, data, now=utcnow())
    assert (report.created, report.updated, report.rejected) == (1, 2, 1)
    assert [r["status"] for r in report.rows] == ["updated", "rejected", "created", "updated"]
    with session_scope() as s:
        assert contacts.get_contact(s, actor, first).contact.first_name == "Renamed"
    with session_scope() as s, pytest.raises(Invalid):
        import_contacts_csv(s, actor, b"", now=utcnow())
    with session_scope() as s, pytest.raises(Invalid):
        import_contacts_csv(s, actor, b"username\n" + b'"' + b"x" * 200_000 + b'"\n', now=utcnow())
