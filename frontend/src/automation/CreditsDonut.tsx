/** Credits by stage as a donut (recharts; only the run-detail chunk loads it) with a legend in numbers. */
import { Cell, Pie, PieChart, Tooltip } from "recharts";

import { formatCredits } from "../shell/format";
import { formatPercent } from "./format";
import { STAGE_COLORS, stageInfo } from "./stages";

export interface CreditSlice {
  stage: number;
  name: string;
  credits: number;
  share: number;
}

/** Slices with credits, largest first; `share` in percent of the total. */
export function creditSlices(creditsByStage: Record<string, number>): CreditSlice[] {
  const entries = Object.entries(creditsByStage)
    .map(([key, credits]) => ({ stage: Number(key.replace("stage_", "")), credits: Number(credits) || 0 }))
    .filter((entry) => entry.stage >= 1 && entry.stage <= 7);
  const total = entries.reduce((sum, entry) => sum + entry.credits, 0);
  return entries
    .map((entry) => ({
      ...entry,
      name: stageInfo(entry.stage).name,
      share: total ? (entry.credits / total) * 100 : 0,
    }))
    .sort((a, b) => b.credits - a.credits || a.stage - b.stage);
}

export function CreditsDonut({ creditsByStage, total }: { creditsByStage: Record<string, number>; total: number }) {
  const slices = creditSlices(creditsByStage);
  const paid = slices.filter((slice) => slice.credits > 0);
  const free = slices.filter((slice) => slice.credits === 0);
  return (
    <div className="donut-layout">
      <figure className="donut" aria-label={`Credits by stage, ${formatCredits(total)} in total`} data-testid="credits-donut">
        {paid.length > 0 ? (
          <PieChart width={220} height={220}>
            <Pie
              data={paid}
              dataKey="credits"
              nameKey="name"
              innerRadius={66}
              outerRadius={104}
              paddingAngle={paid.length > 1 ? 2 : 0}
              stroke="none"
              isAnimationActive={false}
            >
              {paid.map((slice) => (
                <Cell key={slice.stage} fill={STAGE_COLORS[slice.stage]} />
              ))}
            </Pie>
            <Tooltip
              formatter={(value) => [`${formatCredits(Number(value))} cr`, "Credits"]}
              contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--text)" }}
              itemStyle={{ color: "var(--text)" }}
            />
          </PieChart>
        ) : (
          <div className="donut-empty" />
        )}
        <figcaption className="donut-center">
          <strong>{formatCredits(total)}</strong>
          <span>credits</span>
        </figcaption>
      </figure>
      <ul className="donut-legend" aria-label="Credits by stage">
        {paid.map((slice) => (
          <li key={slice.stage}>
            <span className="legend-swatch" style={{ background: STAGE_COLORS[slice.stage] }} aria-hidden="true" />
            <span className="legend-name">
              Stage {slice.stage}: {slice.name}
            </span>
            <span className="legend-value">
              {formatPercent(slice.share)} <span className="muted">({formatCredits(slice.credits)} cr)</span>
            </span>
          </li>
        ))}
        {free.length > 0 && (
          <li className="muted">
            <span className="legend-swatch free" aria-hidden="true" />
            <span className="legend-name">Stages {free.map((slice) => slice.stage).sort().join(", ")}: free</span>
            <span className="legend-value">0%</span>
          </li>
        )}
      </ul>
    </div>
  );
}
