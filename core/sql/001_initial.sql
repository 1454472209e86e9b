-- 001_initial.sql -- carvest's first schema.
--
-- The tables and columns of the original system keep their names, so the
-- monitoring SQL of its runbooks runs unchanged: businesses, vehicles,
-- vehicle_images, organization_vehicles, dealer_inventory,
-- organization_inventory_sync_queue, import_queue, micro_scrape_runs and
-- the view vehicles_needing_micro_scrape.  What the original lacked is
-- added: the keys that make duplicates impossible (canonical URL key,
-- geographic_key, website origin, valid VIN), one vehicle with many
-- listings over time, price history, per-host crawl state and a run log.
--
-- Never edit this file once applied anywhere: add 002_*.sql instead.

-- Organisations: dealers, auction houses, shops.  A business with a
-- geographic key (BaT Local Partners) is that key; one without is its
-- website origin.  The same brand in two places is two businesses.
CREATE TABLE businesses (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_name       text NOT NULL,
    website             text,                 -- origin, https://host
    business_type       text,
    city                text,
    state               text,
    country             text,                 -- ISO 3166-1 alpha-2
    geographic_key      text,
    discovered_via      text,                 -- the source that found it
    source_url          text,
    phone               text,
    email               text,
    bat_username        text,
    classic_com_profile text,
    favicon_url         text,
    logo_url            text,
    banner_url          text,
    inventory_url       text,
    sold_inventory_url  text,
    metadata            jsonb NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX businesses_geographic_key ON businesses (geographic_key)
    WHERE geographic_key IS NOT NULL;
CREATE UNIQUE INDEX businesses_website ON businesses (website)
    WHERE geographic_key IS NULL AND website IS NOT NULL;
-- Lookups of the other keys a business is known by (store.c): a vehicle's
-- `organization` may name it by website origin (also when the business
-- has a geographic key), by BaT member (username, case-insensitive) or by
-- Classic.com profile (compared by path, trailing slash ignored).
CREATE INDEX businesses_website_any ON businesses (website) WHERE website IS NOT NULL;
CREATE INDEX businesses_bat_username ON businesses (lower(bat_username)) WHERE bat_username IS NOT NULL;
CREATE INDEX businesses_classic_com_profile
    ON businesses (lower(rtrim(regexp_replace(classic_com_profile, '^https?://[^/]+', ''), '/')));

-- Cars.  One row per car: a valid 17-character VIN is the car's identity
-- across sellers and years; without one, the first listing is.
-- discovery_url is the canonical URL of the listing that created the row.
CREATE TABLE vehicles (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    discovery_url       text NOT NULL,
    bat_auction_url     text,                 -- the BaT listing, when one is known
    listing_url         text,                 -- the latest listing seen
    source              text,                 -- the source of the latest listing
    title               text,
    year                integer,
    make                text,
    model               text,
    trim                text,
    vin                 text,                 -- VIN or chassis number as shown
    vin_valid           boolean NOT NULL DEFAULT false,  -- 17 characters, check digit right where it applies
    listing_status      text CHECK (listing_status IN
                            ('for_sale', 'live', 'sold', 'not_sold', 'withdrawn', 'off_market')),
    no_reserve          boolean,
    asking_price        bigint,
    sale_price          bigint,
    high_bid            bigint,
    currency            text,
    price_original      text,
    sale_date           date,
    auction_end         timestamptz,
    lot_number          bigint,
    mileage             bigint,
    mileage_unit        text CHECK (mileage_unit IN ('mi', 'km')),
    mileage_tmu         boolean,
    exterior_color      text,
    interior_color      text,
    engine              text,
    transmission        text,
    body_style          text,
    location            text,
    seller              text,
    buyer               text,
    organization        text,                 -- the seller's business key as the source gave it
    stock_number        text,
    bid_count           integer,
    comment_count       integer,
    view_count          integer,
    watcher_count       integer,
    description         text,
    description_source  text CHECK (description_source IN ('source', 'generated')),
    quality_score       integer,
    origin_metadata     jsonb NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX vehicles_discovery_url ON vehicles (discovery_url);
CREATE UNIQUE INDEX vehicles_vin ON vehicles (vin) WHERE vin_valid;
CREATE INDEX vehicles_bat_auction_url ON vehicles (bat_auction_url) WHERE bat_auction_url IS NOT NULL;
CREATE INDEX vehicles_listing_status ON vehicles (listing_status);

-- Listings: one per page that described a car, keyed by the canonical
-- URL with the trailing slash ignored (url_key).  A car sold by two
-- dealers over the years has two listings and one vehicle.
CREATE TABLE vehicle_listings (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    vehicle_id          uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    url                 text NOT NULL,
    url_key             text NOT NULL UNIQUE,
    source              text NOT NULL,
    organization_id     uuid REFERENCES businesses (id) ON DELETE SET NULL,
    org_ref             text,                 -- the record's organization as a lookup key:
                                              -- geo:KEY, web:ORIGIN, bat:username, classic:/s/path
    listing_status      text,
    asking_price        bigint,
    sale_price          bigint,
    high_bid            bigint,
    currency            text,
    sale_date           date,
    auction_end         timestamptz,
    record              jsonb NOT NULL,       -- the source's latest value of every field it ever
                                              -- gave: a field missing from a re-scrape keeps its value
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vehicle_listings_vehicle ON vehicle_listings (vehicle_id);
-- Listings whose organization was not a known business yet: linked when it
-- becomes one.
CREATE INDEX vehicle_listings_unlinked ON vehicle_listings (org_ref)
    WHERE organization_id IS NULL AND org_ref IS NOT NULL;

-- Merge records in order, later keys winning: a vehicle's fields are its
-- listings' records merged from the least to the most current (store.c).
CREATE AGGREGATE carvest_jsonb_merge (jsonb) (
    SFUNC = jsonb_concat,
    STYPE = jsonb,
    INITCOND = '{}'
);

-- Every change of a listing's status or prices, oldest first.
CREATE TABLE vehicle_price_history (
    id                  bigserial PRIMARY KEY,
    vehicle_id          uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    listing_id          uuid NOT NULL REFERENCES vehicle_listings (id) ON DELETE CASCADE,
    observed_at         timestamptz NOT NULL DEFAULT now(),
    listing_status      text,
    asking_price        bigint,
    sale_price          bigint,
    high_bid            bigint,
    currency            text
);
CREATE INDEX vehicle_price_history_vehicle ON vehicle_price_history (vehicle_id, observed_at);

CREATE TABLE vehicle_images (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    vehicle_id          uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    image_url           text NOT NULL,
    position            integer NOT NULL,
    source              text,
    caption             text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vehicle_id, image_url)
);

-- A business's relation to a car: consigner while it is for sale or live,
-- sold_by once sold.
CREATE TABLE organization_vehicles (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    vehicle_id          uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    relationship_type   text NOT NULL CHECK (relationship_type IN
                            ('consigner', 'sold_by', 'owner', 'service_provider', 'storage')),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'sold', 'inactive')),
    listing_status      text,
    asking_price        bigint,
    sale_price          bigint,
    sale_date           date,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, vehicle_id, relationship_type)
);
CREATE INDEX organization_vehicles_vehicle ON organization_vehicles (vehicle_id);

-- What a dealer has (and had) in stock, with when it was first and last seen.
CREATE TABLE dealer_inventory (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    dealer_id           uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    vehicle_id          uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    status              text NOT NULL CHECK (status IN ('in_stock', 'sold', 'pending_sale', 'removed')),
    asking_price        bigint,
    sale_price          bigint,
    sale_date           date,
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dealer_id, vehicle_id)
);
CREATE INDEX dealer_inventory_vehicle ON dealer_inventory (vehicle_id);

-- Work queues.  A claim sets status 'processing' with a lease
-- (locked_by, locked_until); a worker that dies leaves a lease that
-- expires, and the row is claimable again.  Failures keep their reason
-- and a next_run_at; they are never marked completed.
CREATE TABLE organization_inventory_sync_queue (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    run_mode            text NOT NULL DEFAULT 'both' CHECK (run_mode IN ('current', 'sold', 'both')),
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN
                            ('pending', 'processing', 'completed', 'failed', 'skipped')),
    attempts            integer NOT NULL DEFAULT 0,
    last_error          text,
    last_run_at         timestamptz,
    next_run_at         timestamptz,
    locked_by           text,
    locked_until        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, run_mode)
);
CREATE INDEX organization_inventory_sync_queue_due
    ON organization_inventory_sync_queue (status, next_run_at, created_at);

CREATE TABLE import_queue (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    listing_url         text NOT NULL UNIQUE,
    source              text,
    organization_id     uuid REFERENCES businesses (id) ON DELETE SET NULL,
    listing_title       text,
    listing_price       bigint,
    listing_year        integer,
    listing_make        text,
    listing_model       text,
    thumbnail_url       text,
    priority            integer NOT NULL DEFAULT 0,
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN
                            ('pending', 'processing', 'completed', 'failed', 'skipped')),
    attempts            integer NOT NULL DEFAULT 0,
    last_error          text,
    last_run_at         timestamptz,
    next_run_at         timestamptz,
    locked_by           text,
    locked_until        timestamptz,
    vehicle_id          uuid REFERENCES vehicles (id) ON DELETE SET NULL,
    raw_data            jsonb NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_queue_due ON import_queue (status, priority DESC, next_run_at, created_at);
CREATE INDEX import_queue_vehicle ON import_queue (vehicle_id) WHERE vehicle_id IS NOT NULL;

CREATE TABLE micro_scrape_runs (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_type                 text NOT NULL DEFAULT 'scheduled' CHECK (run_type IN ('scheduled', 'manual', 'triggered')),
    batch_size               integer NOT NULL DEFAULT 20,
    started_at               timestamptz NOT NULL DEFAULT now(),
    completed_at             timestamptz,
    vehicles_analyzed        integer NOT NULL DEFAULT 0,
    vehicles_improved        integer NOT NULL DEFAULT 0,
    vehicles_marked_complete integer NOT NULL DEFAULT 0,
    actions_executed         integer NOT NULL DEFAULT 0,
    actions_succeeded        integer NOT NULL DEFAULT 0,
    actions_failed           integer NOT NULL DEFAULT 0,
    runtime_ms               integer,
    status                   text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'timeout')),
    error_message            text,
    created_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX micro_scrape_runs_started ON micro_scrape_runs (status, started_at DESC);

-- Vehicles with gaps worth another look (the micro-scrape's input).  The
-- quality score and completion rules arrive with the micro-scrape; until
-- then every vehicle not marked complete is listed, worst first.
CREATE VIEW vehicles_needing_micro_scrape AS
SELECT v.id, v.make, v.model, v.year, v.discovery_url, v.origin_metadata,
       COALESCE(v.quality_score, 0) AS quality_score,
       (SELECT count(*) FROM vehicle_images i WHERE i.vehicle_id = v.id) AS image_count,
       v.vin IS NULL AS missing_vin,
       (v.sale_price IS NULL AND v.asking_price IS NULL AND v.high_bid IS NULL) AS missing_price,
       v.description IS NULL AS missing_description,
       false AS images_need_download,
       COALESCE(v.quality_score, 0) < 85 AS below_threshold,
       v.created_at, v.updated_at
  FROM vehicles v
 WHERE v.discovery_url <> ''
   AND NOT COALESCE((v.origin_metadata ->> 'micro_scrape_complete')::boolean, false)
 ORDER BY COALESCE(v.quality_score, 0), v.created_at DESC;

-- Politeness that outlives a run: robots.txt and pauses per origin.
CREATE TABLE crawl_hosts (
    origin              text PRIMARY KEY,     -- scheme://host[:port]
    robots_txt          text,
    robots_status       integer,
    robots_fetched_at   timestamptz,
    paused_until        timestamptz,
    blocks              integer NOT NULL DEFAULT 0,
    last_request_at     timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- One row per command run that writes: what it did and how it ended.
CREATE TABLE crawl_runs (
    id                  bigserial PRIMARY KEY,
    command             text NOT NULL,
    source              text,
    args                jsonb NOT NULL DEFAULT '{}',
    status              text NOT NULL DEFAULT 'running' CHECK (status IN
                            ('running', 'completed', 'failed', 'interrupted')),
    pages               integer NOT NULL DEFAULT 0,
    records             integer NOT NULL DEFAULT 0,
    failed              integer NOT NULL DEFAULT 0,
    error               text,
    stats               jsonb NOT NULL DEFAULT '{}',  -- what the store did (vehicles created, ...)
    worker              text,                 -- host:pid of the process
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz
);
CREATE INDEX crawl_runs_started ON crawl_runs (started_at DESC);
