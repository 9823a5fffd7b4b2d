"""Request and response models of the REST API (the OpenAPI document is built from them)."""
