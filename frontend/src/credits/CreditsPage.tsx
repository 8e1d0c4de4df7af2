/**
 * Credits: the balance (available, held), today's automation spend against the daily budget (editable),
 * spend per day and per pipeline stage (charts in a lazy chunk), and the ledger with filters, pages and
 * a CSV export of what the filters select. Everything is the account's (all sites); days are UTC days.
 */
import { lazy, Suspense, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";

import { ApiError } from "../api/client";
import { useCredits } from "../api/queries";
import { ErrorBanner } from "../shell/ErrorBanner";
import { FieldError } from "../shell/fields";
import { formatCredits, formatDateTime } from "../shell/format";
import { CheckIcon } from "../shell/icons";
import { Pill, type PillTone } from "../shell/Pill";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { Pagination, usePageGone, usePageParam } from "../shell/table";
import { usePageTitle } from "../shell/usePageTitle";
import { LEDGER_PAGE_SIZE, useBudget, useLedger, useLedgerOperations, useSetBudget, useUsage } from "./api";
import "./credits.css";
import {
  exportUrl,
  hasFilters,
  KIND_LABELS,
  LEDGER_KINDS,
  type LedgerFilters,
  NO_FILTERS,
  operationLabel,
  parseFilters,
  withFilters,
} from "./filters";
import type { Budget, LedgerKind, LedgerRow, Usage } from "./types";
import { formatShare, stageSlices } from "./usage";

const charts = () => import("./UsageCharts");
const DailyChart = lazy(() => charts().then((m) => ({ default: m.DailyChart })));
const StageChart = lazy(() => charts().then((m) => ({ default: m.StageChart })));

export const USAGE_RANGES = [7, 30, 90, 365] as const;

export function parseDays(value: string | null): number {
  const days = Number(value);
  return (USAGE_RANGES as readonly number[]).includes(days) ? days : 30;
}

const KIND_TONES: Record<LedgerKind, PillTone> = { debit: "danger", credit: "success", reservation: "neutral", release: "neutral" };

export default function CreditsPage() {
  usePageTitle("Credits");
  return (
    <section className="page cr-page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">Credits</h1>
          <p className="muted">Your account's balance, what automation spends, and its daily limit (all sites).</p>
        </div>
      </header>
      <div className="cr-summary">
        <BalanceCard />
        <BudgetCard />
      </div>
      <UsageSection />
      <LedgerSection />
    </section>
  );
}

// --- balance and budget ---------------------------------------------------------------------------

function BalanceCard() {
  const credits = useCredits();
  return (
    <section className="cr-card" aria-labelledby="cr-balance-title">
      <h2 id="cr-balance-title" className="cr-card-title">
        Available credits
      </h2>
      {credits.isPending ? (
        <Loading label="Loading the balance…" />
      ) : credits.isError ? (
        <ErrorBanner title="Could not load the balance" error={credits.error} onRetry={() => void credits.refetch()} />
      ) : (
        <>
          <p className="cr-big" data-testid="credits-available">
            {formatCredits(credits.data.available)} <span className="cr-unit">credits</span>
          </p>
          <dl className="cr-figures">
            <div>
              <dt>Balance</dt>
              <dd data-testid="credits-balance">{formatCredits(credits.data.balance)}</dd>
            </div>
            <div>
              <dt>Reserved</dt>
              <dd data-testid="credits-reserved">{formatCredits(credits.data.reserved)}</dd>
            </div>
          </dl>
          <p className="muted small">
            Available = balance − reserved. Reserved credits are held for runs in progress; what a run does not use
            comes back.
          </p>
        </>
      )}
    </section>
  );
}

function BudgetCard() {
  const budget = useBudget();
  return (
    <section className="cr-card" aria-labelledby="cr-budget-title">
      <h2 id="cr-budget-title" className="cr-card-title">
        Today's spend
      </h2>
      {budget.isPending ? (
        <Loading label="Loading the daily budget…" />
      ) : budget.isError ? (
        <ErrorBanner title="Could not load the daily budget" error={budget.error} onRetry={() => void budget.refetch()} />
      ) : (
        <BudgetView budget={budget.data} />
      )}
    </section>
  );
}

/** Percent of the budget spent today (0–100), or null without a budget. */
export function budgetUse(budget: Pick<Budget, "daily_credit_budget" | "spent_today">): number | null {
  if (budget.daily_credit_budget === null) return null;
  const limit = Number(budget.daily_credit_budget);
  const spent = Number(budget.spent_today);
  if (limit <= 0) return spent > 0 ? 100 : 0;
  return Math.min(100, Math.max(0, (spent / limit) * 100));
}

function BudgetView({ budget }: { budget: Budget }) {
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const use = budgetUse(budget);
  const limit = budget.daily_credit_budget;
  const over = use !== null && use >= 100;

  const returnFocus = useRef(false);
  // Focus returns to the button that opened the form once the form is gone.
  useEffect(() => {
    if (editing || !returnFocus.current) return;
    returnFocus.current = false;
    editButton.current?.focus();
  }, [editing]);

  const close = (message: string | null) => {
    returnFocus.current = true;
    setEditing(false);
    setSaved(message);
  };

  return (
    <>
      <p className="cr-big" data-testid="credits-spent-today">
        {formatCredits(budget.spent_today)}{" "}
        <span className="cr-unit">{limit === null ? "credits today" : `of ${formatCredits(limit)} credits`}</span>
      </p>
      {use !== null && (
        <div
          className={`cr-meter${over ? " cr-meter-over" : ""}`}
          role="meter"
          aria-label="Daily budget used"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(use)}
          aria-valuetext={`${formatCredits(budget.spent_today)} of ${formatCredits(limit)} credits`}
        >
          <span style={{ width: `${use}%` }} />
        </div>
      )}
      <p className="muted small" data-testid="credits-budget">
        {limit === null
          ? "No daily budget: automation may spend up to the available balance."
          : over
            ? `Daily budget of ${formatCredits(limit)} reached: automation charges stop until 00:00 UTC.`
            : `Daily budget ${formatCredits(limit)} · ${formatCredits(budget.remaining_today)} left today. Resets at 00:00 UTC.`}
      </p>
      {saved && !editing && (
        <p className="cr-saved" role="status">
          <CheckIcon /> {saved}
        </p>
      )}
      {editing ? (
        <BudgetForm budget={budget} onDone={close} />
      ) : (
        <button
          ref={editButton}
          type="button"
          className="btn btn-small"
          onClick={() => {
            setSaved(null);
            setEditing(true);
          }}
        >
          {limit === null ? "Set a daily budget" : "Change daily budget"}
        </button>
      )}
    </>
  );
}

function BudgetForm({ budget, onDone }: { budget: Budget; onDone: (message: string | null) => void }) {
  const [value, setValue] = useState(budget.daily_credit_budget ?? "");
  const save = useSetBudget();
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const errors = save.error instanceof ApiError ? save.error.fieldErrors.daily_credit_budget : undefined;
  const otherError = save.error && !errors ? save.error : null;

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    if (errors) input.current?.focus();
  }, [errors]);

  const submit = (next: string | null) =>
    save.mutate(next, {
      onSuccess: (saved) =>
        onDone(
          saved.daily_credit_budget === null
            ? "Daily budget removed."
            : `Daily budget saved: ${formatCredits(saved.daily_credit_budget)} credits.`,
        ),
    });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const text = value.trim();
    submit(text === "" ? null : text);
  };

  return (
    <form className="cr-budget-form" onSubmit={onSubmit} noValidate aria-label="Daily budget">
      {otherError && <ErrorBanner title="Could not save the budget" error={otherError} />}
      <div className="field">
        <label htmlFor={`${id}-budget`}>Daily budget (credits per UTC day)</label>
        <input
          ref={input}
          id={`${id}-budget`}
          name="daily_credit_budget"
          inputMode="decimal"
          autoComplete="off"
          placeholder="No limit"
          value={value}
          onChange={(event) => setValue(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Escape") onDone(null);
          }}
          aria-invalid={errors ? true : undefined}
          aria-describedby={errors ? `${id}-error` : `${id}-hint`}
        />
        {errors ? (
          <FieldError id={`${id}-error`} messages={errors} data-testid="budget-error" />
        ) : (
          <p id={`${id}-hint`} className="muted small">
            Leave empty for no limit. Automation stops charging once a day's charges reach it.
          </p>
        )}
      </div>
      <div className="cr-form-actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
        {budget.daily_credit_budget !== null && (
          <button type="button" className="btn btn-small" disabled={save.isPending} onClick={() => submit(null)}>
            Remove limit
          </button>
        )}
        <button type="button" className="btn btn-ghost btn-small" disabled={save.isPending} onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// --- usage ------------------------------------------------------------------------------------------

function UsageSection() {
  const [params, setParams] = useSearchParams();
  const days = parseDays(params.get("days"));
  const usage = useUsage(days);
  const id = useId();
  return (
    <section className="cr-card cr-usage" aria-labelledby="cr-usage-title">
      <div className="cr-section-head">
        <h2 id="cr-usage-title" className="cr-card-title">
          Usage
        </h2>
        <div className="cr-inline-field">
          <label htmlFor={`${id}-days`}>Range</label>
          <select
            id={`${id}-days`}
            value={days}
            onChange={(event) =>
              setParams(
                (current) => {
                  const next = new URLSearchParams(current);
                  if (event.target.value === "30") next.delete("days");
                  else next.set("days", event.target.value);
                  return next;
                },
                { replace: true },
              )
            }
          >
            {USAGE_RANGES.map((n) => (
              <option key={n} value={n}>
                Last {n} days
              </option>
            ))}
          </select>
        </div>
      </div>
      {usage.isPending ? (
        <Loading label="Loading usage…" />
      ) : usage.isError ? (
        <ErrorBanner title="Could not load usage" error={usage.error} onRetry={() => void usage.refetch()} />
      ) : (
        <UsageView usage={usage.data} busy={usage.isFetching} />
      )}
    </section>
  );
}

function UsageView({ usage, busy }: { usage: Usage; busy: boolean }) {
  const slices = stageSlices(usage.by_stage);
  const paid = slices.filter((slice) => slice.credits > 0);
  const spent = Number(usage.total) > 0;
  return (
    <div className="cr-usage-body" aria-busy={busy}>
      <p className="cr-usage-total" data-testid="credits-usage-total">
        <strong>{formatCredits(usage.total)}</strong> credits spent in the last {usage.days} days{" "}
        <span className="muted small">
          ({usage.since} – {usage.until}, UTC days)
        </span>
      </p>
      {!spent ? (
        <EmptyState title="No spending in this range">
          Charges appear here per day and per pipeline stage once automation spends credits.
        </EmptyState>
      ) : (
        <div className="cr-charts">
          <figure className="cr-figure">
            <figcaption>Per day</figcaption>
            <Suspense fallback={<Loading label="Loading the chart…" />}>
              <DailyChart usage={usage} />
            </Suspense>
          </figure>
          <figure className="cr-figure">
            <figcaption>Per stage</figcaption>
            <Suspense fallback={<Loading label="Loading the chart…" />}>
              <StageChart usage={usage} />
            </Suspense>
            <ul className="cr-legend" aria-label="Spend per stage" data-testid="credits-stage-legend">
              {paid.map((slice) => (
                <li key={slice.operation}>
                  <span className="cr-swatch" style={{ background: slice.color }} aria-hidden="true" />
                  <span className="cr-legend-name">{slice.label}</span>
                  <span className="cr-legend-value">
                    {formatCredits(slice.credits)} cr <span className="muted">({formatShare(slice.share)})</span>
                  </span>
                </li>
              ))}
            </ul>
          </figure>
        </div>
      )}
    </div>
  );
}

// --- ledger -----------------------------------------------------------------------------------------

function LedgerSection() {
  const [params, setParams] = useSearchParams();
  const filters = parseFilters(params);
  const [page, goToPage] = usePageParam();
  const ledger = useLedger(filters, page);
  const { site } = useSites();
  const filterErrors = ledger.error instanceof ApiError && ledger.error.status === 400 ? ledger.error.fieldErrors : null;

  // A page past the end (the ledger shrank under a filter) goes back to the first page.
  const pageGone = usePageGone(ledger.error, page);

  const setFilters = (changes: Partial<LedgerFilters>) => setParams((current) => withFilters(current, changes));

  return (
    <section className="cr-card cr-ledger" aria-labelledby="cr-ledger-title">
      <div className="cr-section-head">
        <h2 id="cr-ledger-title" className="cr-card-title">
          Ledger
        </h2>
        <a
          className="btn btn-small"
          href={exportUrl(filters)}
          download
          aria-disabled={filterErrors ? true : undefined}
          onClick={(event) => {
            if (filterErrors) event.preventDefault();
          }}
          data-testid="credits-export"
        >
          Export CSV
        </a>
      </div>
      <LedgerFiltersForm filters={filters} errors={filterErrors} onChange={setFilters} />
      {ledger.isPending ? (
        <Loading label="Loading the ledger…" />
      ) : ledger.isError && !pageGone && !filterErrors ? (
        <ErrorBanner title="Could not load the ledger" error={ledger.error} onRetry={() => void ledger.refetch()} />
      ) : filterErrors ? null : !ledger.data ? (
        <Loading label="Loading the ledger…" />
      ) : ledger.data.count === 0 ? (
        hasFilters(filters) ? (
          <EmptyState
            title="No rows match these filters"
            action={
              <button type="button" className="btn btn-small" onClick={() => setFilters(NO_FILTERS)}>
                Clear filters
              </button>
            }
          />
        ) : (
          <EmptyState title="No credit activity yet">Every charge, top-up and hold of the account appears here.</EmptyState>
        )
      ) : (
        <>
          <div className="table-wrap" aria-busy={ledger.isFetching}>
            <table className="table table-cards cr-ledger-table">
              <caption className="visually-hidden">Credit ledger, newest first, page {page}</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Kind</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col" className="num">
                    Balance after
                  </th>
                  <th scope="col">Run</th>
                </tr>
              </thead>
              <tbody>
                {ledger.data.results.map((row) => (
                  <LedgerRowView key={row.id} row={row} siteId={site?.id ?? null} />
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pageSize={LEDGER_PAGE_SIZE} count={ledger.data.count} onPage={goToPage} />
        </>
      )}
    </section>
  );
}

/** "−2.50" for a charge, "+1,000" for a top-up; holds and releases move no balance. */
export function signedAmount(kind: LedgerKind, amount: string): string {
  const value = formatCredits(amount);
  if (kind === "debit") return `−${value}`;
  if (kind === "credit") return `+${value}`;
  return value;
}

function LedgerRowView({ row, siteId }: { row: LedgerRow; siteId: number | null }) {
  return (
    <tr data-testid="ledger-row">
      <td className="cr-cell-when" data-label="When">
        <time dateTime={row.created_at} title={row.created_at}>
          {formatDateTime(row.created_at)}
        </time>
      </td>
      <td className="cr-cell-operation">
        <span className="cr-operation" title={row.operation}>
          {operationLabel(row.operation)}
        </span>
        {row.description && <span className="muted small cr-description">{row.description}</span>}
      </td>
      <td className="cr-cell-kind">
        <Pill tone={KIND_TONES[row.kind]}>{KIND_LABELS[row.kind]}</Pill>
      </td>
      <td className={`num cr-cell-amount cr-amount-${row.kind}`} data-label="Amount">
        {signedAmount(row.kind, row.amount)}
      </td>
      <td className="num cr-cell-balance" data-label="Balance after">
        {formatCredits(row.balance_after)}
      </td>
      <td className="cr-cell-run" data-label="Run">
        {row.run_id ? (
          <Link to={withSite(`/runs/${encodeURIComponent(row.run_id)}`, siteId)} className="cr-run-link">
            {row.run_id}
          </Link>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
    </tr>
  );
}

function LedgerFiltersForm({
  filters,
  errors,
  onChange,
}: {
  filters: LedgerFilters;
  errors: Record<string, string[]> | null;
  onChange: (changes: Partial<LedgerFilters>) => void;
}) {
  const operations = useLedgerOperations();
  const id = useId();
  const [run, setRun] = useState(filters.run);
  useEffect(() => setRun(filters.run), [filters.run]);
  const known = operations.data?.operations ?? [];
  const options = filters.operation && !known.includes(filters.operation) ? [filters.operation, ...known] : known;
  const errorOf = (field: string) => errors?.[field]?.join(" ");
  const fieldProps = (field: string, apiField = field) => {
    const message = errorOf(apiField);
    return {
      id: `${id}-${field}`,
      "aria-invalid": message ? true : undefined,
      "aria-describedby": message ? `${id}-${field}-error` : undefined,
    };
  };
  const fieldError = (field: string, apiField = field) => (
    <FieldError id={`${id}-${field}-error`} messages={errors?.[apiField]} role="alert" />
  );
  const otherErrors = errors
    ? Object.entries(errors).filter(([field]) => !["operation", "kind", "since", "until", "run_id"].includes(field))
    : [];

  return (
    <form
      className="cr-filters"
      aria-label="Filter the ledger"
      onSubmit={(event) => {
        event.preventDefault();
        onChange({ run: run.trim() });
      }}
    >
      <div className="cr-filter">
        <label htmlFor={`${id}-operation`}>Operation</label>
        <select
          {...fieldProps("operation")}
          value={filters.operation}
          onChange={(event) => onChange({ operation: event.target.value })}
        >
          <option value="">All operations</option>
          {options.map((operation) => (
            <option key={operation} value={operation}>
              {operationLabel(operation)}
            </option>
          ))}
        </select>
        {fieldError("operation")}
      </div>
      <div className="cr-filter">
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select
          {...fieldProps("kind")}
          value={filters.kind}
          onChange={(event) => onChange({ kind: event.target.value as LedgerKind | "" })}
        >
          <option value="">All kinds</option>
          {LEDGER_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {KIND_LABELS[kind]}
            </option>
          ))}
        </select>
        {fieldError("kind")}
      </div>
      <div className="cr-filter">
        <label htmlFor={`${id}-since`}>From (UTC)</label>
        <input type="date" {...fieldProps("since")} value={filters.since} onChange={(event) => onChange({ since: event.target.value })} />
        {fieldError("since")}
      </div>
      <div className="cr-filter">
        <label htmlFor={`${id}-until`}>To (UTC)</label>
        <input type="date" {...fieldProps("until")} value={filters.until} onChange={(event) => onChange({ until: event.target.value })} />
        {fieldError("until")}
      </div>
      <div className="cr-filter cr-filter-run">
        <label htmlFor={`${id}-run`}>Run id</label>
        <div className="cr-run-input">
          <input
            {...fieldProps("run", "run_id")}
            value={run}
            placeholder="run_…"
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setRun(event.target.value)}
            onBlur={() => run.trim() !== filters.run && onChange({ run: run.trim() })}
          />
          <button type="submit" className="btn btn-small">
            Apply
          </button>
        </div>
        {fieldError("run", "run_id")}
      </div>
      {hasFilters(filters) && (
        <div className="cr-filter cr-filter-clear">
          <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange(NO_FILTERS)}>
            Clear filters
          </button>
        </div>
      )}
      {otherErrors.length > 0 && (
        <p className="field-error cr-filters-error" role="alert">
          {otherErrors.map(([, messages]) => messages.join(" ")).join(" ")}
        </p>
      )}
    </form>
  );
}
