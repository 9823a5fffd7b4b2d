"""The web sign-in form is throttled like the API (issue 12 #2)."""

from __future__ import annotations

from reach_app.ui.pages.sign_in import SignInState
from tests.ui.conftest import make_state


def test_the_sign_in_form_refuses_the_sixth_wrong_password_for_an_account(user):
    state = make_state(SignInState)
    for _ in range(5):
        state.submit({"email": "ada@example.com", "password": "wrong-horse"})
        assert state.error == "Wrong email or password"
    state.submit({"email": "ada@example.com", "password": "correct-horse"})
    assert state.error.startswith("Too many sign-in attempts; try again in ")
    assert state.session_token == ""
