// A virtualized list of fixed-height rows: only the rows in view (plus a margin) are in the DOM, so a
// table of 10,000 runs scrolls as fast as one of 20. Calls onNearEnd to fetch the next server page.
import { useEffect, useRef, useState, type ReactNode } from "react";

export function VirtualRows(props: {
  count: number;
  rowHeight: number;
  height: number;
  renderRow: (index: number) => ReactNode;
  onNearEnd?: (() => void) | undefined;
  label: string;
  /** An extra class for a row (e.g. a group header). */
  rowClass?: (index: number) => string | undefined;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const { count, rowHeight, height, onNearEnd } = props;
  const overscan = 8;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  useEffect(() => {
    if (onNearEnd && last >= count - overscan) onNearEnd();
  }, [last, count, onNearEnd]);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div
        key={i}
        role="row"
        aria-rowindex={i + 2}
        className={`vrow ${props.rowClass?.(i) ?? ""}`}
        style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight }}
      >
        {props.renderRow(i)}
      </div>,
    );
  }
  return (
    <div
      ref={ref}
      className="vscroll"
      style={{ height: Math.min(height, Math.max(count, 1) * rowHeight + 2) }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      role="rowgroup"
      aria-label={props.label}
    >
      <div style={{ height: count * rowHeight, position: "relative" }}>{rows}</div>
    </div>
  );
}
