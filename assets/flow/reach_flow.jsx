// Reach flow canvas: @xyflow/react with our node renderer (one per node, with
// the handles the Python side decides: CONDITION yes/no, AB_SPLIT one per
// variant). Positions live in the server state; this component keeps a local
// copy so dragging is smooth and reports the final position on drag stop.
import React, { createContext, memo, useCallback, useContext, useEffect, useRef, useState } from "react";
import {
  Background,
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  getBezierPath,
  useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useBlocker } from "react-router";

const ReachNode = memo(function ReachNode({ data, selected }) {
  const handles = data.handles || [];
  const problems = data.problems || [];
  // The accent comes with the node (ui/node_table.py), so a new type needs no entry here.
  const accent = data.accent || "#475569";
  const style = {
    width: 240,
    boxSizing: "border-box",
    padding: "8px 10px 14px",
    borderRadius: 8,
    border: `2px solid ${problems.length ? "#dc2626" : selected ? accent : "var(--gray-7, #cbd5e1)"}`,
    background: "var(--color-panel-solid, #fff)",
    color: "var(--gray-12, #0f172a)",
    fontSize: 12,
    boxShadow: selected ? `0 0 0 3px ${accent}33` : "0 1px 2px #0000001a",
  };
  return (
    <div style={style} data-testid={`flow-node-${data.nodeId}`} data-kind={data.kind}>
      {data.target ? <Handle type="target" position={Position.Top} /> : null}
      <div style={{ fontWeight: 700, color: accent, fontSize: 11, letterSpacing: 0.3 }}>
        <span data-testid="step-number">{data.number}.</span> {data.kindTitle}
      </div>
      {data.title ? <div style={{ fontWeight: 600, marginTop: 2 }}>{data.title}</div> : null}
      {data.summary ? (
        <div style={{ color: "var(--gray-11, #475569)", marginTop: 2, whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {data.summary}
        </div>
      ) : null}
      {problems.map((p, i) => (
        <div key={i} style={{ color: "#dc2626", marginTop: 4 }} data-testid="node-problem">
          ⚠ {p}
        </div>
      ))}
      {handles.map((h, i) => {
        const left = `${((i + 1) * 100) / (handles.length + 1)}%`;
        return (
          <React.Fragment key={h.id || "out"}>
            <Handle type="source" position={Position.Bottom} id={h.id || undefined} style={{ left }} />
            {h.label ? (
              <div style={{ position: "absolute", bottom: -18, left, transform: "translateX(-50%)", fontSize: 10, fontWeight: 600 }}>
                {h.label}
              </div>
            ) : null}
          </React.Fragment>
        );
      })}
    </div>
  );
});

const NODE_TYPES = { reach: ReachNode };

// The "+" on a link: a small menu of step types; the chosen one splits the link. (A
// branch's name shows at its handle, so the link itself carries no label.)
const EdgeMenu = createContext({ palette: [], readOnly: true, insert: () => {} });

function ReachEdge(props) {
  const { id, markerEnd, style, selected } = props;
  const menu = useContext(EdgeMenu);
  const [open, setOpen] = useState(false);
  const [path, labelX, labelY] = getBezierPath(props);
  const plus = {
    width: 20,
    height: 20,
    lineHeight: "16px",
    borderRadius: 10,
    border: "1px solid var(--gray-8, #94a3b8)",
    background: "var(--color-panel-solid, #fff)",
    color: "var(--gray-12, #0f172a)",
    cursor: "pointer",
    padding: 0,
    fontSize: 14,
  };
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={{ ...style, strokeWidth: selected ? 2.5 : 1.5 }} />
      <EdgeLabelRenderer>
        <div
          className="nodrag nopan"
          data-edge-id={id}
          style={{ position: "absolute", transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`, pointerEvents: "all", display: "flex", gap: 4, alignItems: "center", zIndex: open ? 1000 : 1 }}
        >
          {menu.readOnly ? null : (
            <button type="button" style={plus} title="Insert a step here" aria-label="Insert a step on this link" data-testid={`insert-on-${id}`} onClick={() => setOpen(!open)}>
              +
            </button>
          )}
          {open && !menu.readOnly ? (
            <div role="menu" style={{ position: "absolute", top: 24, left: 0, display: "flex", flexDirection: "column", minWidth: 130, padding: 4, gap: 2, borderRadius: 6, border: "1px solid var(--gray-7, #cbd5e1)", background: "var(--color-panel-solid, #fff)", boxShadow: "0 4px 12px #0000002a" }}>
              {menu.palette.map((item) => (
                <button
                  key={item.type}
                  type="button"
                  role="menuitem"
                  data-testid={`insert-${item.type}`}
                  style={{ textAlign: "left", fontSize: 12, padding: "3px 6px", border: 0, borderRadius: 4, background: "transparent", color: "var(--gray-12, #0f172a)", cursor: "pointer" }}
                  onClick={() => {
                    setOpen(false);
                    menu.insert({ edge: id, type: item.type });
                  }}
                >
                  {item.title}
                </button>
              ))}
            </div>
          ) : null}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

const EDGE_TYPES = { reach: ReachEdge };

// Pan to a step the user just added when it is outside the visible canvas.
function Focus({ focusKey, focusId, box }) {
  const { getNode, getViewport, setCenter } = useReactFlow();
  useEffect(() => {
    if (!focusId) return undefined;
    const timer = setTimeout(() => {
      const node = getNode(focusId);
      const frame = box.current;
      if (!node || !frame) return;
      const { x, y, zoom } = getViewport();
      const width = (node.measured && node.measured.width) || 240;
      const height = (node.measured && node.measured.height) || 110;
      const left = node.position.x * zoom + x;
      const top = node.position.y * zoom + y;
      const inside = left >= 0 && top >= 0 && left + width * zoom <= frame.clientWidth && top + (height + 26) * zoom <= frame.clientHeight;
      if (!inside) setCenter(node.position.x + width / 2, node.position.y + height / 2, { zoom, duration: 250 });
    }, 80);
    return () => clearTimeout(timer);
  }, [focusKey, focusId, getNode, getViewport, setCenter, box]);
  return null;
}

function typingIn(target) {
  const tag = target && target.tagName ? target.tagName.toLowerCase() : "";
  return tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable);
}

// Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y) undo and redo canvas edits, Ctrl+C / Ctrl+V copy
// and paste the selected steps; not while typing in a field.
function useEditKeys(readOnly, send, nodesRef) {
  const sendRef = useRef(send);
  sendRef.current = send;
  const copied = useRef([]);
  useEffect(() => {
    if (readOnly) return undefined;
    const onKey = (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || typingIn(event.target)) return;
      const key = event.key.toLowerCase();
      if (key === "c" && !window.getSelection().toString()) {
        copied.current = nodesRef.current.filter((n) => n.selected).map((n) => n.id);
      } else if (key === "v" && copied.current.length) {
        event.preventDefault();
        sendRef.current("onPasteNodes", copied.current);
      } else if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        sendRef.current("onUndo");
      } else if ((key === "z" && event.shiftKey) || key === "y") {
        event.preventDefault();
        sendRef.current("onRedo");
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [readOnly, nodesRef]);
}

const STEP_DRAG = "application/x-reach-step";

// Palette buttons carry data-step-type: dragging one carries the step type.
function usePaletteDrag(readOnly) {
  useEffect(() => {
    if (readOnly) return undefined;
    const onDragStart = (event) => {
      const item = event.target && event.target.closest ? event.target.closest("[data-step-type]") : null;
      if (!item || !event.dataTransfer) return;
      event.dataTransfer.setData(STEP_DRAG, item.getAttribute("data-step-type"));
      event.dataTransfer.effectAllowed = "copy";
    };
    document.addEventListener("dragstart", onDragStart);
    return () => document.removeEventListener("dragstart", onDragStart);
  }, [readOnly]);
}

// The link under a point: its "+"/label box, or the wide invisible path React Flow draws.
function edgeAt(x, y) {
  for (const el of document.elementsFromPoint(x, y)) {
    const label = el.closest && el.closest("[data-edge-id]");
    if (label) return label.getAttribute("data-edge-id");
    const edge = el.closest && el.closest(".react-flow__edge");
    if (edge) {
      const id = edge.getAttribute("data-id") || (edge.getAttribute("data-testid") || "").replace(/^rf__edge-/, "");
      if (id) return id;
    }
  }
  return "";
}

const LEAVE_QUESTION = "The flow has unsaved changes. Leave the builder and lose them?";

// Unsaved changes: the browser asks before a reload or closing the tab, in-app links
// (back link, sidebar) ask before they navigate away, and so do the browser's Back and
// Forward buttons.
function useLeaveGuard(dirty) {
  // Back/Forward between the app's pages stay in the page: Reflex 0.10 routes with React
  // Router (HydratedRouter, a data router), which turns the popstate into a navigation.
  // Its blocker holds such a POP back and puts the history entry back itself (no sentinel
  // entries of ours to clean up); we then ask, and go on or stay. Links and server
  // redirects (PUSH/REPLACE) are left to the click guard below. Back to a page outside
  // the app unloads it: that is the beforeunload case.
  const blockPop = useCallback(({ historyAction }) => dirty && historyAction === "POP", [dirty]);
  const blocker = useBlocker(blockPop);
  useEffect(() => {
    if (blocker.state !== "blocked") return;
    if (window.confirm(LEAVE_QUESTION)) blocker.proceed();
    else blocker.reset();
  }, [blocker]);
  useEffect(() => {
    if (!dirty) return undefined;
    const onUnload = (event) => {
      event.preventDefault();
      event.returnValue = LEAVE_QUESTION;
      return LEAVE_QUESTION;
    };
    const onClick = (event) => {
      const link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || link.target === "_blank" || event.defaultPrevented) return;
      const href = link.getAttribute("href") || "";
      if (href.startsWith("#")) return;
      if (!window.confirm(LEAVE_QUESTION)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", onUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [dirty]);
}

function FitView({ fitKey }) {
  const { fitView } = useReactFlow();
  useEffect(() => {
    const timer = setTimeout(() => fitView({ padding: 0.2, maxZoom: 1, duration: 200 }), 50);
    return () => clearTimeout(timer);
  }, [fitKey, fitView]);
  return null;
}

function Canvas(props) {
  const readOnly = !!props.readOnly;
  const [nodes, setNodes] = useState(props.nodes || []);
  const [edges, setEdges] = useState(props.edges || []);
  useEffect(() => setNodes(props.nodes || []), [props.nodes]);
  useEffect(() => setEdges(props.edges || []), [props.edges]);

  // Rendered heights go back to the server (debounced), so placement and auto layout
  // use the real size of tall steps.
  const measured = useRef({});
  const measureTimer = useRef(null);
  const sendRef = useRef(null);
  const onNodesChange = useCallback((changes) => {
    setNodes((current) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), current));
    let changed = false;
    for (const c of changes) {
      if (c.type === "dimensions" && c.dimensions && c.dimensions.height) {
        const height = Math.round(c.dimensions.height);
        if (measured.current[c.id] !== height) {
          measured.current[c.id] = height;
          changed = true;
        }
      }
    }
    if (changed) {
      clearTimeout(measureTimer.current);
      measureTimer.current = setTimeout(() => sendRef.current && sendRef.current("onMeasureNodes", { ...measured.current }), 300);
    }
  }, []);
  const onEdgesChange = useCallback((changes) => {
    setEdges((current) => applyEdgeChanges(changes.filter((c) => c.type !== "remove"), current));
  }, []);
  const send = (name, ...args) => {
    if (typeof props[name] === "function") props[name](...args);
  };
  sendRef.current = send;
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  useEditKeys(readOnly, send, nodesRef);
  usePaletteDrag(readOnly);
  const { screenToFlowPosition } = useReactFlow();
  const onDragOver = useCallback((event) => {
    if (readOnly || !Array.from(event.dataTransfer.types || []).includes(STEP_DRAG)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, [readOnly]);
  const onDrop = (event) => {
    const type = event.dataTransfer.getData(STEP_DRAG);
    if (readOnly || !type) return;
    event.preventDefault();
    const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
    send("onDropStep", { type, x: Math.round(at.x - 120), y: Math.round(at.y - 30), edge: edgeAt(event.clientX, event.clientY) });
  };
  useLeaveGuard(!readOnly && !!props.dirty);
  const menu = { palette: props.palette || [], readOnly, insert: (choice) => send("onInsertOnEdge", choice) };
  return (
    <EdgeMenu.Provider value={menu}>
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={NODE_TYPES}
      edgeTypes={EDGE_TYPES}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onConnect={(c) => send("onConnectNodes", { source: c.source, target: c.target, handle: c.sourceHandle || "" })}
      onNodeClick={(e, node) => {
        if (!(e.ctrlKey || e.metaKey || e.shiftKey)) send("onSelectNode", node.id);
      }}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onPaneClick={() => send("onSelectNode", "")}
      onNodeDragStop={(_e, node) => send("onMoveNode", { id: node.id, x: Math.round(node.position.x), y: Math.round(node.position.y) })}
      onNodesDelete={(deleted) => send("onDeleteNodes", deleted.map((n) => n.id))}
      onEdgesDelete={(deleted) => send("onDeleteEdges", deleted.map((e) => e.id))}
      nodesDraggable={!readOnly}
      nodesConnectable={!readOnly}
      elementsSelectable={true}
      deleteKeyCode={readOnly ? null : ["Backspace", "Delete"]}
      colorMode={props.colorMode || "light"}
      minZoom={0.2}
      fitView
      fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
    >
      <FitView fitKey={props.fitKey} />
      <Focus focusKey={props.focusKey} focusId={props.focusId} box={props.box} />
      <Background gap={16} />
      <Controls showInteractive={false} />
      {/* On a narrow canvas (a phone) the minimap shrinks so it leaves the flow in view. */}
      <MiniMap pannable zoomable style={props.narrow ? { width: 96, height: 64 } : undefined} />
    </ReactFlow>
    </EdgeMenu.Provider>
  );
}

// Below this canvas width the minimap takes its small size.
const NARROW_CANVAS = 640;

export function ReachFlow(props) {
  const box = useRef(null);
  const [narrow, setNarrow] = useState(false);
  useEffect(() => {
    const frame = box.current;
    if (!frame || typeof ResizeObserver === "undefined") return undefined;
    const observer = new ResizeObserver(() => setNarrow(frame.clientWidth < NARROW_CANVAS));
    observer.observe(frame);
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={box} style={{ width: "100%", height: "100%" }} data-testid="flow-canvas">
      <ReactFlowProvider>
        <Canvas {...props} box={box} narrow={narrow} />
      </ReactFlowProvider>
    </div>
  );
}
