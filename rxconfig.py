"""Reflex configuration for the Reach web UI.

The database URL is not set here: Reach reads REFLEX_DB_URL through its own
settings (reach_app.settings) and uses its own engines and Alembic env.
"""

import reflex as rx

from reach_app.settings import get_settings

config = rx.Config(
    # Only the configured front end may call the backend with credentials (REACH_CORS_ORIGINS);
    # Reflex's default "*" reflects any Origin, `null` included.
    cors_allowed_origins=list(get_settings().allowed_origins()),
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
