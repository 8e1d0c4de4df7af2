/** Spend per day (bars) and per pipeline stage (horizontal bars) — recharts, loaded only with this chunk. */
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { formatCredits } from "../shell/format";
import { stageSlices } from "./usage";
import type { Usage } from "./types";

const TOOLTIP = {
  contentStyle: { background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--text)" },
  itemStyle: { color: "var(--text)" },
  labelStyle: { color: "var(--text-muted)" },
  cursor: { fill: "var(--surface-2)" },
};
const AXIS = { stroke: "var(--text-muted)", fontSize: 12, tickLine: false };

const dayLabel = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

export function shortDay(date: string): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? date : dayLabel.format(parsed);
}

export function DailyChart({ usage }: { usage: Usage }) {
  const data = usage.per_day.map((day) => ({ date: day.date, label: shortDay(day.date), credits: Number(day.credits) }));
  return (
    <div className="cr-chart" data-testid="credits-daily-chart">
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="label" {...AXIS} minTickGap={16} />
          <YAxis {...AXIS} allowDecimals width={48} />
          <Tooltip
            {...TOOLTIP}
            formatter={(value) => [`${formatCredits(Number(value))} cr`, "Spent"]}
            labelFormatter={(label) => `${String(label)} (UTC)`}
          />
          <Bar dataKey="credits" fill="var(--primary)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function StageChart({ usage }: { usage: Usage }) {
  const slices = stageSlices(usage.by_stage).filter((slice) => slice.credits > 0);
  const height = Math.max(120, slices.length * 36 + 24);
  return (
    <div className="cr-chart" data-testid="credits-stage-chart">
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={slices} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid horizontal={false} stroke="var(--border)" />
          <XAxis type="number" {...AXIS} allowDecimals />
          <YAxis type="category" dataKey="short" {...AXIS} width={96} />
          <Tooltip
            {...TOOLTIP}
            formatter={(value) => [`${formatCredits(Number(value))} cr`, "Spent"]}
            labelFormatter={(_, payload) => String(payload?.[0]?.payload?.label ?? "")}
          />
          <Bar dataKey="credits" radius={[0, 3, 3, 0]} isAnimationActive={false}>
            {slices.map((slice) => (
              <Cell key={slice.operation} fill={slice.color} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
