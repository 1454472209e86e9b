/*
 * store.c -- the one way records reach PostgreSQL (see store.h).
 *
 * Records are checked when they arrive (a record the store cannot key is
 * logged and counted as rejected), kept, and written in batches: one
 * transaction per BATCH_MAX records, or sooner when the oldest waiting
 * record is BATCH_AGE_MS old, so a slow crawl still shows up in the
 * database as it goes.  A batch runs through cv_db_transaction(), which
 * re-runs it whole after a lost connection, a server restart, a
 * deadlock or a serialization failure; every step below is therefore an
 * upsert that gives the same result when it runs twice, and the batch
 * body starts from scratch each time (its counts included).
 *
 * How a vehicle record is written
 *  1. The listing is the record's canonical URL with the trailing slash
 *     ignored (cv_url_key): vehicle_listings.url_key.  Its row holds the
 *     source's latest value of every field it ever gave: the stored
 *     record and the new one are merged (jsonb ||), so a field missing
 *     from a re-scrape keeps its value -- only fill.
 *  2. The car: the listing's vehicle when the listing is known, else the
 *     vehicle with the record's VIN, else a vehicle another writer stored
 *     for the same page without a listing (its bat_auction_url,
 *     discovery_url or listing_url names the page, whatever its trailing
 *     slash, query or fragment: 003_page_keys.sql), else a new vehicle
 *     whose discovery_url is this listing's URL.  A VIN is identity when it is
 *     17 characters long and its check digit is right (CV_VIN_VALID), and
 *     also when it is 17 valid VIN characters from a region that does not
 *     use the check digit (CV_VIN_17: WMI not 1-5).  ISO 3779 makes those
 *     unique too; what they lack is only typo detection, and a typo makes
 *     a VIN no other car has, so it can split a car but never merge two.
 *     A North American VIN with a wrong check digit (CV_VIN_BAD_CHECK) and
 *     chassis numbers are kept as shown but identify nothing.  Identity
 *     VINs are stored in upper case.
 *  3. A known listing whose record now shows a VIN that another vehicle
 *     has merges its vehicle into that one (the survivor is the car that
 *     already had the VIN): listings, price history, images, organisation
 *     links, dealer inventory and import-queue references move, the
 *     survivor's empty columns are filled from the other row, and the
 *     other row is deleted.  A vehicle's VIN, once valid, is never
 *     replaced: a listing that later shows another valid VIN stays with
 *     its car (logged).  The partial unique index on valid VINs keeps two
 *     writers from creating two rows for one VIN: the loser's insert or
 *     update fails or does nothing, and its batch is re-run, finding the
 *     winner's row.
 *  4. The vehicle's columns are recomputed from all its listings: their
 *     records merged from the least to the most current listing, so every
 *     column takes the value of the most current listing that gives one,
 *     and a column no listing gives keeps what is stored (a value some
 *     other writer set).  The most current listing is the first in
 *     PRIMARY_ORDER: for sale or live before ended; then the latest
 *     auction end, sale date or first sighting; then the URL.  So the
 *     volatile fields (status, prices, bids, mileage shown) follow the
 *     latest listing, nothing a source gave is ever replaced by nothing,
 *     and the result does not depend on the order records arrive in.
 *     listing_url and source are the most current listing's,
 *     bat_auction_url the most current BaT listing's.  A description from
 *     a source is marked description_source 'source'; one generated later
 *     never replaces it (and a source's replaces a generated one).
 *  5. vehicle_price_history gets a row when a listing is first seen and
 *     whenever its status, prices or currency change.
 *  6. Images are appended in gallery order after the highest position;
 *     none is ever removed.
 *  7. The record's `organization` (a geographic key, a website, a BaT
 *     member URL or a Classic.com profile URL; or a list of them, when one
 *     seller account is several businesses) becomes the listing's org_ref
 *     (the first) and its vehicle_listing_orgs rows (all, kept when a
 *     later record names others); each that names a known business links
 *     the listing to it, and each linked business's relation to the car is
 *     derived from its most current listing of the car: organization_vehicles 'consigner' (active while
 *     for sale or live, inactive when unsold or withdrawn) and 'sold_by'
 *     once sold (the consigner row, if any, then says sold), and for any
 *     business that is not an auction house a dealer_inventory row
 *     (in_stock, sold, or removed when withdrawn or off the market).
 * A row's updated_at moves only when one of its stored values changed;
 * last_seen_at moves every time.  A run that finds nothing new therefore
 * leaves every table as it was, last_seen_at aside.
 *
 * How a business record is written
 *   Its key is its geographic_key, else its website origin; a record with
 *   neither is found by BaT username or Classic.com profile.  A record
 *   with a geographic key may adopt a business known only by the same
 *   website; a record without one takes the business with its website
 *   (preferring one without a geographic key).  Existing columns are only
 *   filled, never changed, with one exception: what a business's own
 *   website is the authority on (logo, favicon, banner, inventory pages)
 *   is replaced by a record read on that website (its source_url is on
 *   its website's origin), so a directory's copy of a logo gives way to
 *   the site's.  discovered_via is the first source that gave it.  Record
 *   fields without a column (referral_url) go to metadata under the
 *   source's name, the source's latest word on them.  Listings that named
 *   the business before it was known are linked to it as soon as it is
 *   stored.
 *
 * No SQL is ever built from scraped text: every statement is prepared
 * once per connection (again after a reconnect: prepared statements live
 * in the server session) and every value is a parameter.
 *
 * A statement that fails on the data of one record (a value out of range,
 * a constraint) rejects that record: it is logged, counted, and the batch
 * runs again without it.  A unique violation is first taken for a
 * concurrent writer and retried (CONFLICT_TRIES times).
 */
#include "store.h"
#include "db.h"
#include "mem.h"
#include "buf.h"
#include "migrate.h"
#include "norm.h"
#include "record.h"
#include "runtime.h"
#include "str.h"
#include "url.h"

#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_MAX 100            /* records per transaction */
#define BATCH_AGE_MS 1000        /* write sooner when the oldest record waited this long */
#define CONFLICT_TRIES 3         /* unique violations of one record before it is rejected */
#define IMAGE_URL_MAX 2048       /* longer image URLs do not fit the unique index: dropped */
#define ORGS_MAX 8               /* businesses one vehicle record may name */

/* ------------------------------------------------------------------ SQL */

/* The most current listing first (see the top of the file), and the
 * reverse, for merging records so that the most current wins. */
#define ACTIVE "(l.listing_status IS NULL OR l.listing_status IN ('for_sale', 'live'))"
#define EVENT "COALESCE(l.auction_end, l.sale_date::timestamp AT TIME ZONE 'UTC', l.first_seen_at)"
#define PRIMARY_ORDER ACTIVE " DESC, " EVENT " DESC, l.url_key"
#define MERGE_ORDER ACTIVE ", " EVENT ", l.url_key DESC"
#define BAT_LISTING "'^https?://(www\\.)?bringatrailer\\.com/listing/'"
#define CLASSIC_PATH "lower(rtrim(regexp_replace(classic_com_profile, '^https?://[^/]+', ''), '/'))"

enum stmt {
    S_LISTING_GET,
    S_VEHICLE_BY_VIN,
    S_VEHICLE_INSERT,
    S_VEHICLE_FIND,
    S_VEHICLE_BY_PAGE,
    S_ORG_RESOLVE,
    S_LISTING_INSERT,
    S_LISTING_UPDATE,
    S_PRICE_HISTORY,
    S_VEHICLE_REFRESH,
    S_IMAGES_APPEND,
    S_LISTING_VEHICLE,
    S_IMAGE_ONE,
    S_LINK_PRIMARY,
    S_OV_UPSERT,
    S_OV_CONSIGNER_SOLD,
    S_DI_UPSERT,
    S_M_LISTINGS,
    S_M_HISTORY,
    S_M_IMAGES,
    S_M_OV,
    S_M_DI,
    S_M_QUEUE,
    S_M_FILL,
    S_VEHICLE_DELETE,
    S_BIZ_LOCK,
    S_BIZ_FIND,
    S_BIZ_INSERT,
    S_BIZ_UPDATE,
    S_ORPHANS,
    S_LISTING_SET_ORG,
    S_LISTING_ORG_UPSERT,
    S_LISTING_ORGS,
    N_STMT
};

/* Vehicle columns recomputed from the listings' records: the record field
 * of the same name, cast to the column's type. */
static const struct {
    const char *name;
    const char *type;
} vcols[] = {
    {"title", "text"},          {"year", "integer"},          {"make", "text"},
    {"model", "text"},          {"trim", "text"},             {"listing_status", "text"},
    {"no_reserve", "boolean"},  {"asking_price", "bigint"},   {"sale_price", "bigint"},
    {"high_bid", "bigint"},     {"currency", "text"},         {"price_original", "text"},
    {"sale_date", "date"},      {"auction_end", "timestamptz"}, {"lot_number", "bigint"},
    {"mileage", "bigint"},      {"mileage_unit", "text"},     {"mileage_tmu", "boolean"},
    {"exterior_color", "text"}, {"interior_color", "text"},   {"engine", "text"},
    {"transmission", "text"},   {"body_style", "text"},       {"location", "text"},
    {"seller", "text"},         {"buyer", "text"},            {"organization", "text"},
    {"stock_number", "text"},   {"bid_count", "integer"},     {"comment_count", "integer"},
    {"view_count", "integer"},  {"watcher_count", "integer"},
};
#define NVCOLS (sizeof(vcols) / sizeof(vcols[0]))

/* Business columns and the record fields that fill them.  `site` marks
 * what the business's own website is the authority on: a record read
 * from that site replaces them (a directory's copy of the logo gives way
 * to the logo the site shows); any other record only fills them. */
static const struct {
    const char *col;
    const char *field;
    int site;
} bcols[] = {
    {"business_name", "name", 0},
    {"website", "website", 0},
    {"source_url", "source_url", 0},
    {"city", "city", 0},
    {"state", "state", 0},
    {"country", "country", 0},
    {"geographic_key", "geographic_key", 0},
    {"business_type", "business_type", 0},
    {"bat_username", "bat_username", 0},
    {"classic_com_profile", "classic_com_profile", 0},
    {"phone", "phone", 0},
    {"email", "email", 0},
    {"logo_url", "logo_url", 1},
    {"favicon_url", "favicon_url", 1},
    {"banner_url", "banner_url", 1},
    {"inventory_url", "inventory_url", 1},
    {"sold_inventory_url", "sold_inventory_url", 1},
    {"discovered_via", "source", 0},
};
#define NBCOLS (sizeof(bcols) / sizeof(bcols[0]))

/* The fixed statements; NULL entries are generated by build_sql(). */
static const char *const fixed_sql[N_STMT] = {
    [S_LISTING_GET] =
        "SELECT l.id, l.vehicle_id, l.listing_status, l.asking_price, l.sale_price, l.high_bid,"
        " l.currency, v.vin, v.vin_valid"
        " FROM vehicle_listings l JOIN vehicles v ON v.id = l.vehicle_id"
        " WHERE l.url_key = $1 FOR UPDATE OF l, v",
    [S_VEHICLE_BY_VIN] = "SELECT id FROM vehicles WHERE vin_valid AND vin = $1 FOR UPDATE",
    /* A unique violation (discovery_url, VIN) means another writer got
     * there first: nothing is returned, and S_VEHICLE_FIND finds its row
     * (the insert waited for it to commit). */
    [S_VEHICLE_INSERT] =
        "INSERT INTO vehicles (discovery_url, vin, vin_valid) VALUES ($1, $2, $3::boolean)"
        " ON CONFLICT DO NOTHING RETURNING id",
    /* A vehicle another writer stored for this page, without a listing
     * (003_page_keys.sql); not for a URL with a query string, whose page
     * the key cannot tell. */
    [S_VEHICLE_BY_PAGE] =
        "SELECT v.id FROM vehicles v, (SELECT carvest_page_key($1) AS k) p"
        " WHERE strpos($1, '?') = 0 AND p.k IS NOT NULL"
        " AND (carvest_page_key(v.bat_auction_url) = p.k OR carvest_page_key(v.discovery_url) = p.k"
        "  OR carvest_page_key(v.listing_url) = p.k)"
        " AND NOT EXISTS (SELECT 1 FROM vehicle_listings l WHERE l.vehicle_id = v.id)"
        " AND (NOT v.vin_valid OR $2::text IS NULL OR v.vin = $2)"
        " ORDER BY carvest_page_key(v.bat_auction_url) = p.k DESC NULLS LAST,"
        " carvest_page_key(v.discovery_url) = p.k DESC NULLS LAST, v.created_at, v.id"
        " LIMIT 1 FOR UPDATE OF v",
    [S_VEHICLE_FIND] =
        "SELECT id FROM vehicles WHERE discovery_url = $1 OR (vin_valid AND vin = $2)"
        " ORDER BY discovery_url = $1 DESC LIMIT 1 FOR UPDATE",
    [S_ORG_RESOLVE] =
        "SELECT id FROM ("
        " SELECT id, 0 AS pri, geographic_key, website FROM businesses"
        "  WHERE $1 = 'geo' AND geographic_key = $2"
        " UNION ALL SELECT id, CASE WHEN geographic_key IS NULL THEN 1 ELSE 2 END,"
        "  geographic_key, website FROM businesses WHERE $1 = 'web' AND website = $2"
        " UNION ALL SELECT id, 3, geographic_key, website FROM businesses"
        "  WHERE $1 = 'bat' AND lower(bat_username) = $2"
        " UNION ALL SELECT id, 4, geographic_key, website FROM businesses"
        "  WHERE $1 = 'classic' AND " CLASSIC_PATH " = $2"
        ") m ORDER BY pri, geographic_key NULLS FIRST, website NULLS FIRST, id LIMIT 1",
    [S_LISTING_INSERT] =
        "INSERT INTO vehicle_listings (vehicle_id, url, url_key, source, organization_id, org_ref,"
        " listing_status, asking_price, sale_price, high_bid, currency, sale_date, auction_end,"
        " record)"
        " SELECT $1::uuid, $2, $3, $4, $5::uuid, $6, r->>'listing_status',"
        " (r->>'asking_price')::bigint, (r->>'sale_price')::bigint, (r->>'high_bid')::bigint,"
        " r->>'currency', (r->>'sale_date')::date, (r->>'auction_end')::timestamptz, r"
        " FROM (SELECT $7::jsonb AS r) n"
        " ON CONFLICT (url_key) DO NOTHING"
        " RETURNING id, listing_status, asking_price, sale_price, high_bid, currency,"
        " organization_id",
    /* The organisation: the one named now when it resolves; the stored one
     * when the record names the same (or none). */
    [S_LISTING_UPDATE] =
        "UPDATE vehicle_listings l SET vehicle_id = $2::uuid, url = $3, source = $4,"
        " organization_id = n.org_id, org_ref = n.org_ref,"
        " listing_status = n.r->>'listing_status', asking_price = (n.r->>'asking_price')::bigint,"
        " sale_price = (n.r->>'sale_price')::bigint, high_bid = (n.r->>'high_bid')::bigint,"
        " currency = n.r->>'currency', sale_date = (n.r->>'sale_date')::date,"
        " auction_end = (n.r->>'auction_end')::timestamptz, record = n.r, last_seen_at = now(),"
        " updated_at = CASE WHEN (l.vehicle_id, l.url, l.source, l.organization_id, l.org_ref,"
        "  l.record) IS DISTINCT FROM ($2::uuid, $3, $4, n.org_id, n.org_ref, n.r)"
        "  THEN now() ELSE l.updated_at END"
        " FROM (SELECT o.record || $6::jsonb AS r, COALESCE($5, o.org_ref) AS org_ref,"
        "  CASE WHEN $5::text IS NULL OR $5 = o.org_ref THEN COALESCE($7::uuid, o.organization_id)"
        "  ELSE $7::uuid END AS org_id"
        "  FROM vehicle_listings o WHERE o.id = $1::uuid) n"
        " WHERE l.id = $1::uuid"
        " RETURNING l.updated_at = now(), l.listing_status, l.asking_price, l.sale_price,"
        " l.high_bid, l.currency, l.organization_id",
    [S_PRICE_HISTORY] =
        "INSERT INTO vehicle_price_history (vehicle_id, listing_id, listing_status, asking_price,"
        " sale_price, high_bid, currency)"
        " SELECT vehicle_id, id, listing_status, asking_price, sale_price, high_bid, currency"
        " FROM vehicle_listings WHERE id = $1::uuid",
    [S_VEHICLE_REFRESH] = NULL,
    [S_IMAGES_APPEND] =
        "INSERT INTO vehicle_images (vehicle_id, image_url, position, source)"
        " SELECT $1::uuid, u.url, COALESCE((SELECT max(position) FROM vehicle_images"
        "  WHERE vehicle_id = $1::uuid), -1) + row_number() OVER (ORDER BY u.ord), $3"
        " FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS u(url, ord)"
        " WHERE NOT EXISTS (SELECT 1 FROM vehicle_images i"
        "  WHERE i.vehicle_id = $1::uuid AND i.image_url = u.url)"
        " ON CONFLICT (vehicle_id, image_url) DO NOTHING",
    [S_LISTING_VEHICLE] = "SELECT vehicle_id FROM vehicle_listings WHERE url_key = $1",
    [S_IMAGE_ONE] =
        "INSERT INTO vehicle_images AS i (vehicle_id, image_url, position, source, caption)"
        " SELECT $1::uuid, $2, COALESCE(max(position), -1) + 1, $3, $4 FROM vehicle_images"
        " WHERE vehicle_id = $1::uuid"
        " ON CONFLICT (vehicle_id, image_url) DO UPDATE SET caption = EXCLUDED.caption"
        " WHERE i.caption IS NULL AND EXCLUDED.caption IS NOT NULL"
        " RETURNING (xmax = 0)",
    [S_LINK_PRIMARY] =
        "SELECT l.listing_status, l.asking_price, l.sale_price, l.sale_date, b.business_type"
        " FROM vehicle_listings l JOIN vehicle_listing_orgs x ON x.listing_id = l.id"
        " JOIN businesses b ON b.id = x.organization_id"
        " WHERE l.vehicle_id = $1::uuid AND x.organization_id = $2::uuid"
        " ORDER BY " PRIMARY_ORDER " LIMIT 1",
    [S_OV_UPSERT] =
        "INSERT INTO organization_vehicles AS o (organization_id, vehicle_id, relationship_type,"
        " status, listing_status, asking_price, sale_price, sale_date)"
        " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::bigint, $7::bigint, $8::date)"
        " ON CONFLICT (organization_id, vehicle_id, relationship_type) DO UPDATE SET"
        " status = EXCLUDED.status,"
        " listing_status = COALESCE(EXCLUDED.listing_status, o.listing_status),"
        " asking_price = COALESCE(EXCLUDED.asking_price, o.asking_price),"
        " sale_price = COALESCE(EXCLUDED.sale_price, o.sale_price),"
        " sale_date = COALESCE(EXCLUDED.sale_date, o.sale_date), updated_at = now()"
        " WHERE (o.status, o.listing_status, o.asking_price, o.sale_price, o.sale_date)"
        "  IS DISTINCT FROM (EXCLUDED.status, COALESCE(EXCLUDED.listing_status, o.listing_status),"
        "  COALESCE(EXCLUDED.asking_price, o.asking_price),"
        "  COALESCE(EXCLUDED.sale_price, o.sale_price), COALESCE(EXCLUDED.sale_date, o.sale_date))"
        " RETURNING (xmax = 0)",
    [S_OV_CONSIGNER_SOLD] =
        "UPDATE organization_vehicles o SET status = 'sold', listing_status = 'sold',"
        " sale_price = COALESCE($3::bigint, o.sale_price),"
        " sale_date = COALESCE($4::date, o.sale_date), updated_at = now()"
        " WHERE o.organization_id = $1::uuid AND o.vehicle_id = $2::uuid"
        " AND o.relationship_type = 'consigner'"
        " AND (o.status, o.listing_status, o.sale_price, o.sale_date) IS DISTINCT FROM"
        " ('sold', 'sold', COALESCE($3::bigint, o.sale_price), COALESCE($4::date, o.sale_date))",
    [S_DI_UPSERT] =
        "INSERT INTO dealer_inventory AS d (dealer_id, vehicle_id, status, asking_price,"
        " sale_price, sale_date)"
        " VALUES ($1::uuid, $2::uuid, $3, $4::bigint, $5::bigint, $6::date)"
        " ON CONFLICT (dealer_id, vehicle_id) DO UPDATE SET status = EXCLUDED.status,"
        " asking_price = COALESCE(EXCLUDED.asking_price, d.asking_price),"
        " sale_price = COALESCE(EXCLUDED.sale_price, d.sale_price),"
        " sale_date = COALESCE(EXCLUDED.sale_date, d.sale_date), last_seen_at = now(),"
        " updated_at = CASE WHEN (d.status, d.asking_price, d.sale_price, d.sale_date)"
        "  IS DISTINCT FROM (EXCLUDED.status, COALESCE(EXCLUDED.asking_price, d.asking_price),"
        "  COALESCE(EXCLUDED.sale_price, d.sale_price), COALESCE(EXCLUDED.sale_date, d.sale_date))"
        "  THEN now() ELSE d.updated_at END"
        " RETURNING (xmax = 0), d.updated_at = now()",
    /* Merging vehicle $2 into vehicle $1. */
    [S_M_LISTINGS] =
        "UPDATE vehicle_listings SET vehicle_id = $1::uuid, updated_at = now()"
        " WHERE vehicle_id = $2::uuid",
    [S_M_HISTORY] =
        "UPDATE vehicle_price_history SET vehicle_id = $1::uuid WHERE vehicle_id = $2::uuid",
    [S_M_IMAGES] =
        "INSERT INTO vehicle_images (vehicle_id, image_url, position, source, caption, created_at)"
        " SELECT $1::uuid, i.image_url, COALESCE((SELECT max(position) FROM vehicle_images"
        "  WHERE vehicle_id = $1::uuid), -1) + row_number() OVER (ORDER BY i.position, i.image_url),"
        " i.source, i.caption, i.created_at FROM vehicle_images i"
        " WHERE i.vehicle_id = $2::uuid AND NOT EXISTS (SELECT 1 FROM vehicle_images w"
        "  WHERE w.vehicle_id = $1::uuid AND w.image_url = i.image_url)"
        " ON CONFLICT (vehicle_id, image_url) DO NOTHING",
    [S_M_OV] =
        "INSERT INTO organization_vehicles (organization_id, vehicle_id, relationship_type, status,"
        " listing_status, asking_price, sale_price, sale_date, created_at)"
        " SELECT organization_id, $1::uuid, relationship_type, status, listing_status,"
        " asking_price, sale_price, sale_date, created_at FROM organization_vehicles"
        " WHERE vehicle_id = $2::uuid"
        " ON CONFLICT (organization_id, vehicle_id, relationship_type) DO NOTHING",
    [S_M_DI] =
        "INSERT INTO dealer_inventory AS d (dealer_id, vehicle_id, status, asking_price, sale_price,"
        " sale_date, first_seen_at, last_seen_at, created_at)"
        " SELECT dealer_id, $1::uuid, status, asking_price, sale_price, sale_date, first_seen_at,"
        " last_seen_at, created_at FROM dealer_inventory WHERE vehicle_id = $2::uuid"
        " ON CONFLICT (dealer_id, vehicle_id) DO UPDATE SET"
        " first_seen_at = LEAST(d.first_seen_at, EXCLUDED.first_seen_at),"
        " last_seen_at = GREATEST(d.last_seen_at, EXCLUDED.last_seen_at)",
    [S_M_QUEUE] =
        "UPDATE import_queue SET vehicle_id = $1::uuid, updated_at = now()"
        " WHERE vehicle_id = $2::uuid",
    [S_M_FILL] = NULL,
    [S_VEHICLE_DELETE] = "DELETE FROM vehicles WHERE id = $1::uuid",
    /* Finding a business and inserting it when missing is one step for
     * concurrent writers: the lock is per key, for the transaction. */
    [S_BIZ_LOCK] = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
    [S_BIZ_FIND] =
        "SELECT id FROM ("
        " SELECT id, 0 AS pri, geographic_key, website FROM businesses"
        "  WHERE $1::text IS NOT NULL AND geographic_key = $1"
        " UNION ALL SELECT id, CASE WHEN geographic_key IS NULL THEN 1 ELSE 2 END,"
        "  geographic_key, website FROM businesses"
        "  WHERE $2::text IS NOT NULL AND website = $2 AND ($1::text IS NULL OR geographic_key IS NULL)"
        " UNION ALL SELECT id, 3, geographic_key, website FROM businesses"
        "  WHERE $3::text IS NOT NULL AND lower(bat_username) = lower($3)"
        "  AND ($1::text IS NULL OR geographic_key IS NULL)"
        "  AND ($2::text IS NULL OR website IS NULL OR website = $2)"
        " UNION ALL SELECT id, 4, geographic_key, website FROM businesses"
        "  WHERE $4::text IS NOT NULL AND " CLASSIC_PATH " = $4"
        "  AND ($1::text IS NULL OR geographic_key IS NULL)"
        "  AND ($2::text IS NULL OR website IS NULL OR website = $2)"
        ") m ORDER BY pri, geographic_key NULLS FIRST, website NULLS FIRST, id LIMIT 1",
    [S_BIZ_INSERT] = NULL,
    [S_BIZ_UPDATE] = NULL,
    [S_ORPHANS] =
        "SELECT l.id, l.vehicle_id, x.org_ref FROM vehicle_listing_orgs x"
        " JOIN vehicle_listings l ON l.id = x.listing_id"
        " WHERE x.organization_id IS NULL AND x.org_ref IN ($1, $2, $3, $4)"
        " ORDER BY l.url_key, x.org_ref",
    /* listing $1 names business $2 by $3: set in both places */
    [S_LISTING_SET_ORG] =
        "WITH x AS (UPDATE vehicle_listing_orgs SET organization_id = $2::uuid"
        "  WHERE listing_id = $1::uuid AND org_ref = $3"
        "  AND organization_id IS DISTINCT FROM $2::uuid RETURNING 1)"
        " UPDATE vehicle_listings SET organization_id = $2::uuid, updated_at = now()"
        " WHERE id = $1::uuid AND org_ref = $3 AND organization_id IS DISTINCT FROM $2::uuid",
    /* One business the listing names; its id once known.  A row per
     * name, kept when a later record names others. */
    [S_LISTING_ORG_UPSERT] =
        "INSERT INTO vehicle_listing_orgs AS x (listing_id, org_ref, organization_id)"
        " VALUES ($1::uuid, $2, $3::uuid)"
        " ON CONFLICT (listing_id, org_ref) DO UPDATE SET organization_id = EXCLUDED.organization_id"
        " WHERE EXCLUDED.organization_id IS NOT NULL"
        " AND x.organization_id IS DISTINCT FROM EXCLUDED.organization_id"
        " RETURNING 1",
    [S_LISTING_ORGS] =
        "SELECT DISTINCT organization_id FROM vehicle_listing_orgs"
        " WHERE listing_id = $1::uuid AND organization_id IS NOT NULL ORDER BY 1",
};

/* ---------------------------------------------------------------- types */

struct item {
    json_t *rec;               /* the record (a reference) */
    enum cv_record_type type;
    char *json;                /* the record as JSON text */
    char *key;                 /* vehicle: its URL key; image: its vehicle's URL key */
    char *vin;                 /* vehicle: its identity VIN (upper case), if any */
    char *images;              /* vehicle: its images as a JSON array */
    size_t norgs;              /* vehicle: the businesses its organization names */
    char *org_kind[ORGS_MAX];  /* ... each as org_kind:org_val */
    char *org_val[ORGS_MAX];
    char *org_ref[ORGS_MAX];
    char *refs[4];             /* business: the org_refs that name it */
    char *meta;                /* business: its fields without a column, as the
                                  metadata object {"<source>": {...}}, or NULL */
    int own_site;              /* business: read from its own website */
    char *classic_path;        /* business: its Classic.com profile path */
    char *lock;                /* business: its advisory lock key */
    int skip;                  /* rejected within a batch: not written */
    int conflicts;             /* unique violations met */
};

struct cv_store {
    struct cv_runtime *rt;
    struct cv_db db;
    int connected;
    char *sql[N_STMT];          /* statement text, fixed or generated */
    int prepared_pid;           /* backend the statements were prepared on, 0: none */
    struct item *items;         /* waiting to be written */
    size_t n, cap;
    long long first_ms;         /* when the oldest waiting record came */
    long wait_ms;
    int failed;                 /* gave up: the database is gone */
    char run_id[24];            /* crawl_runs.id of this run, "" before run_start */
    struct cv_store_stats st;
};

/* How a statement failed. */
enum {
    E_NONE = 0,
    E_RETRY,                   /* connection, deadlock, serialization: run the batch again */
    E_CONFLICT,                /* a unique violation: a concurrent writer, probably */
    E_DATA,                    /* this record's data: reject it */
    E_FATAL                    /* anything else: give up */
};

struct batch {
    struct cv_store *s;
    int err;                   /* E_* of the last failure */
    char msg[512];
    struct cv_store_stats st;  /* this attempt's counts */
};

/* -------------------------------------------------------------- helpers */

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void copy_id(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* A result cell, NULL when SQL NULL. */
static const char *cell(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int same(const char *a, const char *b)
{
    return a ? b && !strcmp(a, b) : !b;
}

static void item_clear(struct item *it)
{
    json_decref(it->rec);
    free(it->json);            /* jansson's allocation */
    free(it->images);
    cv_free(it->key);
    cv_free(it->vin);
    for (size_t i = 0; i < it->norgs; i++) {
        cv_free(it->org_kind[i]);
        cv_free(it->org_val[i]);
        cv_free(it->org_ref[i]);
    }
    for (size_t i = 0; i < 4; i++)
        cv_free(it->refs[i]);
    free(it->meta);            /* jansson's allocation */
    cv_free(it->classic_path);
    cv_free(it->lock);
    memset(it, 0, sizeof(*it));
}

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = cv_malloc(la + lb + 1);

    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* s[0..n) with %XX decoded and ASCII lower-cased: a BaT username as the
 * member URL spells it. */
static char *decode_lower(const char *s, size_t n)
{
    char *out = cv_malloc(n + 1);
    size_t j = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return cv_ascii_lower(out);
}

/* The lower-cased path of a Classic.com profile URL without its trailing
 * slash ("/s/ferraro-motorcars-omepqct"), NULL when url is not one. */
static char *classic_path(const char *url)
{
    struct cv_url u;
    char *canon = cv_url_canonical(url, NULL), *p = NULL;
    size_t n;

    if (!canon)
        return NULL;
    if (cv_url_parse(canon, &u) == CV_OK) {
        if ((!strcmp(u.host, "classic.com") || !strcmp(u.host, "www.classic.com")) &&
            cv_starts_with(u.path, "/s/")) {
            n = strlen(u.path);
            while (n > 1 && u.path[n - 1] == '/')
                n--;
            p = cv_strndup(u.path, n);
            if (p)
                cv_ascii_lower(p);
        }
        cv_url_clear(&u);
    }
    cv_free(canon);
    return p;
}

/* A vehicle's `organization` as a lookup key: geo (a geographic key),
 * bat (a BaT member's lower-cased username), classic (a Classic.com
 * profile path) or web (a website origin).  0, 1 when it is not usable
 * (nothing set), -1 out of memory. */
static int org_key(const char *org, char **kind, char **val)
{
    struct cv_url u;
    char *canon;
    int rc = 1;

    *kind = *val = NULL;
    if (!strstr(org, "://")) {
        *kind = cv_strdup("geo");
        *val = cv_strdup(org);
        if (*kind && *val)
            return 0;
        cv_free(*kind);
        cv_free(*val);
        *kind = *val = NULL;
        return -1;
    }
    canon = cv_url_canonical(org, NULL);
    if (!canon || cv_url_parse(canon, &u) != CV_OK) {
        cv_free(canon);
        return 1;
    }
    if ((!strcmp(u.host, "bringatrailer.com") || !strcmp(u.host, "www.bringatrailer.com")) &&
        cv_starts_with(u.path, "/member/") && u.path[8] && u.path[8] != '/') {
        *kind = cv_strdup("bat");
        *val = decode_lower(u.path + 8, strcspn(u.path + 8, "/"));
    } else if ((*val = classic_path(canon))) {
        *kind = cv_strdup("classic");
    } else {
        *kind = cv_strdup("web");
        *val = cv_url_origin(canon);
    }
    rc = *kind && *val ? 0 : -1;
    cv_url_clear(&u);
    cv_free(canon);
    if (rc) {
        cv_free(*kind);
        cv_free(*val);
        *kind = *val = NULL;
    }
    return rc;
}

static char *ref_of(const char *kind, const char *val)
{
    char *k = concat(kind, ":"), *r = k ? concat(k, val) : NULL;

    cv_free(k);
    return r;
}

/* ------------------------------------------------------------ statements */

static char *build_refresh(void)
{
    struct cv_buf b, set, old, new;
    char *out = NULL;
    int bad = 0;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    cv_buf_init(&set, CV_BUF_UNLIMITED);
    cv_buf_init(&old, CV_BUF_UNLIMITED);
    cv_buf_init(&new, CV_BUF_UNLIMITED);
    for (size_t i = 0; i < NVCOLS; i++) {
        char expr[200];
        if (!strcmp(vcols[i].name, "organization"))
            /* a list of businesses: the column names the first */
            snprintf(expr, sizeof(expr), "COALESCE(CASE jsonb_typeof(d.m->'organization') WHEN "
                     "'array' THEN d.m->'organization'->>0 ELSE d.m->>'organization' END, "
                     "v.organization)");
        else
            snprintf(expr, sizeof(expr), "COALESCE((d.m->>'%s')::%s, v.%s)", vcols[i].name,
                     vcols[i].type, vcols[i].name);
        bad |= cv_buf_printf(&set, "%s = %s, ", vcols[i].name, expr) < 0;
        bad |= cv_buf_printf(&old, "v.%s, ", vcols[i].name) < 0;
        bad |= cv_buf_printf(&new, "%s, ", expr) < 0;
    }
    /* the VIN: a valid one is kept; $2 says the record's valid VIN is the
     * car's now; otherwise the listings' VIN or chassis number */
#define VIN_EXPR "CASE WHEN v.vin_valid THEN v.vin WHEN $2::boolean THEN $3 ELSE COALESCE(d.m->>'vin', v.vin) END"
#define DESC_SRC "CASE WHEN d.m ? 'description' THEN 'source' ELSE v.description_source END"
#define BAT_EXPR "COALESCE(d.bat_url, v.bat_auction_url)"
    bad |= cv_buf_puts(&set, "vin = " VIN_EXPR ", vin_valid = v.vin_valid OR $2::boolean,"
                       " description = COALESCE(d.m->>'description', v.description),"
                       " description_source = " DESC_SRC ", listing_url = d.url, source = d.source,"
                       " bat_auction_url = " BAT_EXPR ", updated_at = now()") < 0;
    bad |= cv_buf_puts(&old, "v.vin, v.vin_valid, v.description, v.description_source,"
                       " v.listing_url, v.source, v.bat_auction_url") < 0;
    bad |= cv_buf_puts(&new, VIN_EXPR ", v.vin_valid OR $2::boolean,"
                       " COALESCE(d.m->>'description', v.description), " DESC_SRC ", d.url,"
                       " d.source, " BAT_EXPR) < 0;
    bad |= cv_buf_printf(&b,
                         "UPDATE vehicles v SET %s"
                         " FROM (SELECT carvest_jsonb_merge(l.record ORDER BY " MERGE_ORDER ") AS m,"
                         " (array_agg(l.url ORDER BY " PRIMARY_ORDER "))[1] AS url,"
                         " (array_agg(l.source ORDER BY " PRIMARY_ORDER "))[1] AS source,"
                         " (array_agg(l.url ORDER BY " PRIMARY_ORDER ") FILTER (WHERE l.url ~ "
                         BAT_LISTING "))[1] AS bat_url"
                         " FROM vehicle_listings l WHERE l.vehicle_id = $1::uuid) d"
                         " WHERE v.id = $1::uuid AND d.url IS NOT NULL AND (%s) IS DISTINCT FROM (%s)",
                         cv_buf_str(&set), cv_buf_str(&old), cv_buf_str(&new)) < 0;
#undef VIN_EXPR
#undef DESC_SRC
#undef BAT_EXPR
    if (!bad)
        out = cv_buf_take(&b);
    cv_buf_free(&b);
    cv_buf_free(&set);
    cv_buf_free(&old);
    cv_buf_free(&new);
    return out;
}

/* Merging: the survivor's empty columns filled from the other row. */
static char *build_fill(void)
{
    struct cv_buf b;
    int bad = 0;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    bad |= cv_buf_puts(&b, "UPDATE vehicles w SET ") < 0;
    for (size_t i = 0; i < NVCOLS; i++)
        bad |= cv_buf_printf(&b, "%s = COALESCE(w.%s, l.%s), ", vcols[i].name, vcols[i].name,
                             vcols[i].name) < 0;
    bad |= cv_buf_puts(&b,
                       "description = CASE WHEN l.description IS NOT NULL AND (w.description IS NULL"
                       " OR (w.description_source = 'generated' AND l.description_source IS DISTINCT"
                       " FROM 'generated')) THEN l.description ELSE w.description END,"
                       " description_source = CASE WHEN l.description IS NOT NULL AND"
                       " (w.description IS NULL OR (w.description_source = 'generated' AND"
                       " l.description_source IS DISTINCT FROM 'generated')) THEN l.description_source"
                       " ELSE w.description_source END,"
                       " bat_auction_url = COALESCE(w.bat_auction_url, l.bat_auction_url),"
                       " quality_score = COALESCE(w.quality_score, l.quality_score),"
                       " origin_metadata = l.origin_metadata || w.origin_metadata,"
                       " updated_at = now()"
                       " FROM vehicles l WHERE w.id = $1::uuid AND l.id = $2::uuid") < 0;
    if (bad) {
        cv_buf_free(&b);
        return NULL;
    }
    return cv_buf_take(&b);
}

static char *build_biz_insert(void)
{
    struct cv_buf b;
    int bad = 0;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    bad |= cv_buf_puts(&b, "INSERT INTO businesses (") < 0;
    for (size_t i = 0; i < NBCOLS; i++)
        bad |= cv_buf_printf(&b, "%s, ", bcols[i].col) < 0;
    bad |= cv_buf_puts(&b, "metadata) VALUES (") < 0;
    for (size_t i = 0; i < NBCOLS; i++)
        bad |= cv_buf_printf(&b, "$%zu, ", i + 1) < 0;
    bad |= cv_buf_printf(&b, "COALESCE($%zu::jsonb, '{}')", NBCOLS + 1) < 0;
    /* a concurrent writer's row: nothing returned, the batch runs again */
    bad |= cv_buf_puts(&b, ") ON CONFLICT DO NOTHING RETURNING id") < 0;
    if (bad) {
        cv_buf_free(&b);
        return NULL;
    }
    return cv_buf_take(&b);
}

static char *build_biz_update(void)
{
    struct cv_buf b, old, new;
    char *out = NULL;
    int bad = 0;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    cv_buf_init(&old, CV_BUF_UNLIMITED);
    cv_buf_init(&new, CV_BUF_UNLIMITED);
    /* $1 the id, $2.. the columns, then the metadata object and whether
     * the record comes from the business's own site */
    bad |= cv_buf_puts(&b, "UPDATE businesses b SET ") < 0;
    for (size_t i = 0; i < NBCOLS; i++) {
        char expr[200];
        if (bcols[i].site)
            snprintf(expr, sizeof(expr), "CASE WHEN $%zu::boolean AND $%zu::text IS NOT NULL THEN $%zu"
                     " ELSE COALESCE(b.%s, $%zu) END", NBCOLS + 3, i + 2, i + 2, bcols[i].col,
                     i + 2);
        else
            snprintf(expr, sizeof(expr), "COALESCE(b.%s, $%zu)", bcols[i].col, i + 2);
        bad |= cv_buf_printf(&b, "%s = %s, ", bcols[i].col, expr) < 0;
        bad |= cv_buf_printf(&old, "b.%s, ", bcols[i].col) < 0;
        bad |= cv_buf_printf(&new, "%s, ", expr) < 0;
    }
    bad |= cv_buf_printf(&b, "metadata = b.metadata || COALESCE($%zu::jsonb, '{}'), "
                         "updated_at = now() WHERE b.id = $1::uuid AND (%sb.metadata) IS DISTINCT "
                         "FROM (%sb.metadata || COALESCE($%zu::jsonb, '{}'))", NBCOLS + 2,
                         cv_buf_str(&old), cv_buf_str(&new), NBCOLS + 2) < 0;
    if (!bad)
        out = cv_buf_take(&b);
    cv_buf_free(&b);
    cv_buf_free(&old);
    cv_buf_free(&new);
    return out;
}

static int build_sql(struct cv_store *s)
{
    for (int i = 0; i < N_STMT; i++) {
        switch (i) {
        case S_VEHICLE_REFRESH: s->sql[i] = build_refresh(); break;
        case S_M_FILL: s->sql[i] = build_fill(); break;
        case S_BIZ_INSERT: s->sql[i] = build_biz_insert(); break;
        case S_BIZ_UPDATE: s->sql[i] = build_biz_update(); break;
        default: s->sql[i] = cv_strdup(fixed_sql[i]); break;
        }
        if (!s->sql[i])
            return -1;
    }
    return 0;
}

static void stmt_name(int i, char out[24])
{
    snprintf(out, 24, "cv_store_%d", i);
}

/* Prepare every statement on this connection unless that was done: a
 * new backend (after a reconnect) has none. */
static int prepare(struct batch *b, PGconn *c)
{
    struct cv_store *s = b->s;
    PGresult *r;

    if (s->prepared_pid && s->prepared_pid == PQbackendPID(c))
        return 0;
    r = PQexec(c, "DEALLOCATE ALL");
    PQclear(r);
    for (int i = 0; i < N_STMT; i++) {
        char name[24];
        int ok;
        stmt_name(i, name);
        r = PQprepare(c, name, s->sql[i], 0, NULL);
        ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok) {
            b->err = cv_db_retryable(c, r) ? E_RETRY : E_FATAL;
            snprintf(b->msg, sizeof(b->msg), "cannot prepare statement %d: %.*s", i,
                     (int)strcspn(r ? PQresultErrorMessage(r) : PQerrorMessage(c), "\n"),
                     r ? PQresultErrorMessage(r) : PQerrorMessage(c));
            PQclear(r);
            return -1;
        }
        PQclear(r);
    }
    s->prepared_pid = PQbackendPID(c);
    return 0;
}

/* Run a prepared statement.  The result, or NULL with b->err and b->msg
 * set. */
static PGresult *q(struct batch *b, PGconn *c, int stmt, int n, const char *const *values)
{
    char name[24];
    PGresult *r;
    ExecStatusType st;
    const char *state, *msg;

    stmt_name(stmt, name);
    r = PQexecPrepared(c, name, n, values, NULL, NULL, 0);
    st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* the server's sentence without its "ERROR:  " */
    msg = r && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
        ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
        : r ? PQresultErrorMessage(r) : PQerrorMessage(c);
    snprintf(b->msg, sizeof(b->msg), "%.*s", (int)strcspn(msg, "\n"), msg);
    if (cv_db_retryable(c, r)) {
        b->err = E_RETRY;
    } else if (state && !strcmp(state, "26000")) {
        /* the prepared statements are gone (a pooler gave us another
         * session): prepare again and re-run */
        b->s->prepared_pid = 0;
        b->err = E_RETRY;
    } else if (state && !strcmp(state, "23505")) {
        b->err = E_CONFLICT;
    } else if (state && (!strncmp(state, "22", 2) || !strncmp(state, "23", 2) ||
                         !strncmp(state, "54", 2))) {
        /* data exceptions, constraints, a value too long for an index */
        b->err = E_DATA;
    } else {
        b->err = E_FATAL;
    }
    PQclear(r);
    return NULL;
}

/* Run a statement for its row count; -1 on failure. */
static long q_count(struct batch *b, PGconn *c, int stmt, int n, const char *const *values)
{
    PGresult *r = q(b, c, stmt, n, values);
    long k;

    if (!r)
        return -1;
    k = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return k;
}

/* --------------------------------------------------------------- linking */

/* The business `org`'s relation to vehicle `vid`, from its most current
 * listing of the car.  1 when something changed, 0 when not, -1. */
static int link_org(struct batch *b, PGconn *c, const char *org, const char *vid)
{
    const char *v[8];
    PGresult *r = NULL, *u = NULL;
    const char *status, *ask, *sale, *date, *btype;
    int sold, changed = 0, rc = -1;

    v[0] = vid;
    v[1] = org;
    r = q(b, c, S_LINK_PRIMARY, 2, v);
    if (!r)
        goto out;
    if (!PQntuples(r)) {
        rc = 0;
        goto out;
    }
    status = cell(r, 0, 0);
    ask = cell(r, 0, 1);
    sale = cell(r, 0, 2);
    date = cell(r, 0, 3);
    btype = cell(r, 0, 4);
    sold = status && !strcmp(status, "sold");

    v[0] = org;
    v[1] = vid;
    v[2] = sold ? "sold_by" : "consigner";
    v[3] = sold ? "sold"
         : !status || !strcmp(status, "for_sale") || !strcmp(status, "live") ? "active" : "inactive";
    v[4] = status;
    v[5] = ask;
    v[6] = sale;
    v[7] = date;
    u = q(b, c, S_OV_UPSERT, 8, v);
    if (!u)
        goto out;
    if (PQntuples(u)) {
        changed = 1;
        if (!strcmp(PQgetvalue(u, 0, 0), "t"))
            b->st.links++;
    }
    PQclear(u);
    u = NULL;
    if (sold) {
        long k;
        v[2] = sale;
        v[3] = date;
        if ((k = q_count(b, c, S_OV_CONSIGNER_SOLD, 4, v)) < 0)
            goto out;
        changed |= k > 0;
    }
    if (!btype || strcmp(btype, "auction_house")) {
        v[2] = sold ? "sold"
             : status && (!strcmp(status, "withdrawn") || !strcmp(status, "off_market")) ? "removed"
             : "in_stock";
        v[3] = ask;
        v[4] = sale;
        v[5] = date;
        u = q(b, c, S_DI_UPSERT, 6, v);
        if (!u)
            goto out;
        changed |= !strcmp(PQgetvalue(u, 0, 0), "t") || !strcmp(PQgetvalue(u, 0, 1), "t");
    }
    rc = changed;
out:
    PQclear(u);
    PQclear(r);
    return rc;
}

/* -------------------------------------------------------------- vehicles */

/* Merge vehicle `loser` into `survivor` (same VIN).  0 or -1. */
static int merge(struct batch *b, PGconn *c, const char *survivor, const char *loser)
{
    static const int steps[] = {S_M_LISTINGS, S_M_HISTORY, S_M_IMAGES, S_M_OV,
                                S_M_DI,       S_M_QUEUE,   S_M_FILL};
    const char *v[2] = {survivor, loser};

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (q_count(b, c, steps[i], 2, v) < 0)
            return -1;
    if (q_count(b, c, S_VEHICLE_DELETE, 1, &loser) < 0)
        return -1;
    b->st.vehicles_merged++;
    return 0;
}

static int store_vehicle(struct batch *b, PGconn *c, struct item *it)
{
    const char *url = jstr(it->rec, "url"), *source = jstr(it->rec, "source");
    const char *v[8];
    char lid[40] = "", vid[40] = "", wid[40] = "", org[ORGS_MAX][40];
    char *old[5] = {NULL, NULL, NULL, NULL, NULL}, *car_vin = NULL;
    const char *upgrade = "false", *set_vin = NULL;
    int have_listing = 0, car_valid = 0, created = 0, changed = 0, price_changed = 0, rc = -1;
    PGresult *r = NULL;
    long k;

    /* 1. the listing, and its car */
    v[0] = it->key;
    if (!(r = q(b, c, S_LISTING_GET, 1, v)))
        goto out;
    if (PQntuples(r)) {
        have_listing = 1;
        copy_id(lid, sizeof(lid), cell(r, 0, 0));
        copy_id(vid, sizeof(vid), cell(r, 0, 1));
        for (int i = 0; i < 5; i++)
            if (cell(r, 0, 2 + i) && !(old[i] = cv_strdup(cell(r, 0, 2 + i))))
                goto oom;
        if (cell(r, 0, 7) && !(car_vin = cv_strdup(cell(r, 0, 7))))
            goto oom;
        car_valid = !strcmp(PQgetvalue(r, 0, 8), "t");
    }
    PQclear(r);
    r = NULL;

    /* 2. the VIN */
    if (it->vin) {
        v[0] = it->vin;
        if (!(r = q(b, c, S_VEHICLE_BY_VIN, 1, v)))
            goto out;
        if (PQntuples(r))
            copy_id(wid, sizeof(wid), cell(r, 0, 0));
        PQclear(r);
        r = NULL;
        if (!have_listing) {
            if (*wid)
                memcpy(vid, wid, sizeof(vid));
        } else if (car_valid) {
            if (!same(car_vin, it->vin))
                cv_log(&b->s->rt->log, CV_LOG_INFO, "%s now shows VIN %s; its car keeps VIN %s",
                       url, it->vin, car_vin);
        } else if (*wid) {
            cv_log(&b->s->rt->log, CV_LOG_INFO, "%s shows VIN %s, which a car stored from another "
                   "listing has: one car now", url, it->vin);
            if (merge(b, c, wid, vid) < 0)
                goto out;
            memcpy(vid, wid, sizeof(vid));
            changed = 1;
        } else {
            upgrade = "true";
            set_vin = it->vin;
        }
    }

    /* 3. a car stored by another writer for this page, else a new car */
    if (!*vid) {
        v[0] = url;
        v[1] = it->vin;
        if (!(r = q(b, c, S_VEHICLE_BY_PAGE, 2, v)))
            goto out;
        if (PQntuples(r)) {
            copy_id(vid, sizeof(vid), cell(r, 0, 0));
            cv_log(&b->s->rt->log, CV_LOG_INFO, "%s: the car stored before for this page "
                   "(without a listing) is this one", url);
            if (it->vin) {   /* no other car has it (step 2): this car's now */
                upgrade = "true";
                set_vin = it->vin;
            }
        }
        PQclear(r);
        r = NULL;
    }
    if (!*vid) {
        v[0] = url;
        v[1] = it->vin;
        v[2] = it->vin ? "true" : "false";
        if (!(r = q(b, c, S_VEHICLE_INSERT, 3, v)))
            goto out;
        if (PQntuples(r)) {
            copy_id(vid, sizeof(vid), cell(r, 0, 0));
            created = 1;
        } else {
            /* another writer's car for this URL or VIN (stored while we
             * looked, or without a listing): this listing is that car's */
            PQclear(r);
            v[1] = it->vin;
            if (!(r = q(b, c, S_VEHICLE_FIND, 2, v)))
                goto out;
            if (!PQntuples(r)) {
                b->err = E_CONFLICT;
                snprintf(b->msg, sizeof(b->msg), "another writer stored this car at the same time");
                goto out;
            }
            copy_id(vid, sizeof(vid), cell(r, 0, 0));
        }
        PQclear(r);
        r = NULL;
        changed = 1;
    }

    /* 4. the organisations, those that are known businesses */
    for (size_t i = 0; i < it->norgs; i++) {
        org[i][0] = '\0';
        v[0] = it->org_kind[i];
        v[1] = it->org_val[i];
        if (!(r = q(b, c, S_ORG_RESOLVE, 2, v)))
            goto out;
        if (PQntuples(r))
            copy_id(org[i], sizeof(org[i]), cell(r, 0, 0));
        PQclear(r);
        r = NULL;
    }

    /* 5. the listing */
    if (have_listing) {
        v[0] = lid;
        v[1] = vid;
        v[2] = url;
        v[3] = source;
        v[4] = it->norgs ? it->org_ref[0] : NULL;
        v[5] = it->json;
        v[6] = it->norgs && *org[0] ? org[0] : NULL;
        if (!(r = q(b, c, S_LISTING_UPDATE, 7, v)))
            goto out;
        if (!strcmp(PQgetvalue(r, 0, 0), "t"))
            changed = 1;
        for (int i = 0; i < 5; i++)
            if (!same(old[i], cell(r, 0, 1 + i)))
                price_changed = 1;
    } else {
        v[0] = vid;
        v[1] = url;
        v[2] = it->key;
        v[3] = source;
        v[4] = it->norgs && *org[0] ? org[0] : NULL;
        v[5] = it->norgs ? it->org_ref[0] : NULL;
        v[6] = it->json;
        if (!(r = q(b, c, S_LISTING_INSERT, 7, v)))
            goto out;
        if (!PQntuples(r)) {
            b->err = E_CONFLICT;
            snprintf(b->msg, sizeof(b->msg), "another writer stored this listing at the same time");
            goto out;
        }
        copy_id(lid, sizeof(lid), cell(r, 0, 0));
        b->st.listings_created++;
        changed = 1;
    }
    PQclear(r);
    r = NULL;
    for (size_t i = 0; i < it->norgs; i++) {
        v[0] = lid;
        v[1] = it->org_ref[i];
        v[2] = *org[i] ? org[i] : NULL;
        if ((k = q_count(b, c, S_LISTING_ORG_UPSERT, 3, v)) < 0)
            goto out;
        changed |= k > 0;
    }

    /* 6. price history: first sight, or a change */
    if (!have_listing || price_changed) {
        v[0] = lid;
        if (q_count(b, c, S_PRICE_HISTORY, 1, v) < 0)
            goto out;
        if (have_listing)
            b->st.price_changes++;
        changed = 1;
    }

    /* 7. the car's columns, from all its listings */
    v[0] = vid;
    v[1] = upgrade;
    v[2] = set_vin;
    if ((k = q_count(b, c, S_VEHICLE_REFRESH, 3, v)) < 0)
        goto out;
    if (created)
        b->st.vehicles_created++;
    else if (k > 0)
        b->st.vehicles_updated++;
    changed |= k > 0;

    /* 8. images */
    if (it->images) {
        v[0] = vid;
        v[1] = it->images;
        v[2] = source;
        if ((k = q_count(b, c, S_IMAGES_APPEND, 3, v)) < 0)
            goto out;
        b->st.images_added += (unsigned long)k;
        changed |= k > 0;
    }

    /* 9. the relation to the car of every business the listing names */
    v[0] = lid;
    if (!(r = q(b, c, S_LISTING_ORGS, 1, v)))
        goto out;
    for (int i = 0; i < PQntuples(r); i++) {
        int l = link_org(b, c, PQgetvalue(r, i, 0), vid);
        if (l < 0)
            goto out;
        changed |= l;
    }
    PQclear(r);
    r = NULL;
    if (!changed)
        b->st.unchanged++;
    rc = 0;
    goto out;
oom:
    b->err = E_FATAL;
    snprintf(b->msg, sizeof(b->msg), "out of memory");
out:
    PQclear(r);
    for (int i = 0; i < 5; i++)
        cv_free(old[i]);
    cv_free(car_vin);
    return rc;
}

static int store_image(struct batch *b, PGconn *c, struct item *it)
{
    const char *v[4];
    char vid[40] = "";
    PGresult *r;

    v[0] = it->key;
    if (!(r = q(b, c, S_LISTING_VEHICLE, 1, v)))
        return -1;
    if (PQntuples(r))
        copy_id(vid, sizeof(vid), cell(r, 0, 0));
    PQclear(r);
    if (!*vid) {
        cv_log(&b->s->rt->log, CV_LOG_WARN, "image %s: its vehicle %s is not stored; image "
               "not stored", jstr(it->rec, "url"), jstr(it->rec, "vehicle_url"));
        it->skip = 1;
        return 0;
    }
    v[0] = vid;
    v[1] = jstr(it->rec, "url");
    v[2] = jstr(it->rec, "source");
    v[3] = jstr(it->rec, "caption");
    if (!(r = q(b, c, S_IMAGE_ONE, 4, v)))
        return -1;
    if (PQntuples(r) && !strcmp(PQgetvalue(r, 0, 0), "t"))
        b->st.images_added++;
    else if (!PQntuples(r))
        b->st.unchanged++;
    PQclear(r);
    return 0;
}

/* ------------------------------------------------------------ businesses */

struct orphan {
    char lid[40], vid[40];
    char *ref;
};

/* Link the listings that named this business before it was stored. */
static int adopt_orphans(struct batch *b, PGconn *c, struct item *it, int *changed)
{
    const char *v[4];
    struct orphan *o = NULL;
    int n = 0, rc = -1;
    PGresult *r;

    for (int i = 0; i < 4; i++)
        v[i] = it->refs[i];
    if (!(r = q(b, c, S_ORPHANS, 4, v)))
        return -1;
    n = PQntuples(r);
    if (n && !(o = cv_calloc((size_t)n, sizeof(*o)))) {
        PQclear(r);
        b->err = E_FATAL;
        snprintf(b->msg, sizeof(b->msg), "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        copy_id(o[i].lid, sizeof(o[i].lid), cell(r, i, 0));
        copy_id(o[i].vid, sizeof(o[i].vid), cell(r, i, 1));
        o[i].ref = cv_strdup(cell(r, i, 2));
    }
    PQclear(r);
    for (int i = 0; i < n; i++) {
        char org[40] = "", *colon = o[i].ref ? strchr(o[i].ref, ':') : NULL;
        if (!colon) {
            b->err = E_FATAL;
            snprintf(b->msg, sizeof(b->msg), "out of memory");
            goto out;
        }
        *colon = '\0';
        v[0] = o[i].ref;
        v[1] = colon + 1;
        if (!(r = q(b, c, S_ORG_RESOLVE, 2, v)))
            goto out;
        if (PQntuples(r))
            copy_id(org, sizeof(org), cell(r, 0, 0));
        PQclear(r);
        if (!*org)
            continue;
        *colon = ':';
        v[0] = o[i].lid;
        v[1] = org;
        v[2] = o[i].ref;
        if (q_count(b, c, S_LISTING_SET_ORG, 3, v) < 0 || link_org(b, c, org, o[i].vid) < 0)
            goto out;
        *changed = 1;
    }
    rc = 0;
out:
    for (int i = 0; i < n; i++)
        cv_free(o[i].ref);
    cv_free(o);
    return rc;
}

static int store_business(struct batch *b, PGconn *c, struct item *it)
{
    const char *v[NBCOLS + 3];
    char id[40] = "";
    PGresult *r;
    long k;
    int changed = 0;

    v[0] = it->lock;
    if (q_count(b, c, S_BIZ_LOCK, 1, v) < 0)
        return -1;
    v[0] = jstr(it->rec, "geographic_key");
    v[1] = jstr(it->rec, "website");
    v[2] = jstr(it->rec, "bat_username");
    v[3] = it->classic_path;
    if (!(r = q(b, c, S_BIZ_FIND, 4, v)))
        return -1;
    if (PQntuples(r))
        copy_id(id, sizeof(id), cell(r, 0, 0));
    PQclear(r);
    for (size_t i = 0; i < NBCOLS; i++)
        v[i + 1] = jstr(it->rec, bcols[i].field);
    v[NBCOLS + 1] = it->meta;
    v[NBCOLS + 2] = it->own_site ? "true" : "false";
    if (*id) {
        v[0] = id;
        if ((k = q_count(b, c, S_BIZ_UPDATE, (int)NBCOLS + 3, v)) < 0)
            return -1;
        if (k > 0) {
            b->st.businesses_updated++;
            changed = 1;
        }
    } else {
        if (!(r = q(b, c, S_BIZ_INSERT, (int)NBCOLS + 1, v + 1)))
            return -1;
        k = PQntuples(r);
        PQclear(r);
        if (!k) {
            b->err = E_CONFLICT;
            snprintf(b->msg, sizeof(b->msg), "another business has one of its keys");
            return -1;
        }
        b->st.businesses_created++;
        changed = 1;
    }
    if (adopt_orphans(b, c, it, &changed) < 0)
        return -1;
    if (!changed)
        b->st.unchanged++;
    return 0;
}

/* ---------------------------------------------------------------- batches */

static const char *what(const struct item *it)
{
    const char *s = it->type == CV_RECORD_BUSINESS ? jstr(it->rec, "name") : jstr(it->rec, "url");

    return s ? s : "?";
}

/* The transaction body: write every record of the batch.  Runs again from
 * the start after a retryable failure, so it keeps nothing but the
 * per-record rejection marks between runs. */
static int batch_body(PGconn *c, void *ctx, char *errbuf, size_t errlen)
{
    struct batch *b = ctx;
    struct cv_store *s = b->s;

    memset(&b->st, 0, sizeof(b->st));
    b->err = E_NONE;
    if (prepare(b, c) < 0) {
        snprintf(errbuf, errlen, "%s", b->msg);
        return b->err == E_RETRY ? CV_DB_RETRY : CV_DB_FAIL;
    }
    for (size_t i = 0; i < s->n; i++) {
        struct item *it = &s->items[i];
        int rc;

        if (it->skip)
            continue;
        b->err = E_NONE;
        rc = it->type == CV_RECORD_VEHICLE ? store_vehicle(b, c, it)
           : it->type == CV_RECORD_BUSINESS ? store_business(b, c, it)
           : store_image(b, c, it);
        if (rc == 0)
            continue;
        snprintf(errbuf, errlen, "%s %s: %s", cv_record_type_name(it->type), what(it), b->msg);
        switch (b->err) {
        case E_RETRY:
            return CV_DB_RETRY;
        case E_CONFLICT:
            /* the same violation again and again is no race: the data */
            if (++it->conflicts < CONFLICT_TRIES)
                return CV_DB_RETRY;
            /* fall through */
        case E_DATA:
            cv_log(&s->rt->log, CV_LOG_WARN, "cannot store the %s record %s: %s; skipped",
                   cv_record_type_name(it->type), what(it), b->msg);
            it->skip = 1;
            return CV_DB_RETRY;
        default:
            return CV_DB_FAIL;
        }
    }
    return CV_DB_OK;
}

static void add_stats(struct cv_store_stats *to, const struct cv_store_stats *from)
{
    to->vehicles_created += from->vehicles_created;
    to->vehicles_updated += from->vehicles_updated;
    to->vehicles_merged += from->vehicles_merged;
    to->listings_created += from->listings_created;
    to->businesses_created += from->businesses_created;
    to->businesses_updated += from->businesses_updated;
    to->price_changes += from->price_changes;
    to->images_added += from->images_added;
    to->links += from->links;
    to->unchanged += from->unchanged;
    to->rejected += from->rejected;
}

static void drop_items(struct cv_store *s)
{
    for (size_t i = 0; i < s->n; i++)
        item_clear(&s->items[i]);
    s->n = 0;
}

int cv_store_flush(struct cv_store *s, char *errbuf, size_t errlen)
{
    struct batch b;
    int rc;

    if (s->failed) {
        drop_items(s);
        snprintf(errbuf, errlen, "the database is unreachable");
        return -1;
    }
    if (!s->n)
        return 0;
    memset(&b, 0, sizeof(b));
    b.s = s;
    rc = cv_db_transaction(&s->db, batch_body, &b, s->wait_ms, errbuf, errlen);
    if (rc == CV_DB_OK) {
        for (size_t i = 0; i < s->n; i++)
            b.st.rejected += (unsigned long)s->items[i].skip;
        add_stats(&s->st, &b.st);
        cv_log(&s->rt->log, CV_LOG_DEBUG, "stored a batch of %zu record%s", s->n,
               s->n == 1 ? "" : "s");
    } else {
        /* What was not written is written by the next run. */
        s->failed = 1;
    }
    drop_items(s);
    return rc == CV_DB_OK ? 0 : -1;
}

/* --------------------------------------------------------------- intake */

/* A vehicle's images as a JSON array, without URLs too long to store. */
static char *images_json(struct cv_store *s, json_t *images)
{
    json_t *keep = json_array(), *v;
    char *out = NULL;
    size_t i;

    if (!keep)
        return NULL;
    json_array_foreach(images, i, v) {
        const char *u = json_string_value(v);
        if (!u)
            continue;
        if (strlen(u) > IMAGE_URL_MAX) {
            cv_log(&s->rt->log, CV_LOG_WARN, "image URL of %zu bytes (over %d) not stored: %.80s...",
                   strlen(u), IMAGE_URL_MAX, u);
            continue;
        }
        if (json_array_append(keep, v) < 0)
            goto out;
    }
    out = json_dumps(keep, JSON_COMPACT);
out:
    json_decref(keep);
    return out;
}

/* A vehicle's `organization`: one key, or a list of keys (a seller account
 * shared by several businesses).  Unusable keys are ignored; more than
 * ORGS_MAX are logged and dropped.  0, or -1 out of memory. */
static int take_orgs(struct cv_store *s, struct item *it, json_t *org)
{
    size_t n = json_is_array(org) ? json_array_size(org) : org ? 1 : 0;

    for (size_t i = 0; i < n; i++) {
        const char *key = json_string_value(json_is_array(org) ? json_array_get(org, i) : org);
        size_t j = it->norgs;
        int k;

        if (!key || !*key)
            continue;
        if (j == ORGS_MAX) {
            cv_log(&s->rt->log, CV_LOG_WARN, "%s names more than %d organisations; the "
                   "rest are ignored", jstr(it->rec, "url"), ORGS_MAX);
            break;
        }
        k = org_key(key, &it->org_kind[j], &it->org_val[j]);
        if (k < 0)
            return -1;
        if (k > 0)
            continue;
        it->norgs++;
        if (!(it->org_ref[j] = ref_of(it->org_kind[j], it->org_val[j])))
            return -1;
    }
    return 0;
}

/* A business record's fields that have no column go to businesses.metadata
 * under the source's name (the source's latest word on them), and whether
 * it was read on the business's own website.  0, or -1 out of memory. */
static int take_meta(struct item *it)
{
    const char *key, *website = jstr(it->rec, "website"), *page = jstr(it->rec, "source_url");
    json_t *val, *extra = NULL, *meta = NULL;
    char *origin = page ? cv_url_origin(page) : NULL;
    int rc = -1;

    it->own_site = website && origin && !strcmp(website, origin);
    json_object_foreach(it->rec, key, val) {
        int has_col = !strcmp(key, "type");
        for (size_t i = 0; i < NBCOLS && !has_col; i++)
            has_col = !strcmp(key, bcols[i].field);
        if (has_col)
            continue;
        if ((!extra && !(extra = json_object())) || json_object_set(extra, key, val) < 0)
            goto out;
    }
    if (extra) {
        if (!(meta = json_object()) || json_object_set(meta, jstr(it->rec, "source"), extra) < 0 ||
            !(it->meta = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS)))
            goto out;
    }
    rc = 0;
out:
    json_decref(extra);
    json_decref(meta);
    cv_free(origin);
    return rc;
}

/* Check a record and work out its keys.  0 when kept, 1 when rejected
 * (logged), -1 out of memory. */
static int take(struct cv_store *s, json_t *rec)
{
    struct item it;
    const char *type = jstr(rec, "type"), *why = NULL;
    int rc = -1;

    memset(&it, 0, sizeof(it));
    it.type = cv_record_type_from_name(type);
    it.rec = json_incref(rec);
    if (it.type == CV_RECORD_VEHICLE) {
        const char *url = jstr(rec, "url"), *vin = jstr(rec, "vin");
        json_t *images = json_object_get(rec, "images");
        char *origin = url ? cv_url_origin(url) : NULL;
        enum cv_vin_kind kind;

        cv_free(origin);
        if (!url || !origin || !jstr(rec, "source")) {
            why = "it has no http(s) url";
            goto reject;
        }
        if (!(it.key = cv_url_key(url)) || !(it.json = json_dumps(rec, JSON_COMPACT)))
            goto out;
        kind = vin ? cv_vin_kind(vin) : CV_VIN_NONE;
        if (kind == CV_VIN_VALID || kind == CV_VIN_17) {
            char *p = cv_squash(vin);
            if (!p)
                goto out;
            for (char *q = p; *q; q++)
                if (*q >= 'a' && *q <= 'z')
                    *q = (char)(*q - 'a' + 'A');
            it.vin = p;
        }
        if (json_is_array(images) && json_array_size(images) && !(it.images = images_json(s, images)))
            goto out;
        if (take_orgs(s, &it, json_object_get(rec, "organization")) < 0)
            goto out;
    } else if (it.type == CV_RECORD_BUSINESS) {
        const char *geo = jstr(rec, "geographic_key"), *web = jstr(rec, "website");
        const char *bat = jstr(rec, "bat_username"), *cls = jstr(rec, "classic_com_profile");
        size_t n = 0;

        if (!jstr(rec, "name") || !jstr(rec, "source")) {
            why = "it has no name";
            goto reject;
        }
        /* a profile URL that is not Classic.com's is no key (NULL) */
        if (cls)
            it.classic_path = classic_path(cls);
        if (geo && !(it.refs[n++] = ref_of("geo", geo)))
            goto out;
        if (web && !(it.refs[n++] = ref_of("web", web)))
            goto out;
        if (bat) {
            char *u = decode_lower(bat, strlen(bat));
            it.refs[n] = u ? ref_of("bat", u) : NULL;
            cv_free(u);
            if (!it.refs[n++])
                goto out;
        }
        if (it.classic_path && !(it.refs[n++] = ref_of("classic", it.classic_path)))
            goto out;
        if (!n) {
            why = "it has no geographic_key, website, bat_username or Classic.com profile to "
                  "know it by";
            goto reject;
        }
        if (!(it.lock = concat("carvest:business:", it.refs[0])) || take_meta(&it) < 0)
            goto out;
    } else if (it.type == CV_RECORD_IMAGE) {
        const char *url = jstr(rec, "url"), *vurl = jstr(rec, "vehicle_url");
        if (!url || !vurl) {
            why = "it has no url or vehicle_url";
            goto reject;
        }
        if (!(it.key = cv_url_key(vurl)))
            goto out;
    } else {
        why = "its type is unknown";
        goto reject;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct item *items = cv_realloc(s->items, cap * sizeof(*items));
        if (!items)
            goto out;
        s->items = items;
        s->cap = cap;
    }
    if (!s->n)
        s->first_ms = cv_now_ms();
    s->items[s->n++] = it;
    return 0;
reject:
    cv_log(&s->rt->log, CV_LOG_WARN, "cannot store a %s record (%s): %s",
           type ? type : "typeless", jstr(rec, "url") ? jstr(rec, "url")
           : jstr(rec, "name") ? jstr(rec, "name") : "?", why);
    s->st.rejected++;
    rc = 1;
out:
    item_clear(&it);
    return rc;
}

int cv_store_records(struct cv_store *s, json_t *records, char *errbuf, size_t errlen)
{
    size_t i;
    json_t *rec;

    if (s->failed) {
        snprintf(errbuf, errlen, "the database is unreachable");
        return -1;
    }
    json_array_foreach(records, i, rec) {
        s->st.records++;
        if (take(s, rec) < 0) {
            snprintf(errbuf, errlen, "out of memory");
            return -1;
        }
        if (s->n >= BATCH_MAX && cv_store_flush(s, errbuf, errlen) < 0)
            return -1;
    }
    if (s->n && cv_now_ms() - s->first_ms >= BATCH_AGE_MS)
        return cv_store_flush(s, errbuf, errlen);
    return 0;
}

/* -------------------------------------------------------------- run log */

/*
 * Runs of this machine still marked "running" whose process no longer
 * exists were killed or lost their database: close them as interrupted,
 * so status never shows a run that will not end.  Runs of other machines
 * cannot be checked from here and are left alone.  Best effort: a
 * failure only leaves them as they were.
 */
static void close_dead_runs(struct cv_store *s, const char *host)
{
    const char *params[2] = {host, NULL};
    PGresult *r;

    if (!s->db.conn || PQstatus(s->db.conn) != CONNECTION_OK)
        return;
    r = PQexecParams(s->db.conn, "SELECT id, worker FROM crawl_runs WHERE status = 'running'"
                     " AND worker LIKE $1 || ':%'", 1, NULL, params, NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        const char *colon = strrchr(PQgetvalue(r, i, 1), ':');
        long pid = colon ? strtol(colon + 1, NULL, 10) : 0;
        PGresult *u;
        if (pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;   /* alive, or not ours to judge */
        params[0] = PQgetvalue(r, i, 0);
        u = PQexecParams(s->db.conn, "UPDATE crawl_runs SET status = 'interrupted', finished_at ="
                         " now(), error = 'the process ended without finishing the run'"
                         " WHERE id = $1 AND status = 'running'", 1, NULL, params, NULL, NULL, 0);
        PQclear(u);
    }
    PQclear(r);
}

int cv_store_run_start(struct cv_store *s, const char *command, const char *source, json_t *args)
{
    char *a = args ? json_dumps(args, JSON_COMPACT) : NULL, host[256], worker[300], err[512];
    const char *v[4];
    PGresult *r;
    int rc;

    if (s->failed) {
        free(a);
        return -1;
    }
    cv_db_worker(host, sizeof(host), worker, sizeof(worker));
    close_dead_runs(s, host);
    v[0] = command;
    v[1] = source;
    v[2] = a;
    v[3] = worker;
    rc = cv_db_query(&s->db, s->wait_ms, "INSERT INTO crawl_runs (command, source, args, worker)"
                     " VALUES ($1, $2, COALESCE($3::jsonb, '{}'), $4) RETURNING id", 4, v, &r,
                     err, sizeof(err));
    free(a);
    if (rc < 0) {
        cv_log(&s->rt->log, CV_LOG_ERROR, "the run log (crawl_runs): %s", err);
        s->failed = 1;
        return -1;
    }
    copy_id(s->run_id, sizeof(s->run_id), PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return 0;
}

json_t *cv_store_stats_json(const struct cv_store_stats *st)
{
    return json_pack("{sIsIsIsIsIsIsIsIsIsIsIsI}", "records", (json_int_t)st->records,
                     "vehicles_created", (json_int_t)st->vehicles_created,
                     "vehicles_updated", (json_int_t)st->vehicles_updated,
                     "vehicles_merged", (json_int_t)st->vehicles_merged,
                     "listings_created", (json_int_t)st->listings_created,
                     "businesses_created", (json_int_t)st->businesses_created,
                     "businesses_updated", (json_int_t)st->businesses_updated,
                     "price_changes", (json_int_t)st->price_changes,
                     "images_added", (json_int_t)st->images_added, "links", (json_int_t)st->links,
                     "unchanged", (json_int_t)st->unchanged, "rejected", (json_int_t)st->rejected);
}

int cv_store_run_finish(struct cv_store *s, const char *status, unsigned long pages,
                        unsigned long records, unsigned long failed, const char *error)
{
    char p[24], r[24], f[24], err[512];
    json_t *j = cv_store_stats_json(&s->st);
    char *stats = j ? json_dumps(j, JSON_COMPACT) : NULL;
    const char *v[7] = {s->run_id, status, p, r, f, error, stats};
    int rc = -1;

    json_decref(j);
    if (!*s->run_id)
        goto out;
    snprintf(p, sizeof(p), "%lu", pages);
    snprintf(r, sizeof(r), "%lu", records);
    snprintf(f, sizeof(f), "%lu", failed);
    /* After giving up once, one short try: the run should say how it
     * ended, but the database has had its chance. */
    if (cv_db_query(&s->db, s->failed ? 2000 : s->wait_ms,
                    "UPDATE crawl_runs SET status = $2, pages = $3::integer,"
                    " records = $4::integer, failed = $5::integer, error = $6,"
                    " stats = COALESCE($7::jsonb, '{}'), finished_at = now()"
                    " WHERE id = $1::bigint", 7, v, NULL, err, sizeof(err)) < 0) {
        cv_log(&s->rt->log, CV_LOG_ERROR, "cannot record how the run ended: %s", err);
        goto out;
    }
    rc = 0;
out:
    free(stats);
    return rc;
}

/* ------------------------------------------------------------ open, close */

struct cv_store *cv_store_open(struct cv_runtime *rt, int *unreachable, char *errbuf, size_t errlen)
{
    struct cv_store *s = cv_calloc(1, sizeof(*s));
    char msg[512];
    int applied = 0;

    *unreachable = 0;
    if (!s || build_sql(s) < 0) {
        snprintf(errbuf, errlen, "out of memory");
        goto fail;
    }
    s->rt = rt;
    s->wait_ms = cv_db_wait_ms();
    if (cv_db_open(rt, &s->db, errbuf, errlen) < 0) {
        *unreachable = 1;
        goto fail;
    }
    s->connected = 1;
    if (cv_migrate(s->db.conn, &applied, msg, sizeof(msg)) < 0) {
        /* unreachable only when the connection went while migrating */
        *unreachable = PQstatus(s->db.conn) != CONNECTION_OK;
        snprintf(errbuf, errlen, "cannot bring the schema of the database %s up to date: %s",
                 s->db.shown, msg);
        goto fail;
    }
    if (applied)
        cv_log(&rt->log, CV_LOG_INFO, "applied %d schema migration%s to the database %s", applied,
               applied == 1 ? "" : "s", s->db.shown);
    return s;
fail:
    cv_store_close(s);
    return NULL;
}

void cv_store_close(struct cv_store *s)
{
    char err[512];

    if (!s)
        return;
    if (s->connected && s->n && !s->failed && cv_store_flush(s, err, sizeof(err)) < 0)
        cv_log(&s->rt->log, CV_LOG_ERROR, "%s", err);
    drop_items(s);
    cv_free(s->items);
    if (s->connected)
        cv_db_close(&s->db);
    for (int i = 0; i < N_STMT; i++)
        cv_free(s->sql[i]);
    cv_free(s);
}

int cv_store_unreachable(const struct cv_store *s)
{
    return s && s->failed && (!s->db.conn || PQstatus(s->db.conn) != CONNECTION_OK);
}

void cv_store_stats_text(const struct cv_store_stats *st, char *out, size_t n)
{
    snprintf(out, n, "stored: %lu vehicle%s new, %lu updated, %lu merged, %lu listing%s new, "
             "%lu business%s new, %lu updated, %lu price change%s, %lu image%s new, %lu "
             "organisation link%s new, %lu record%s unchanged, %lu rejected",
             st->vehicles_created, st->vehicles_created == 1 ? "" : "s", st->vehicles_updated,
             st->vehicles_merged, st->listings_created, st->listings_created == 1 ? "" : "s",
             st->businesses_created, st->businesses_created == 1 ? "" : "es",
             st->businesses_updated, st->price_changes, st->price_changes == 1 ? "" : "s",
             st->images_added, st->images_added == 1 ? "" : "s", st->links,
             st->links == 1 ? "" : "s", st->unchanged, st->unchanged == 1 ? "" : "s",
             st->rejected);
}

const char *cv_store_run_id(const struct cv_store *s)
{
    return *s->run_id ? s->run_id : NULL;
}

const struct cv_store_stats *cv_store_stats(const struct cv_store *s)
{
    return &s->st;
}
