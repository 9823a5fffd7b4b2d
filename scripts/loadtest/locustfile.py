"""Locust user for the load test: reads the campaign list, a running
campaign's statistics and its logs, as an API client would (Bearer API key).
LOAD_API_KEY and LOAD_CAMPAIGN_ID come from scripts/loadtest.sh."""

from __future__ import annotations

import os

from locust import HttpUser, between, task

API = "/api/v1/campaign-flows"


class ApiReader(HttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {os.environ['LOAD_API_KEY']}"
        self.campaign = os.environ["LOAD_CAMPAIGN_ID"]

    @task(2)
    def campaign_list(self) -> None:
        self.client.get(f"{API}?limit=25", name="GET campaign list")

    @task(2)
    def statistics(self) -> None:
        self.client.get(f"{API}/{self.campaign}/statistics", name="GET statistics")

    @task(1)
    def logs(self) -> None:
        self.client.get(f"{API}/{self.campaign}/logs?limit=50", name="GET logs")
