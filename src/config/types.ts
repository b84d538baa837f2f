/** The merged master options under salt's own keys (`cachedir`, `mysql.host`, `keep_jobs_seconds`…), read-only. */
export type MasterOptions = Readonly<Record<string, unknown>>;
