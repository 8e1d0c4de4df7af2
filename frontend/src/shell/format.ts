/** Number and date formatting shared by the screens. */
const credits = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat("en-US");
const dateTime = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", hour: "numeric", minute: "2-digit" });

/** Credits come from the API as decimal strings ("9876.50"). */
export function formatCredits(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "–";
  const number = typeof value === "number" ? value : Number(value);
  return Number.isFinite(number) ? credits.format(number) : String(value);
}

export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : integer.format(value);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}
