/** Where the API lives (docs/reference/http-api.md); also the probe paths of the worker and ingest ops server. */
export const API_PREFIX = '/v1/api/finance';
export const OPENAPI_PATH = `${API_PREFIX}/doc/openapi.json`;
