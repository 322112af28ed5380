/**
 * zod schemas for every API request. Both shells run each request through validateRequest
 * before it reaches WorkbenchApi: unknown keys are refused (strict), strings and arrays are
 * bounded, column names are either a known events column or `data.<Field>` with a field name
 * that cannot break out of a JSON path.
 */
import { z } from 'zod';
import { EVENT_COLUMNS_VISIBLE, FACETS, type ApiMethod, type ApiRequest } from '../../shared/api/interfaces';
import { MAX_EPOCH_MS, MIN_EPOCH_MS } from '../../shared/model/utc-time';

/** Limits on what a request may carry. */
export const LIMITS = {
  pageRows: 2000,
  columns: 64,
  facetValues: 500,
  filterValues: 200,
  equals: 32,
  text: 1000,
  sql: 100_000,
  sqlRows: 100_000,
  path: 4096,
  paths: 10_000,
  queryName: 200,
  savedQueries: 1000,
  histogramBuckets: 2000,
  /** Upload size limit per evidence file (the web shell also refuses bodies above it before reading them). */
  uploadBytes: 4 * 1024 * 1024 * 1024,
} as const;

/** A data field name usable inside a quoted JSON path label: no quotes, backslashes or control characters. */
export const FIELD_NAME = /^[^"\\\u0000-\u001f\u007f]{1,256}$/;

const empty = z.object({}).strict();
const cellValue = z.union([z.string().max(LIMITS.text * 32), z.number().finite(), z.null()]);
const eventColumn = z.enum(EVENT_COLUMNS_VISIBLE);
const dataColumn = z
  .string()
  .regex(/^data\./)
  .refine((s) => FIELD_NAME.test(s.slice(5)), 'invalid event field name');
export const columnRef = z.union([eventColumn, dataColumn]);
const epochMs = z.number().int().min(MIN_EPOCH_MS).max(MAX_EPOCH_MS);
/** 100 ns units past a bound's millisecond. */
const subMs = z.number().int().min(0).max(9999);

const facetSelection = z
  .object(
    Object.fromEntries(
      FACETS.map((f) => [f, z.array(z.union([z.string().max(LIMITS.text * 32), z.number().finite()])).max(LIMITS.filterValues).optional()]),
    ) as Record<(typeof FACETS)[number], z.ZodOptional<z.ZodArray<z.ZodUnion<[z.ZodString, z.ZodNumber]>>>>,
  )
  .strict();

export const eventFilter = z
  .object({
    facets: facetSelection.optional(),
    parentImages: z.array(z.string().min(1).max(260)).max(LIMITS.filterValues).optional(),
    text: z.string().max(LIMITS.text).optional(),
    timeFrom: epochMs.nullable().optional(),
    timeFromSub: subMs.nullable().optional(),
    timeTo: epochMs.nullable().optional(),
    timeToSub: subMs.nullable().optional(),
    equals: z.array(z.object({ field: columnRef, value: cellValue }).strict()).max(LIMITS.equals).optional(),
  })
  .strict();

const path = z.string().min(1).max(LIMITS.path).refine((s) => !s.includes('\u0000'), 'invalid path');
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const requestSchemas = {
  shellInfo: empty,
  caseInfo: empty,
  newCase: empty,
  openCase: z.object({ path }).strict(),
  saveCase: z.object({ path: path.optional(), overwrite: z.boolean().optional() }).strict(),
  chooseEvidence: empty,
  chooseCaseToOpen: empty,
  chooseCaseToSave: empty,
  uploadEvidence: z
    .object({
      name: z.string().min(1).max(255).refine((s) => !/[\u0000-\u001f/\\]/.test(s), 'invalid file name'),
      bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength <= LIMITS.uploadBytes, 'file too large'),
    })
    .strict(),
  startImport: z
    .object({ paths: z.array(path).max(LIMITS.paths).optional(), uploadIds: z.array(id).max(LIMITS.paths).optional() })
    .strict()
    .refine((r) => (r.paths?.length ?? 0) + (r.uploadIds?.length ?? 0) > 0, 'nothing to import'),
  importStatus: z.object({ jobId: id }).strict(),
  ledger: empty,
  eventsPage: z
    .object({
      filter: eventFilter,
      columns: z.array(columnRef).min(1).max(LIMITS.columns),
      sort: z.object({ column: columnRef, dir: z.enum(['asc', 'desc']) }).strict().optional(),
      offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      limit: z.number().int().min(1).max(LIMITS.pageRows),
    })
    .strict(),
  facets: z.object({ filter: eventFilter, limit: z.number().int().min(1).max(LIMITS.facetValues).optional() }).strict(),
  histogram: z
    .object({
      filter: eventFilter,
      buckets: z.number().int().min(1).max(LIMITS.histogramBuckets).optional(),
      // (to may be one past the last millisecond the filter accepts: a window ending after 9999-12-31T23:59:59.999)
      view: z.object({ from: epochMs.nullable(), to: z.number().int().min(MIN_EPOCH_MS).max(MAX_EPOCH_MS + 1).nullable() }).strict().optional(),
    })
    .strict(),
  facetValues: z
    .object({
      facet: z.enum(FACETS),
      filter: eventFilter,
      search: z.string().max(LIMITS.text),
      limit: z.number().int().min(1).max(LIMITS.facetValues).optional(),
    })
    .strict(),
  eventDetail: z.object({ id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict(),
  fieldNames: empty,
  sqlQuery: z.object({ sql: z.string().min(1).max(LIMITS.sql), maxRows: z.number().int().min(1).max(LIMITS.sqlRows).optional() }).strict(),
  savedQueries: empty,
  saveQuery: z.object({ name: z.string().trim().min(1).max(LIMITS.queryName), sql: z.string().min(1).max(LIMITS.sql) }).strict(),
  deleteQuery: z.object({ name: z.string().min(1).max(LIMITS.queryName) }).strict(),
} as const satisfies Record<ApiMethod, z.ZodType>;

export class ApiValidationError extends Error {}

/** Validate one request; throws ApiValidationError with a readable message. */
export function validateRequest<M extends ApiMethod>(method: M, body: unknown): ApiRequest<M> {
  if (!isApiMethod(method)) throw new ApiValidationError('unknown API method');
  const schema: z.ZodType = requestSchemas[method];
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ApiValidationError(`invalid ${method} request${where}: ${issue?.message ?? 'malformed'}`);
  }
  return r.data as ApiRequest<M>;
}

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(requestSchemas, name);
}
