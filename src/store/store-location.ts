/** Whether ORCHESTRATOR_DB names a PostgreSQL database (`postgres://…` or `postgresql://…`) rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The store's location fit for a log line or an error: a URL's password (and query, which may carry one) left out. */
export function redactStoreUrl(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    url.search = '';
    return url.toString();
  } catch {
    // Not a parseable URL: say only what kind of store it is.
    return 'postgres://(unparseable URL)';
  }
}
