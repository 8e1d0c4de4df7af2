/** A condition trace as a table, one row per evaluated node (the conditions test and the backtest's samples). */
import type { TraceEntry } from "../types";

export function TraceTable({ trace, label = "Evaluation trace" }: { trace: readonly TraceEntry[]; label?: string }) {
  return (
    <div className="rl-trace-wrap">
      <table className="rl-trace" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Operation</th>
            <th scope="col">Values</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {trace.map((entry, index) => (
            <tr key={`${entry.path}-${index}`} className={entry.error ? "rl-trace-error" : entry.result ? "rl-trace-true" : "rl-trace-false"}>
              <td className="rl-mono">{entry.path}</td>
              <td className="rl-mono">{entry.op}</td>
              <td className="rl-mono rl-trace-args">{JSON.stringify(entry.args)}</td>
              <td className="rl-mono">{entry.error ? entry.error : JSON.stringify(entry.result)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
