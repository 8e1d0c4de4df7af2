/** The Credits screen's queries. Keys start with "credits" so a refresh of the header's balance refreshes them too. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { apiQuery, type LedgerFilters } from "./filters";
import type { Budget } from "./types";

export const LEDGER_PAGE_SIZE = 25;

export const creditKeys = {
  all: ["credits"] as const,
  budget: ["credits", "budget"] as const,
  operations: ["credits", "operations"] as const,
  ledger: (filters: LedgerFilters, page: number) => ["credits", "ledger", filters, page] as const,
  usage: (days: number) => ["credits", "usage", days] as const,
};

export function useBudget() {
  return useQuery({
    queryKey: creditKeys.budget,
    queryFn: ({ signal }) => api.get("/api/v1/credits/budget/", { signal }),
    refetchInterval: 30_000,
  });
}

/** Set (a decimal string) or clear (null) the account's daily budget. */
export function useSetBudget() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (value: string | null) =>
      api.patch("/api/v1/credits/budget/", { body: { daily_credit_budget: value } }),
    onSuccess: (budget: Budget) => {
      client.setQueryData(creditKeys.budget, budget);
      void client.invalidateQueries({ queryKey: queryKeys.credits, exact: true });
      void client.invalidateQueries({ queryKey: queryKeys.me });
    },
  });
}

export function useLedger(filters: LedgerFilters, page: number) {
  return useQuery({
    queryKey: creditKeys.ledger(filters, page),
    queryFn: ({ signal }) =>
      api.get("/api/v1/credits/ledger/", { query: { ...apiQuery(filters), page, page_size: LEDGER_PAGE_SIZE }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useLedgerOperations() {
  return useQuery({
    queryKey: creditKeys.operations,
    queryFn: ({ signal }) => api.get("/api/v1/credits/ledger/operations/", { signal }),
    staleTime: 60_000,
  });
}

export function useUsage(days: number) {
  return useQuery({
    queryKey: creditKeys.usage(days),
    queryFn: ({ signal }) => api.get("/api/v1/credits/usage/", { query: { days }, signal }),
    placeholderData: keepPreviousData,
  });
}
