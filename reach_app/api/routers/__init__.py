"""One router module per resource; each endpoint validates, calls a service, shapes the answer."""
