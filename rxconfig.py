"""Reflex configuration for the Reach web UI.

The database URL is not set here: Reach reads REFLEX_DB_URL through its own
settings (reach_app.settings) and uses its own engines and Alembic env.
"""

import reflex as rx

config = rx.Config(
    app_name="reach_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium"),
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
