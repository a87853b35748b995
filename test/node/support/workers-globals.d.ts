// The one Workers runtime type that src/ modules imported by Node tests (the OpenAPI document)
// reach; the Node config cannot load @cloudflare/workers-types next to @types/node and the DOM.
type SqlStorageValue = ArrayBuffer | string | number | null;
