/**
 * A small typed fetch wrapper over the generated OpenAPI types (`schema.d.ts`).
 *
 * - same-origin session cookies, `X-CSRFToken` on unsafe methods (fetched once if the cookie is missing);
 * - success bodies typed from the schema; failures thrown as `ApiError` with DRF field errors.
 */
import type { paths } from "./schema";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

type Operation<P extends keyof paths, M extends HttpMethod> = NonNullable<paths[P][M]>;

/** The API paths that answer method M. */
export type PathsFor<M extends HttpMethod> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

type Params<O> = O extends { parameters: infer PA } ? PA : never;
type QueryOf<O> = Params<O> extends { query?: infer Q } ? ([Q] extends [never] ? never : Q) : never;
type PathOf<O> = Params<O> extends { path?: infer PP } ? ([PP] extends [never] ? never : PP) : never;
type BodyOf<O> = O extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : undefined;
type SuccessOf<O> = O extends { responses: infer R }
  ? 200 extends keyof R
    ? JsonOf<R[200]>
    : 201 extends keyof R
      ? JsonOf<R[201]>
      : undefined
  : never;

export interface RequestOptions<O> {
  path?: PathOf<O>;
  query?: QueryOf<O>;
  body?: BodyOf<O>;
  signal?: AbortSignal;
}

export type ApiResponse<P extends keyof paths, M extends HttpMethod> = SuccessOf<Operation<P, M>>;
export type ApiBody<P extends keyof paths, M extends HttpMethod> = BodyOf<Operation<P, M>>;
export type ApiQuery<P extends keyof paths, M extends HttpMethod> = QueryOf<Operation<P, M>>;

/** Field name → messages, as DRF answers a 400 (`{"title": ["This field may not be blank."]}`). */
export type FieldErrors = Record<string, string[]>;

const NON_FIELD_KEYS = new Set(["detail", "non_field_errors"]);

/** A failed API call: the HTTP status (0 when the server could not be reached) and DRF's messages. */
export class ApiError extends Error {
  readonly status: number;
  readonly fieldErrors: FieldErrors;

  constructor(status: number, message: string, fieldErrors: FieldErrors = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fieldErrors = fieldErrors;
  }

  /** The caller is not signed in (or the session expired). */
  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

/** Flatten a DRF error body (lists, strings, nested dicts) into field → messages. */
export function toFieldErrors(body: unknown, prefix = ""): FieldErrors {
  if (typeof body === "string") return { [prefix || "detail"]: [body] };
  if (Array.isArray(body)) {
    const strings = body.filter((item): item is string => typeof item === "string");
    const nested = body.filter((item) => item !== null && typeof item === "object");
    const out: FieldErrors = strings.length ? { [prefix || "detail"]: strings } : {};
    nested.forEach((item, index) => Object.assign(out, toFieldErrors(item, join(prefix, String(index)))));
    return out;
  }
  if (body !== null && typeof body === "object") {
    const out: FieldErrors = {};
    for (const [key, value] of Object.entries(body)) Object.assign(out, toFieldErrors(value, join(prefix, key)));
    return out;
  }
  return {};
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** One readable sentence per field error: `title: This field may not be blank.` */
export function describeFieldErrors(errors: FieldErrors): string[] {
  return Object.entries(errors).flatMap(([field, messages]) =>
    messages.map((message) => (NON_FIELD_KEYS.has(field) ? message : `${humanize(field)}: ${message}`)),
  );
}

function humanize(field: string): string {
  const text = field.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A message for any thrown value, for banners and alerts. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

const STATUS_MESSAGES: Record<number, string> = {
  401: "You are not signed in.",
  403: "You are not allowed to do this, or your session has expired.",
  404: "Not found.",
  402: "Not enough credits.",
  429: "Too many requests; try again in a moment.",
};

async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  const text = await response.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const fieldErrors = toFieldErrors(body);
  const lines = describeFieldErrors(fieldErrors);
  const fallback =
    STATUS_MESSAGES[response.status] ??
    (response.status >= 500
      ? `The server failed (${response.status}). Try again in a moment.`
      : `Request failed (${response.status}).`);
  return new ApiError(response.status, lines.length ? lines.join(" ") : fallback, fieldErrors);
}

// --- CSRF -----------------------------------------------------------------------------------------

let csrfFromEndpoint: string | null = null;

export function readCookie(name: string): string | null {
  for (const part of document.cookie ? document.cookie.split(";") : []) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

async function csrfToken(): Promise<string> {
  const fromCookie = readCookie("csrftoken");
  if (fromCookie) return fromCookie;
  if (csrfFromEndpoint) return csrfFromEndpoint;
  const data = await api.get("/api/v1/auth/csrf/");
  csrfFromEndpoint = data.csrfToken;
  return readCookie("csrftoken") ?? data.csrfToken;
}

/** Forget a cached CSRF token (tests; Django rotates the token on login). */
export function resetCsrfCache(): void {
  csrfFromEndpoint = null;
}

// --- requests -------------------------------------------------------------------------------------

function buildUrl(path: string, pathParams?: object, query?: object): string {
  let url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (pathParams as Record<string, unknown> | undefined)?.[name];
    if (value === undefined || value === null) throw new Error(`missing path parameter "${name}" for ${path}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const qs = search.toString();
  if (qs) url += `?${qs}`;
  return url;
}

/** Call the API: `request("post", "/api/v1/content/{id}/approve/", { path: { id: 3 } })`. */
export async function request<M extends HttpMethod, P extends PathsFor<M>>(
  method: M,
  path: P,
  options: RequestOptions<Operation<P, M>> = {},
): Promise<ApiResponse<P, M>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "get") headers["X-CSRFToken"] = await csrfToken();
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.path ?? undefined, options.query ?? undefined), {
      method: method.toUpperCase(),
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as ApiResponse<P, M>;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as ApiResponse<P, M>;
}

type Caller<M extends HttpMethod> = <P extends PathsFor<M>>(
  path: P,
  options?: RequestOptions<Operation<P, M>>,
) => Promise<ApiResponse<P, M>>;

export const api: { get: Caller<"get">; post: Caller<"post">; patch: Caller<"patch">; delete: Caller<"delete"> } = {
  get: (path, options) => request("get", path, options),
  post: (path, options) => request("post", path, options),
  patch: (path, options) => request("patch", path, options),
  delete: (path, options) => request("delete", path, options),
};
