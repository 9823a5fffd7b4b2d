// "N s ago" that keeps counting in the browser. The server sends the age in
// seconds (measured on its own clock) with each statistics refresh; this adds
// the seconds passed since those props arrived, one tick a second, with no
// server round trip and no dependence on the browser's clock being right.
import React, { useEffect, useState } from "react";

function formatAge(age) {
  if (age < 60) return `${age} s ago`;
  if (age < 3600) return `${Math.floor(age / 60)} min ${age % 60} s ago`;
  return `${Math.floor(age / 3600)} h ${Math.floor((age % 3600) / 60)} min ago`;
}

export function SecondsAgo({ seconds, stamp, ...rest }) {
  const [since, setSince] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const arrived = Date.now();
    setSince(arrived);
    setNow(arrived);
  }, [seconds, stamp]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (seconds === null || seconds === undefined || seconds < 0) {
    return <span {...rest}>never</span>;
  }
  const age = seconds + Math.max(0, Math.floor((now - since) / 1000));
  return <span {...rest}>{formatAge(age)}</span>;
}
