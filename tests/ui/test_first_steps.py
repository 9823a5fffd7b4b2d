"""Empty pages say the set-up order: account, then contacts, then a campaign."""

from __future__ import annotations

from reach_app.ui.first_steps import first_steps


def test_an_empty_page_names_its_step_and_the_whole_order() -> None:
    text = first_steps(2, "Add contacts one by one or import a CSV file.")
    assert text.startswith("Add contacts one by one or import a CSV file. ")
    assert "step 2 of 3: add an account → add contacts → create a campaign." in text
    assert text.index("add an account") < text.index("add contacts") < text.index("create a")


def test_the_accounts_contacts_and_campaign_pages_render_their_empty_states() -> None:
    import reach_app.reach_app  # noqa: F401  (registers every page state)
    from reach_app.ui.pages.accounts import accounts_page
    from reach_app.ui.pages.campaigns import campaigns_page
    from reach_app.ui.pages.contacts import contacts_page

    for page, step in [(accounts_page, 1), (contacts_page, 2), (campaigns_page, 3)]:
        assert f"step {step} of 3: add an account" in str(page().render()), page.__name__
