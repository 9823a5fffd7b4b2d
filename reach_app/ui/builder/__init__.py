"""The flow builder: its page and state (with the history and edit mixins), the canvas
(React Flow wrapper), the node editor and node table, and the pure editing helpers
(editing, layout, history, feedback, variations, node fields)."""
