-- 002_pipelines.sql -- checkpoints for the multi-step pipelines, and
-- listings that belong to several businesses at once.
--
-- Never edit this file once applied anywhere: add 003_*.sql instead.

-- Every business a listing names (its record's `organization`, a key or a
-- list of keys).  One BaT account can be two BaT Local Partners rows (the
-- same shop in two places): its listings belong to both.  org_ref is the
-- lookup key as in vehicle_listings.org_ref; organization_id is set once
-- that business is known.  vehicle_listings.organization_id stays the
-- first of them.  A listing keeps every business it ever named.
CREATE TABLE vehicle_listing_orgs (
    listing_id          uuid NOT NULL REFERENCES vehicle_listings (id) ON DELETE CASCADE,
    org_ref             text NOT NULL,
    organization_id     uuid REFERENCES businesses (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (listing_id, org_ref)
);
CREATE INDEX vehicle_listing_orgs_org ON vehicle_listing_orgs (organization_id)
    WHERE organization_id IS NOT NULL;
CREATE INDEX vehicle_listing_orgs_unlinked ON vehicle_listing_orgs (org_ref)
    WHERE organization_id IS NULL;
INSERT INTO vehicle_listing_orgs (listing_id, org_ref, organization_id, created_at)
    SELECT id, org_ref, organization_id, first_seen_at FROM vehicle_listings
    WHERE org_ref IS NOT NULL;

-- A pass of one step of a pipeline (bat-partners import, ...) over its
-- items (partners).  An interrupted or killed pass is resumed by the next
-- run of the same step and scope (the selection options), which skips
-- the items already done; a finished one is not.  Status: running (or its
-- process died: nobody holds the step's advisory lock), completed (every
-- item done, skipped or failed), incomplete (some items were only
-- rate-limited: deferred to the next run), interrupted (SIGINT/SIGTERM),
-- failed (the database went away).
CREATE TABLE pipeline_passes (
    id                  bigserial PRIMARY KEY,
    pipeline            text NOT NULL,
    step                text NOT NULL,
    scope               text NOT NULL DEFAULT '',
    status              text NOT NULL DEFAULT 'running' CHECK (status IN
                            ('running', 'completed', 'incomplete', 'interrupted', 'failed')),
    run_id              bigint REFERENCES crawl_runs (id) ON DELETE SET NULL,
    worker              text,                 -- host:pid of the process
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz
);
CREATE INDEX pipeline_passes_latest ON pipeline_passes (pipeline, step, scope, id DESC);

-- What a pass did with each item: done, failed (with why; tried again by
-- the next pass), deferred (only rate-limited: not a failure, tried again
-- when the pass resumes) or skipped (nothing to do).  detail holds the
-- item's counts (pages, listings found, imported, skipped...).
CREATE TABLE pipeline_items (
    pass_id             bigint NOT NULL REFERENCES pipeline_passes (id) ON DELETE CASCADE,
    item                text NOT NULL,
    status              text NOT NULL CHECK (status IN ('done', 'failed', 'deferred', 'skipped')),
    attempts            integer NOT NULL DEFAULT 1,
    error               text,
    detail              jsonb NOT NULL DEFAULT '{}',
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pass_id, item)
);
