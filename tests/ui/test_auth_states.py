"""Sign-in, sign-up and the shared session state, without a browser."""

from __future__ import annotations

from reach_app.services.web_sessions import user_id_from_token
from reach_app.ui import routes
from reach_app.ui.pages.sign_in import SignInState
from reach_app.ui.pages.sign_up import SignUpState
from reach_app.ui.state import AppState
from tests.ui.conftest import make_state, redirect_target, signed_in


def test_right_credentials_store_a_session_token_and_go_to_the_campaigns(user):
    state = make_state(SignInState)
    result = state.submit({"email": "ADA@example.com ", "password": "correct-horse"})
    assert redirect_target(result) == routes.CAMPAIGNS
    assert user_id_from_token(state.session_token) == user["id"]
    assert state.error == ""


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(user):
    state = make_state(SignInState)
    result = state.submit({"email": "ada@example.com", "password": "wrong-horse"})
    assert result is None
    assert state.error == "Wrong email or password"
    assert state.session_token == ""


def test_an_unknown_email_gets_the_same_message_as_a_wrong_password(db):
    state = make_state(SignInState)
    state.submit({"email": "nobody@example.com", "password": "whatever1"})
    assert state.error == "Wrong email or password"


def test_sign_up_creates_the_account_and_signs_in(db):
    state = make_state(SignUpState)
    form = {
        "name": "Bo",
        "email": "bo@example.com",
        "password": "long-enough",
        "password_again": "long-enough",
    }
    result = state.submit(form)
    assert redirect_target(result) == routes.CAMPAIGNS
    assert user_id_from_token(state.session_token) is not None


def test_sign_up_refuses_a_taken_email_and_differing_passwords(user):
    state = make_state(SignUpState)
    state.submit(
        {"email": "bo@example.com", "password": "long-enough", "password_again": "other-one"}
    )
    assert state.error == "The two passwords differ"
    state.submit(
        {"email": "ada@example.com", "password": "long-enough", "password_again": "long-enough"}
    )
    assert "already exists" in state.error
    assert state.session_token == ""


def test_a_page_guard_sends_a_visitor_without_a_session_to_sign_in(db):
    state = make_state(AppState)
    assert redirect_target(state.require_sign_in()) == routes.SIGN_IN
    state.session_token = "forged-token"
    assert redirect_target(state.require_sign_in()) == routes.SIGN_IN


def test_a_page_guard_loads_the_user_and_falls_back_to_personal_for_a_foreign_org(user):
    state = signed_in(make_state(AppState), user["id"], workspace="999")
    assert state.require_sign_in() is None
    assert state.user_email == "ada@example.com"
    assert state.workspace == "personal"
    assert state.org_mode is False


def test_sign_out_forgets_the_session(user):
    state = signed_in(make_state(AppState), user["id"])
    state.require_sign_in()
    result = state.sign_out()
    assert redirect_target(result) == routes.SIGN_IN
    assert state.session_token == "" and state.user_email == ""
