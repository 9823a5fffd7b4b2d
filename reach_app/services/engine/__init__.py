"""The execution engine's use cases: process a claimed batch of executions.

`runner.process_batch` is the one entry point the Dramatiq actor (and the
embedded worker) calls. Pure decisions come from `reach_app.domain`; these
modules load rows, apply effects in bulk and talk to channels.
"""
