/** What a run's trigger payload was about, when it names a content item (an event on one): for a link to its reader. */
export interface ContentRef {
  id: number;
  title: string;
  /** The content's site, when the payload says. */
  site: number | null;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** `{"object_type": "content", "object": {"id": 12, "title": "…", "site": 1}}` → the content item; else null. */
export function triggerContent(payload: unknown): ContentRef | null {
  const data = asRecord(payload);
  const object = asRecord(data?.object);
  if (data?.object_type !== "content" || !object) return null;
  const id = object.id;
  if (typeof id !== "number" || !Number.isInteger(id)) return null;
  const title = typeof object.title === "string" && object.title.trim() ? object.title : `Content #${id}`;
  const site = typeof object.site === "number" ? object.site : typeof object.site_id === "number" ? object.site_id : null;
  return { id, title, site };
}

/** The reader of a content item: `/content/<id>`. */
export function contentPath(id: number): string {
  return `/content/${id}`;
}
