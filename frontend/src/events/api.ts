/** The event journal's query (`GET /api/v1/automation/events/`) and its keys. */
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import { cursorOf } from "./format";
import type { EventPage, EventQuery } from "./types";

export const PAGE_SIZE = 50;

export const eventKeys = {
  all: ["events"] as const,
  journal: (query: Omit<EventQuery, "cursor">) => ["events", "journal", query] as const,
};

/** One page of the journal; the schema types the JSON fields as `unknown`: cast to `./types` here, once. */
export async function fetchEvents(query: EventQuery, signal?: AbortSignal): Promise<EventPage> {
  return (await api.get("/api/v1/automation/events/", { query, signal })) as unknown as EventPage;
}

/** The journal newest first; "Load more" follows each page's `next` cursor. */
export function useEventJournal(query: Omit<EventQuery, "cursor">) {
  return useInfiniteQuery({
    queryKey: eventKeys.journal(query),
    queryFn: ({ pageParam, signal }) => fetchEvents({ ...query, page_size: PAGE_SIZE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => cursorOf(last.next),
    placeholderData: keepPreviousData,
  });
}
