import type { RegistryRecord } from 'push-registry'
import type { Migration } from './migrations.js'
import type { SqlExecutor } from './sql-driver.js'
import { insertRowsStatement } from './typed-statements.js'
import { tableOf } from './typed-tables.js'

/**
 * 008: typed tables, one per kind of record (issue 13), in place of `records` (one jsonb
 * document per record) and of the index tables of 007, which repeated the keys.
 *
 * - Key fields are columns, and each table's primary key is its record's key, app first for
 *   the kinds of an app (`app_id`: registrations, tokens, dispatches, delivery marks). Keys are
 *   `COLLATE "C"` (byte order, the cheapest comparison). Ids are indexed as they are (at most
 *   256 characters by default, S3, well under a btree entry's 2,704 bytes); token keys (up to
 *   4,096 characters) by `key_digest`, as in 003.
 * - `data` (json) holds what has no fixed shape, bounded by D14, without the fields the
 *   columns hold: a registration's kept facts and the rest of its view, a token's claims and
 *   answers, a user's settings. `NULL` when there is nothing (delivery marks). `json`, not
 *   `jsonb`: the adapter never queries inside it but for one index expression (dispatches), and
 *   the text as `JSON.stringify` wrote it is about 40% smaller than jsonb's binary form for
 *   these small documents (docs/decisions.md).
 * - `registrations` holds the query columns of 007's `registration_entries` (token state,
 *   owners, `known`): the targets index `registrations_active` is partial on active, known rows;
 *   I2 is the deferred exclusion on `(app_id, key_digest(token key))` of active rows; the owner
 *   look-ups of segments and exports use `registrations_by_owner` (btree on `owner` of the rows
 *   whose `owners` is `NULL`, i.e. `[owner]`: most rows) and `registrations_by_owners` (GIN on
 *   `owners` of the others, shared devices), in place of 007's `registration_owners`.
 * - `users` holds 007's `user_entries` column (`subscription_state`, derived from the record) and
 *   its partial hash index of the users who are not `subscribed`.
 * - Scans page by primary key (keyset): no sequence column, no scan index.
 * - `daily_counts.scope` becomes `app_id`, as in every other table of an app.
 * - The feed's `change` becomes `json`, and `changes_users` (a GIN of every change) becomes
 *   `changes_by_user` (a btree on the one user most changes name) and `changes_by_users` (a GIN
 *   of the changes naming several): erasure's `forgetChanges` reads both.
 * - The rows move set-based (`INSERT … SELECT`), except registrations: their row is computed by
 *   the adapter's own mapping (`registration-row.ts`, which strips the facts of what the columns
 *   hold), 2,000 records at a time, so that one function defines a registration's row.
 * - Online for readers while it runs, not after: it takes a SHARE lock on `records` first, so
 *   instances of the previous release keep reading and their commits wait; at its end it drops
 *   `records` (an ACCESS EXCLUSIVE lock, held to commit), and from then on every statement of
 *   the previous release fails (`relation … does not exist`, a StorageError), reads included.
 *   Migrate, then replace the old instances at once.
 */
export const typedTables: Migration = {
  version: '008',
  name: 'typed tables',
  statements: (s) => [
    `LOCK TABLE ${s}.records IN SHARE MODE`,
    // Registrations, with 007's registration_entries columns. Fixed-width columns first (no padding).
    `CREATE TABLE ${s}.registrations (
      version bigint NOT NULL CHECK (version > 0),
      reported_at bigint,
      suspect_since bigint,
      ended_at bigint,
      known boolean NOT NULL,
      app_id text COLLATE "C" NOT NULL,
      device_id text COLLATE "C" NOT NULL,
      status text CHECK (status IN ('none', 'active', 'suspect', 'ended')),
      token text,
      token_key text,
      web_push_p256dh text,
      web_push_auth text,
      capability text,
      environment text,
      ended_reason text,
      owner text COLLATE "C",
      owners text[] COLLATE "C",
      data json,
      PRIMARY KEY (app_id, device_id)
    )`,
    `CREATE INDEX registrations_active ON ${s}.registrations (app_id, reported_at, device_id) WHERE status = 'active' AND known`,
    // I2, deferred (one commit may move a token between registrations; see 001).
    `ALTER TABLE ${s}.registrations ADD CONSTRAINT registrations_one_active_token_per_app
      EXCLUDE USING btree (app_id WITH =, (${s}.key_digest(coalesce(token_key, token))) WITH =) WHERE (status = 'active')
      DEFERRABLE INITIALLY DEFERRED`,
    // A user's registrations: by owner where owners is [owner] (NULL, most rows), by owners elsewhere (shared devices, R10).
    `CREATE INDEX registrations_by_owner ON ${s}.registrations (owner) WHERE known AND owners IS NULL`,
    `CREATE INDEX registrations_by_owners ON ${s}.registrations USING gin (owners) WHERE known AND owners IS NOT NULL`,
    `CREATE TABLE ${s}.tokens (
      version bigint NOT NULL CHECK (version > 0),
      app_id text COLLATE "C" NOT NULL,
      key_digest bytea NOT NULL GENERATED ALWAYS AS (${s}.key_digest(key)) STORED,
      key text NOT NULL,
      data json,
      PRIMARY KEY (app_id, key_digest)
    )`,
    `CREATE TABLE ${s}.users (
      version bigint NOT NULL CHECK (version > 0),
      user_id text COLLATE "C" NOT NULL PRIMARY KEY,
      subscription_state text NOT NULL CHECK (subscription_state IN ('subscribed', 'opted_in', 'unsubscribed')),
      data json
    )`,
    // Hash: 4-byte codes, and a miss (most users are subscribed) reads no heap page.
    `CREATE INDEX users_not_subscribed ON ${s}.users USING hash (user_id) WHERE subscription_state <> 'subscribed'`,
    `CREATE TABLE ${s}.user_links (
      version bigint NOT NULL CHECK (version > 0),
      user_id text COLLATE "C" NOT NULL,
      node text COLLATE "C" NOT NULL,
      data json,
      PRIMARY KEY (user_id, node)
    )`,
    `CREATE TABLE ${s}.dispatches (
      version bigint NOT NULL CHECK (version > 0),
      app_id text COLLATE "C" NOT NULL,
      dispatch_id text COLLATE "C" NOT NULL,
      data json,
      PRIMARY KEY (app_id, dispatch_id)
    )`,
    `CREATE INDEX dispatches_recent ON ${s}.dispatches (app_id, ((data -> 'sends' ->> 'lastAt')::bigint) DESC) WHERE (data -> 'sends') IS NOT NULL`,
    `CREATE TABLE ${s}.delivery_marks (
      version bigint NOT NULL CHECK (version > 0),
      app_id text COLLATE "C" NOT NULL,
      dispatch_id text COLLATE "C" NOT NULL,
      device_id text COLLATE "C" NOT NULL,
      event text COLLATE "C" NOT NULL,
      data json,
      PRIMARY KEY (app_id, dispatch_id, device_id, event)
    )`,
    `CREATE TABLE ${s}.contacts (
      version bigint NOT NULL CHECK (version > 0),
      contact text COLLATE "C" NOT NULL,
      value text COLLATE "C" NOT NULL,
      data json,
      PRIMARY KEY (contact, value)
    )`,
    `CREATE TABLE ${s}.changelog_entries (
      version bigint NOT NULL CHECK (version > 0),
      seq integer NOT NULL,
      user_id text COLLATE "C" NOT NULL,
      data json,
      PRIMARY KEY (user_id, seq)
    )`,
    // The multi-owner test of ownerStates (007), now over users.
    `CREATE OR REPLACE FUNCTION ${s}.owners_match(owners text[], states text[], wanted boolean) RETURNS boolean
      LANGUAGE sql STABLE STRICT PARALLEL SAFE COST 10
      AS $$ SELECT coalesce(pg_catalog.bool_or((EXISTS (SELECT 1 FROM ${s}.users u
          WHERE u.user_id = o.user_id AND u.subscription_state <> 'subscribed' AND u.subscription_state = ANY(states))) = wanted), false)
        FROM pg_catalog.unnest(owners) AS o(user_id) $$`,
    `CREATE FUNCTION ${s}.assert_typed(applied bigint, wanted bigint) RETURNS bigint
      LANGUAGE plpgsql AS $$
      BEGIN
        IF applied <> wanted THEN
          RAISE EXCEPTION 'push-registry: a commit applied % of its % writes', applied, wanted;
        END IF;
        RETURN applied;
      END $$`,
    // Set-based moves. Each row's key comes from the record's key columns of 001; `data` is the
    // record without `kind` and its key fields (what the adapter's mapping writes, typed-tables.ts).
    `INSERT INTO ${s}.tokens (version, app_id, key, data)
      SELECT version, scope, id, nullif(record - 'kind' - 'appId' - 'key', '{}'::jsonb)::json FROM ${s}.records WHERE kind = 'token'`,
    `INSERT INTO ${s}.users (version, user_id, subscription_state, data)
      SELECT r.version, r.id, coalesce(e.subscription, 'subscribed'), nullif(r.record - 'kind' - 'userId', '{}'::jsonb)::json
      FROM ${s}.records r LEFT JOIN ${s}.user_entries e ON e.user_digest = ${s}.key_digest(r.id) AND e.user_id = r.id
      WHERE r.kind = 'user'`,
    `INSERT INTO ${s}.user_links (version, user_id, node, data)
      SELECT version, scope, id, nullif(record - 'kind' - 'userId' - 'node', '{}'::jsonb)::json FROM ${s}.records WHERE kind = 'links'`,
    `INSERT INTO ${s}.dispatches (version, app_id, dispatch_id, data)
      SELECT version, scope, id, nullif(record - 'kind' - 'appId' - 'dispatchId', '{}'::jsonb)::json FROM ${s}.records WHERE kind = 'dispatch'`,
    `INSERT INTO ${s}.delivery_marks (version, app_id, dispatch_id, device_id, event, data)
      SELECT version, scope, record ->> 'dispatchId', record ->> 'deviceId', record ->> 'event',
        nullif(record - 'kind' - 'appId' - 'dispatchId' - 'deviceId' - 'event', '{}'::jsonb)::json
      FROM ${s}.records WHERE kind = 'delivery'`,
    `INSERT INTO ${s}.contacts (version, contact, value, data)
      SELECT version, scope, id, nullif(record - 'kind' - 'contact' - 'value', '{}'::jsonb)::json FROM ${s}.records WHERE kind = 'contact'`,
    `INSERT INTO ${s}.changelog_entries (version, user_id, seq, data)
      SELECT version, scope, id::integer, nullif(record - 'kind' - 'userId' - 'seq', '{}'::jsonb)::json FROM ${s}.records WHERE kind = 'changelog'`,
  ],
  backfill: async (tx: SqlExecutor, s: string) => {
    const spec = tableOf('registration')
    const insert = insertRowsStatement(s, spec)
    let after = '0'
    for (;;) {
      const { rows } = await tx.query<{ after: string; version: unknown; record: RegistryRecord }>(
        `SELECT r.seq::text AS after, r.version, r.record FROM ${s}.records r WHERE r.kind = 'registration' AND r.seq > $1::bigint ORDER BY r.seq LIMIT 2000`,
        [after],
      )
      const last = rows.at(-1)
      if (last === undefined) break
      await tx.query(insert, [JSON.stringify(rows.map((row) => ({ ...spec.rowOf(row.record), version: Number(row.version) })))])
      after = last.after
    }
  },
  finish: (s) => [
    // The feed: each change as json text (smaller, as for data), and erasure's look-up by user
    // as a btree of the changes naming one user (most) and a GIN of the others, in place of one
    // GIN of every change.
    `ALTER TABLE ${s}.changes ALTER COLUMN change TYPE json USING change::json`,
    `DROP INDEX ${s}.changes_users`,
    `CREATE INDEX changes_by_user ON ${s}.changes ((users[1])) WHERE cardinality(users) = 1`,
    `CREATE INDEX changes_by_users ON ${s}.changes USING gin (users) WHERE cardinality(users) > 1`,
    `DROP TABLE ${s}.records`,
    `DROP TABLE ${s}.registration_entries`,
    `DROP TABLE ${s}.registration_owners`,
    `DROP TABLE ${s}.user_entries`,
    // Its callers were the previous release's commits: they fail loudly, never half-written.
    `DROP FUNCTION ${s}.assert_indexed(bigint, bigint)`,
    `ALTER TABLE ${s}.daily_counts RENAME COLUMN scope TO app_id`,
    // Statistics for the planner right away, rather than when autovacuum next passes.
    ...['registrations', 'tokens', 'users', 'user_links', 'dispatches', 'delivery_marks', 'contacts', 'changelog_entries'].map((t) => `ANALYZE ${s}.${t}`),
  ],
}
