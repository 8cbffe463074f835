import type { RegistryRecord } from 'push-registry'
import { indexChangesOf } from './index-rows.js'
import { indexParams, indexWriteStatement } from './index-writes.js'
import type { SqlExecutor } from './sql-driver.js'
import { typedTables } from './typed-migration.js'

/**
 * One step of the schema, shipped inside the package as code (no `.sql` files to locate at run
 * time, whatever the bundler or install layout). A migration never changes once released:
 * changes to the schema are new migrations.
 */
export interface Migration {
  /** Sorts the migrations and names them in `schema_migrations`: `'001'`, `'002'`, … */
  readonly version: string
  readonly name: string
  /** The statements, one per string, for a schema already quoted (`"push_registry"`). */
  readonly statements: (schema: string) => readonly string[]
  /**
   * Runs after the statements, in the same transaction: moves data the statements cannot
   * derive in SQL alone (005 derives index entries with the registry's own `indexEntryOf`).
   */
  readonly backfill?: (tx: SqlExecutor, schema: string) => Promise<void>
  /** Statements that run after the backfill, in the same transaction (008 drops the tables it moved rows out of). */
  readonly finish?: (schema: string) => readonly string[]
}

/**
 * 001: one table for every kind of record.
 *
 * - `(kind, scope, id)` is the primary key (I1: one row, hence one token state, per app and
 *   device). `scope` is the app for app-scoped kinds (R4, I8).
 * - `seq` numbers rows at insertion and never changes, so a scan can page by it (keyset) and
 *   meet every row once even while rows are updated. The scan indexes share at most one
 *   leading column with the primary key, so key look-ups always plan on the primary key.
 * - `active_token` is the token key of a registration whose view holds an active token, else
 *   null: a generated column, so the database, not the adapter, derives it from the record.
 * - I2 in the database: an exclusion constraint allows one row per (app, active token key). It
 *   is deferred to the end of the transaction because one commit may move a token from one
 *   registration to another, and a per-row check would fail or pass depending on the order in
 *   which the rows happen to be written. (A unique index cannot be deferred; an exclusion
 *   constraint with `=` on btree is the deferrable equivalent.)
 * - `assert_applied` lets a commit, which is one statement, fail (and so roll back) when it
 *   wrote fewer rows than it was given, which the version checks make impossible; it is a
 *   guard, not a code path.
 */
const records: Migration = {
  version: '001',
  name: 'records',
  statements: (s) => [
    `CREATE TABLE ${s}.records (
      kind text NOT NULL CHECK (kind IN ('registration', 'token', 'user', 'dispatch', 'contact')),
      scope text NOT NULL,
      id text NOT NULL,
      version bigint NOT NULL CHECK (version > 0),
      record jsonb NOT NULL,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      active_token text GENERATED ALWAYS AS (
        CASE WHEN kind = 'registration' AND record -> 'view' -> 'token' ->> 'status' = 'active'
          THEN record -> 'view' -> 'token' ->> 'key' END
      ) STORED,
      PRIMARY KEY (kind, scope, id)
    ) WITH (fillfactor = 90)`,
    // Not (kind, scope, seq): with two equality columns in common with the primary key, the
    // planner of a never-analyzed table picked it for key look-ups and filtered ids row by row.
    `CREATE INDEX records_scan_scope ON ${s}.records (scope, seq)`,
    `CREATE INDEX records_scan_kind ON ${s}.records (kind, seq)`,
    `ALTER TABLE ${s}.records ADD CONSTRAINT records_one_active_token_per_app
      EXCLUDE USING btree (scope WITH =, active_token WITH =) WHERE (active_token IS NOT NULL)
      DEFERRABLE INITIALLY DEFERRED`,
    `CREATE FUNCTION ${s}.assert_applied(applied bigint, wanted bigint) RETURNS bigint
      LANGUAGE plpgsql AS $$
      BEGIN
        IF applied <> wanted THEN
          RAISE EXCEPTION 'push-registry: a commit applied % of its % writes', applied, wanted;
        END IF;
        RETURN applied;
      END $$`,
  ],
}

/**
 * 002: the change feed, written by the same commit statement as the records.
 *
 * - `changes.seq` is the feed's order and cursor. It is NOT a sequence: a sequence value taken
 *   by a transaction that commits later than another's would become visible after it, and a
 *   reader that had resumed past the later one would skip the earlier for good. Instead a
 *   commit takes its numbers from the one row of `change_counter`, whose row lock it holds
 *   until it commits: commits that append changes pass that row one at a time, so numbers
 *   are handed out in commit order, and a number becomes visible only after every smaller one
 *   did (the previous holder committed before the next could read the row).
 * - `users` names the users a change is about, so that erasure can forget them (GIN index).
 * - `at` is the registry's clock at commit, what retention prunes by.
 */
const changeFeed: Migration = {
  version: '002',
  name: 'change feed',
  statements: (s) => [
    `CREATE TABLE ${s}.changes (
      seq bigint PRIMARY KEY,
      at bigint NOT NULL,
      users text[] NOT NULL,
      change jsonb NOT NULL
    )`,
    `CREATE INDEX changes_users ON ${s}.changes USING gin (users)`,
    `CREATE INDEX changes_at ON ${s}.changes (at)`,
    `CREATE TABLE ${s}.change_counter (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      last bigint NOT NULL
    )`,
    `INSERT INTO ${s}.change_counter (one, last) VALUES (true, 0)`,
  ],
}

/**
 * 003: index digests of ids and token keys, never the values themselves (S3 allows token
 * strings and Web Push endpoints of 4,096 characters; random ones do not compress, and a btree
 * entry holding one exceeds the 2,704 bytes a page allows, so every commit writing one failed).
 *
 * - `key_digest(text)`: SHA-256 of the UTF-8 bytes, 32 bytes whatever the length. Declared
 *   IMMUTABLE, as an index needs: `convert_to` is only STABLE because a conversion could be
 *   redefined, and converting a database's own text to UTF-8 never changes. Names in its body
 *   are qualified, so the search path of a session cannot change what it computes.
 * - `id_digest`, generated from `id`, replaces `id` in the primary key: `(kind, scope,
 *   id_digest)`. Look-ups match the digest (the index) and the id itself (the row), so a
 *   collision could never alias two records. Adding a stored column rewrites the table once.
 * - I2's exclusion constraint compares `key_digest(active_token)` instead of the token key.
 */
const digests: Migration = {
  version: '003',
  name: 'key digests',
  statements: (s) => [
    `CREATE FUNCTION ${s}.key_digest(value text) RETURNS bytea
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$ SELECT pg_catalog.sha256(pg_catalog.convert_to(value, 'UTF8')) $$`,
    `ALTER TABLE ${s}.records ADD COLUMN id_digest bytea NOT NULL GENERATED ALWAYS AS (${s}.key_digest(id)) STORED`,
    `ALTER TABLE ${s}.records DROP CONSTRAINT records_pkey`,
    `ALTER TABLE ${s}.records ADD CONSTRAINT records_pkey PRIMARY KEY (kind, scope, id_digest)`,
    `ALTER TABLE ${s}.records DROP CONSTRAINT records_one_active_token_per_app`,
    `ALTER TABLE ${s}.records ADD CONSTRAINT records_one_active_token_per_app
      EXCLUDE USING btree (scope WITH =, (${s}.key_digest(active_token)) WITH =) WHERE (active_token IS NOT NULL)
      DEFERRABLE INITIALLY DEFERRED`,
  ],
}

/**
 * 004 (D14): two more kinds of records, delivery marks (one per dispatch, device and event) and
 * settled changelog entries (one per user and sequence number).
 */
const boundedHistoryKinds: Migration = {
  version: '004',
  name: 'bounded-history-kinds',
  statements: (s) => [
    `ALTER TABLE ${s}.records DROP CONSTRAINT records_kind_check`,
    `ALTER TABLE ${s}.records ADD CONSTRAINT records_kind_check
      CHECK (kind IN ('registration', 'token', 'user', 'dispatch', 'contact', 'delivery', 'changelog'))`,
  ],
}

/**
 * 005: what the token-health overview reads without a scan.
 *
 * - `daily_counts`: per app (`scope`), UTC day (days since the epoch), event (`invalidated` |
 *   `quarantined`) and reason, a counter the commit statement increments in the same statement
 *   as its writes and changes (`CommitOptions.counts`); 400 days are kept per app.
 * - `records_recent_dispatches`: dispatch rows that have a send summary, by app and the
 *   summary's `lastAt`, latest first, so the recent dispatches are an index range.
 */
const tokenHealth: Migration = {
  version: '005',
  name: 'token-health',
  statements: (s) => [
    `CREATE TABLE ${s}.daily_counts (
      scope text NOT NULL,
      day integer NOT NULL,
      event text NOT NULL CHECK (event IN ('invalidated', 'quarantined')),
      reason text NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (scope, day, event, reason)
    )`,
    `CREATE INDEX records_recent_dispatches ON ${s}.records (scope, ((record -> 'sends' ->> 'lastAt')::bigint) DESC)
      WHERE kind = 'dispatch' AND (record -> 'sends') IS NOT NULL`,
  ],
}

/**
 * 006 (D14): one more kind of record, the nodes of a user's links, which list what names the
 * user (registrations, contact addresses, others' changelog entries) by key.
 */
const userLinkKinds: Migration = {
  version: '006',
  name: 'user-link-kinds',
  statements: (s) => [
    `ALTER TABLE ${s}.records DROP CONSTRAINT records_kind_check`,
    `ALTER TABLE ${s}.records ADD CONSTRAINT records_kind_check
      CHECK (kind IN ('registration', 'token', 'user', 'dispatch', 'contact', 'delivery', 'changelog', 'links'))`,
  ],
}

/**
 * 007: typed index tables, which answer `queryRegistrations` and `queryUsers` in SQL (issue 13).
 * Every commit maintains them in its own statement from the index entries of its writes.
 *
 * - `registration_entries`: one row per known registration (`RegistrationEntry`), keyed by
 *   `(app_id, device_digest)`; the token's state in columns (status, token, capability,
 *   environment, reported_at, how it ended). Keyset pages follow the primary key, or, for
 *   queries of active tokens, the partial index `registration_entries_active (app_id,
 *   reported_at, device_digest) WHERE status = 'active'`, whose `reported_at` serves both
 *   `targets` (reported since the expiry bound) and `idleTargets` (reported before a time).
 * - `registration_owners`: one row per (registration, owner), the owner join of segments and
 *   exports (a user's registrations by `registration_owners_by_user`). Digests, not ids, so
 *   that ids of any allowed length fit the indexes (as in 003).
 * - `user_entries`: one row per user (`UserEntry`): the subscription state the `ownerStates`
 *   filter joins on, through `user_entries_not_subscribed`, a partial hash index of the users
 *   who are not `subscribed` (the default, and most users): a registration's owner is looked up
 *   there, and a miss reads no heap page. No app: on Citus a reference table (docs/scaling.md).
 * - Every app-scoped key starts with `app_id`.
 * - The backfill derives each stored registration's and user's entry with `indexEntryOf`, page by
 *   page of `records`, under a SHARE lock on `records`: readers go on reading, writers wait for
 *   the migration to commit. `assert_applied` becomes `assert_indexed`, so that an instance of the
 *   previous release, whose commits would write records without their index rows, fails loudly
 *   instead of leaving the index tables stale (its reads keep working).
 */
const indexTables: Migration = {
  version: '007',
  name: 'index tables',
  statements: (s) => [
    `LOCK TABLE ${s}.records IN SHARE MODE`,
    `CREATE TABLE ${s}.registration_entries (
      app_id text NOT NULL,
      device_id text NOT NULL,
      device_digest bytea NOT NULL GENERATED ALWAYS AS (${s}.key_digest(device_id)) STORED,
      owner text,
      owners text[] NOT NULL,
      status text NOT NULL CHECK (status IN ('none', 'active', 'suspect', 'ended')),
      token text,
      token_key text,
      web_push_p256dh text,
      web_push_auth text,
      capability text CHECK (capability IN ('foreground', 'provisional', 'background')),
      environment text CHECK (environment IN ('sandbox', 'production')),
      reported_at bigint,
      suspect_since bigint,
      ended_reason text,
      ended_at bigint,
      PRIMARY KEY (app_id, device_digest),
      CHECK ((status = 'none') = (token IS NULL)),
      CHECK ((status = 'active') = (capability IS NOT NULL)),
      CHECK ((status = 'none') = (reported_at IS NULL))
    ) WITH (fillfactor = 90)`,
    `CREATE INDEX registration_entries_active ON ${s}.registration_entries (app_id, reported_at, device_digest)
      WHERE status = 'active'`,
    `CREATE TABLE ${s}.registration_owners (
      app_id text NOT NULL,
      device_digest bytea NOT NULL,
      user_digest bytea NOT NULL,
      PRIMARY KEY (app_id, device_digest, user_digest)
    )`,
    `CREATE INDEX registration_owners_by_user ON ${s}.registration_owners (user_digest, app_id, device_digest)`,
    `CREATE TABLE ${s}.user_entries (
      user_id text NOT NULL,
      user_digest bytea NOT NULL GENERATED ALWAYS AS (${s}.key_digest(user_id)) STORED,
      subscription text NOT NULL CHECK (subscription IN ('subscribed', 'opted_in', 'unsubscribed')),
      PRIMARY KEY (user_digest)
    )`,
    // Hash, not btree: it holds 4-byte hash codes, so user ids of any length fit.
    `CREATE INDEX user_entries_not_subscribed ON ${s}.user_entries USING hash (user_id) WHERE subscription <> 'subscribed'`,
    // The ownerStates test of a registration with several owners (shared devices, R10): whether
    // some owner is (\`wanted\`) or is not (\`NOT wanted\`) in one of \`states\`, none of them
    // \`subscribed\`. A function of its own, with a FROM (so never inlined) and a low COST, so that
    // this rare branch does not inflate the estimate of every registration query's plan.
    `CREATE FUNCTION ${s}.owners_match(owners text[], states text[], wanted boolean) RETURNS boolean
      LANGUAGE sql STABLE STRICT PARALLEL SAFE COST 10
      AS $$ SELECT coalesce(pg_catalog.bool_or((EXISTS (SELECT 1 FROM ${s}.user_entries u
          WHERE u.user_id = o.user_id AND u.subscription <> 'subscribed' AND u.subscription = ANY(states))) = wanted), false)
        FROM pg_catalog.unnest(owners) AS o(user_id) $$`,
    `ALTER FUNCTION ${s}.assert_applied(bigint, bigint) RENAME TO assert_indexed`,
  ],
  backfill: async (tx, s) => {
    const write = indexWriteStatement(s)
    let backfilled = false
    for (const kind of ['registration', 'user'] as const) {
      let after = '0'
      for (;;) {
        const { rows } = await tx.query<{ seq: string; record: RegistryRecord }>(
          `SELECT seq::text AS seq, record FROM ${s}.records WHERE kind = $1 AND seq > $2::bigint ORDER BY seq LIMIT 2000`,
          [kind, after],
        )
        const last = rows.at(-1)
        if (last === undefined) break
        await tx.query(write, indexParams(indexChangesOf(rows.map((row) => ({ record: row.record, expectedVersion: 0 })))))
        after = last.seq
        backfilled = true
      }
    }
    // Statistics for the planner right away, rather than when autovacuum next passes.
    if (backfilled) for (const table of ['registration_entries', 'registration_owners', 'user_entries']) await tx.query(`ANALYZE ${s}.${table}`)
  },
}

/** Every migration, in order. */
export const migrations: readonly Migration[] = [records, changeFeed, digests, boundedHistoryKinds, tokenHealth, userLinkKinds, indexTables, typedTables]
