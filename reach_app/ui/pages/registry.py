"""Registers every page of the UI on the app, with its route, title and on_load."""

from __future__ import annotations

import reflex as rx

from reach_app.ui import routes
from reach_app.ui.builder.page import flow_builder_page
from reach_app.ui.builder.state import FlowBuilderState
from reach_app.ui.pages.accept_invitation import AcceptInvitationState, accept_invitation_page
from reach_app.ui.pages.accounts import AccountsState, accounts_page
from reach_app.ui.pages.campaign_detail import campaign_detail_page
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.pages.campaigns import CampaignListState, campaigns_page
from reach_app.ui.pages.contacts import ContactsState, contacts_page
from reach_app.ui.pages.inbox import InboxState, inbox_page
from reach_app.ui.pages.new_campaign import NewCampaignState, new_campaign_page
from reach_app.ui.pages.not_found import not_found_page
from reach_app.ui.pages.organization import OrganizationState, organization_page
from reach_app.ui.pages.segments import SegmentsState, segments_page
from reach_app.ui.pages.sign_in import sign_in_page
from reach_app.ui.pages.sign_up import sign_up_page
from reach_app.ui.pages.templates import TemplatesState, templates_page
from reach_app.ui.state import AppState


def _index() -> rx.Component:
    return rx.center(rx.spinner(size="3"), min_height="100vh")


def register_pages(app: rx.App) -> None:
    app.add_page(_index, route="/", title="Reach", on_load=AppState.go_home)
    app.add_page(
        sign_in_page,
        route=routes.SIGN_IN,
        title="Sign in · Reach",
        on_load=AppState.redirect_if_signed_in,
    )
    app.add_page(
        sign_up_page,
        route=routes.SIGN_UP,
        title="Create account · Reach",
        on_load=AppState.redirect_if_signed_in,
    )
    app.add_page(
        accept_invitation_page,
        route=routes.INVITATION,
        title="Invitation · Reach",
        on_load=AcceptInvitationState.load,
    )
    app.add_page(
        campaigns_page,
        route=routes.CAMPAIGNS,
        title="Campaigns · Reach",
        on_load=[AppState.require_sign_in, CampaignListState.load],
    )
    app.add_page(
        campaign_detail_page,
        route=routes.CAMPAIGN_DETAIL,
        title=CampaignDetailState.tab_title,
        on_load=[AppState.require_sign_in, CampaignDetailState.load],
    )
    app.add_page(
        new_campaign_page,
        route=routes.NEW_CAMPAIGN,
        title="New campaign · Reach",
        on_load=[AppState.require_sign_in, NewCampaignState.load],
    )
    app.add_page(
        flow_builder_page,
        route=routes.CAMPAIGN_FLOW,
        title=rx.cond(
            FlowBuilderState.name != "",
            FlowBuilderState.name + " · Flow · Reach",
            "Flow builder · Reach",
        ),
        # FlowBuilderState.load opens only a campaign other than the one open (a socket
        # reconnect re-runs on_load and keeps the edits); the page's on_mount opens the flow.
        on_load=[AppState.require_sign_in, FlowBuilderState.load],
    )
    simple_pages = [
        (contacts_page, routes.CONTACTS, "Contacts", ContactsState.load),
        (accounts_page, routes.ACCOUNTS, "Accounts", AccountsState.load),
        (templates_page, routes.TEMPLATES, "Templates", TemplatesState.load),
        (segments_page, routes.SEGMENTS, "Segments", SegmentsState.load),
        (inbox_page, routes.INBOX, "Inbox", InboxState.load),
        (organization_page, routes.ORGANIZATION, "Organization", OrganizationState.load),
    ]
    for page, route, title, load in simple_pages:
        on_load = [AppState.require_sign_in] + ([load] if load is not None else [])
        app.add_page(page, route=route, title=f"{title} · Reach", on_load=on_load)
    app.add_page(not_found_page, route="404", title="Page not found · Reach")
