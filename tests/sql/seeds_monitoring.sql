-- seeds_monitoring.sql -- the monitoring SQL of the original system's runbooks,
-- copied verbatim (only these comments added): carvest's schema keeps the
-- original tables and columns so that these queries run unchanged
-- (DESIGN.md section 5).  tests/t_migrate.sh runs this file with
-- psql -v ON_ERROR_STOP=1 against a freshly migrated database.

-- From seeds/000 (Bulk Inventory Extraction), "Monitoring":

-- Check queue status:
SELECT 
  status,
  COUNT(*) as count
FROM organization_inventory_sync_queue
GROUP BY status;

-- View pending items:
SELECT 
  b.business_name,
  b.website,
  q.status,
  q.attempts,
  q.next_run_at
FROM organization_inventory_sync_queue q
JOIN businesses b ON b.id = q.organization_id
WHERE q.status IN ('pending', 'processing')
ORDER BY q.next_run_at NULLS FIRST
LIMIT 20;

-- From seeds/004 (Micro-Scrape Bandaid), "Monitoring":

-- Check Vehicles Needing Improvement
SELECT * FROM vehicles_needing_micro_scrape LIMIT 20;

-- View Recent Runs
SELECT 
  started_at,
  vehicles_analyzed,
  vehicles_improved,
  vehicles_marked_complete,
  actions_executed,
  actions_succeeded,
  runtime_ms
FROM micro_scrape_runs
ORDER BY started_at DESC
LIMIT 10;

-- Success Rate (Last 7 Days)
SELECT 
  DATE(started_at) as date,
  COUNT(*) as runs,
  SUM(vehicles_improved) as improved,
  SUM(vehicles_marked_complete) as completed,
  ROUND(100.0 * SUM(actions_succeeded) / NULLIF(SUM(actions_executed), 0), 1) as success_rate
FROM micro_scrape_runs
WHERE status = 'completed'
  AND started_at >= NOW() - INTERVAL '7 days'
GROUP BY DATE(started_at)
ORDER BY date DESC;
