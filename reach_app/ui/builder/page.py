"""Flow builder page: palette, canvas, side panel, problems, variations, save."""

from __future__ import annotations

import reflex as rx

from reach_app.ui import routes
from reach_app.ui.builder.canvas import TYPE_TITLES, flow_canvas
from reach_app.ui.builder.editing import PALETTE
from reach_app.ui.builder.node_editor import node_editor
from reach_app.ui.builder.state import MAIN
from reach_app.ui.builder.state import FlowBuilderState as S
from reach_app.ui.components.common import empty_state, problem_callout, status_badge
from reach_app.ui.components.layout import shell
from reach_app.ui.components.projection import projection_summary

CANVAS_PALETTE = [{"type": t, "title": TYPE_TITLES[t]} for t in PALETTE]
BROWSER_PATH: rx.Var[str] = rx.Var("window.location.pathname", _var_type=str)


def _header() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.link(
                rx.hstack(rx.icon("arrow-left", size=14), rx.text("Campaign", size="2")),
                href=S.back_href,
                color_scheme="gray",
            ),
            rx.hstack(
                rx.heading(S.name, size="5"),
                status_badge(S.status),
                rx.cond(S.dirty, rx.badge("unsaved changes", color_scheme="amber")),
                projection_summary(S.projection, compact=True),
                align="center",
                wrap="wrap",
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.cond(
            S.read_only,
            rx.hstack(
                rx.callout("The flow is read-only: pause the campaign to edit it.", icon="lock", size="1"),
                rx.cond(
                    S.can_pause,
                    rx.button("Pause to edit", on_click=S.pause_to_edit, data_testid="pause-to-edit"),
                ),
                align="center",
            ),
            rx.hstack(
                rx.icon_button(rx.icon("undo-2", size=14), variant="soft", on_click=S.undo,
                               disabled=~S.can_undo, title="Undo (Ctrl+Z)", aria_label="Undo",
                               data_testid="undo"),
                rx.icon_button(rx.icon("redo-2", size=14), variant="soft", on_click=S.redo,
                               disabled=~S.can_redo, title="Redo (Ctrl+Shift+Z)", aria_label="Redo",
                               data_testid="redo"),
                rx.button(rx.icon("layout-grid", size=14), "Auto layout", variant="soft",
                          on_click=S.layout, data_testid="auto-layout"),
                rx.button(rx.icon("save", size=14), "Save", on_click=S.save, data_testid="save-flow"),
                rx.button(
                    rx.icon("rocket", size=14), "Save & launch", color_scheme="green",
                    on_click=S.save_and_launch, disabled=S.problems.length() > 0,
                    data_testid="save-and-launch",
                ),
                wrap="wrap",
            ),
        ),
        width="100%",
        align="center",
        wrap="wrap",
        gap="10px",
        margin_bottom="10px",
    )  # fmt: skip


def _variation_tabs() -> rx.Component:
    return rx.hstack(
        rx.segmented_control.root(
            rx.foreach(
                S.tabs,
                lambda k: rx.segmented_control.item(
                    rx.cond(k == MAIN, "Main flow", "Variation " + k), value=k
                ),
            ),
            value=S.active,
            on_change=S.show_tab,
            data_testid="variation-tabs",
        ),
        rx.cond(
            ~S.read_only,
            rx.button(rx.icon("plus", size=14), "A/B variation", size="1", variant="soft",
                      on_click=S.add_variation),
        ),
        rx.cond(
            S.active != MAIN,
            rx.hstack(
                rx.text("Weight", size="1"),
                rx.input(value=S.variation_weight, on_change=S.set_variation_weight, type="number",
                         width="80px", size="1", disabled=S.read_only),
                rx.button("Remove variation", size="1", color_scheme="red", variant="soft",
                          on_click=S.remove_variation, disabled=S.read_only),
                align="center",
            ),
        ),
        wrap="wrap",
        align="center",
        margin_bottom="10px",
    )  # fmt: skip


def _palette() -> rx.Component:
    return rx.flex(
        rx.text("Add a step", size="1", weight="bold", color_scheme="gray"),
        *[
            rx.button(
                TYPE_TITLES[node_type],
                size="1",
                variant="surface",
                on_click=S.add_node(node_type),
                disabled=S.read_only,
                data_testid=f"palette-{node_type}",
                justify_content="start",
                custom_attrs={"draggable": "true", "data-step-type": node_type},
                title="Click to add after the selected step, or drag onto the canvas or a link",
            )
            for node_type in PALETTE
        ],
        direction=rx.breakpoints(initial="row", md="column"),
        wrap="wrap",
        gap="6px",
        min_width="130px",
    )


def _problems() -> rx.Component:
    return rx.cond(
        S.problem_lines.length() > 0,
        problem_callout(
            S.problem_lines.length().to(str) + " problem(s) block launch:",
            S.problem_lines,
            data_testid="problem-list",
        ),
        rx.callout(
            "No problems: the flow can launch.",
            icon="circle-check",
            color_scheme="green",
            size="1",
            width="100%",
        ),
    )


def _side_panel() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.selected_id != "",
            node_editor(),
            rx.text("A new step is linked after the selected step (or at the end of the flow); "
                    "\"+\" on a link inserts a step there. Drag from a handle to connect steps; "
                    "select a step or link and press Delete to remove it. Ctrl+Z undoes, "
                    "Ctrl+Shift+Z redoes.",
                    size="2", color_scheme="gray"),
        ),
        _problems(),
        width=["100%", "100%", "320px"],
        min_width=["0", "0", "320px"],
        spacing="3",
    )  # fmt: skip


def flow_builder_page() -> rx.Component:
    body = rx.fragment(
        _header(),
        _variation_tabs(),
        rx.flex(
            _palette(),
            rx.box(
                flow_canvas(
                    nodes=S.canvas_nodes,
                    edges=S.canvas_edges,
                    read_only=S.read_only,
                    fit_key=S.fit_key,
                    focus_key=S.focus_key,
                    focus_id=S.focus_id,
                    dirty=S.dirty,
                    palette=CANVAS_PALETTE,
                    on_insert_on_edge=S.insert_on_edge,
                    on_drop_step=S.drop_step,
                    on_paste_nodes=S.paste_nodes,
                    on_measure_nodes=S.measure_nodes,
                    on_undo=S.undo,
                    on_redo=S.redo,
                    on_select_node=S.select_node,
                    on_connect_nodes=S.connect_nodes,
                    on_delete_nodes=S.delete_nodes,
                    on_delete_edges=S.delete_edges,
                    on_move_node=S.move_node,
                    height="640px",
                ),
                flex="1",
                min_width="0",
                width="100%",
            ),
            _side_panel(),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="12px",
            width="100%",
        ),
    )
    page = shell(
        rx.cond(
            S.not_found,
            empty_state("search-x", "Campaign not found", "",
                        rx.link(rx.button("Back to campaigns"), href=routes.CAMPAIGNS)),
            body,
        ),
        on_workspace_change=rx.redirect(routes.CAMPAIGNS),
    )  # fmt: skip
    # The saved flow is opened when the page mounts (a reload, a navigation here), not
    # by the page's on_load, which a websocket reconnect re-runs (see FlowBuilderState.load).
    # The browser's path is read when the page mounts: see FlowBuilderState.open_page.
    return rx.fragment(page, on_mount=S.open_page(BROWSER_PATH))
