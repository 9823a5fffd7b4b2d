"""Read-only queries shaped for pages (plain dataclasses, no business rules).

Every query starts from a campaign the actor may see (`visible_campaign`), so
tenant isolation stays decided by the services.
"""
