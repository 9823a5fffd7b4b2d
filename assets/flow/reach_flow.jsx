// Reach flow canvas: @xyflow/react with our node renderer (one per node, with
// the handles the Python side decides: CONDITION yes/no, AB_SPLIT one per
// variant). Positions live in the server state; this component keeps a local
// copy so dragging is smooth and reports the final position on drag stop.
import React, { memo, useCallback, useEffect, useState } from "react";
import {
  Background,
  Controls,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";

const KIND_COLORS = {
  START: "#16a34a",
  SEND_MESSAGE: "#4f46e5",
  WAIT: "#0891b2",
  CONDITION: "#d97706",
  AB_SPLIT: "#9333ea",
  END: "#64748b",
};

const ReachNode = memo(function ReachNode({ data, selected }) {
  const handles = data.handles || [];
  const problems = data.problems || [];
  const accent = KIND_COLORS[data.kind] || "#475569";
  const style = {
    minWidth: 190,
    maxWidth: 240,
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
        {data.kind}
      </div>
      <div style={{ fontWeight: 600, marginTop: 2 }}>{data.title}</div>
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

  const onNodesChange = useCallback((changes) => {
    setNodes((current) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), current));
  }, []);
  const onEdgesChange = useCallback((changes) => {
    setEdges((current) => applyEdgeChanges(changes.filter((c) => c.type !== "remove"), current));
  }, []);
  const send = (name, ...args) => {
    if (typeof props[name] === "function") props[name](...args);
  };
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={NODE_TYPES}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onConnect={(c) => send("onConnectNodes", { source: c.source, target: c.target, handle: c.sourceHandle || "" })}
      onNodeClick={(_e, node) => send("onSelectNode", node.id)}
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
      <Background gap={16} />
      <Controls showInteractive={false} />
      <MiniMap pannable zoomable />
    </ReactFlow>
  );
}

export function ReachFlow(props) {
  return (
    <div style={{ width: "100%", height: "100%" }} data-testid="flow-canvas">
      <ReactFlowProvider>
        <Canvas {...props} />
      </ReactFlowProvider>
    </div>
  );
}
