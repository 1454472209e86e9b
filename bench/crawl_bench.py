#!/usr/bin/env python3
"""crawl_bench.py -- carvest against Scrapy, crawling the same site.

Generates a synthetic DealerAccelerate site (gen_site.py), serves it with
nginx on 127.0.0.1 at the root of its own origin (so root-relative links
resolve for Scrapy too; carvest maps the real origin onto it with
--map-origin),
then crawls it alternately with carvest (the dealeraccelerate Lua rule)
and with Scrapy (scrapy_dealer.py, the same fields from the same markup)
at the same concurrency, no delay, robots.txt obeyed by both.  Reports
wall time, CPU time (user+sys of the crawler process) and peak memory per
tool, the medians over the runs, and carvest/Scrapy ratios measured in
this same run.  Both must find every vehicle, or the run is void.

usage: crawl_bench.py --carvest PATH [--vehicles 2000] [--runs 3] [--concurrency 8]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
HOST = "bench.example"

NGINX_CONF = """
daemon off; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/nginx.err;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on; tcp_nodelay on; keepalive_requests 100000;
  types {{ text/html html; text/plain txt; }} default_type text/html;
  client_body_temp_path {tmp}/b; proxy_temp_path {tmp}/p; fastcgi_temp_path {tmp}/f;
  uwsgi_temp_path {tmp}/u; scgi_temp_path {tmp}/s;
  server {{
    listen 127.0.0.1:{port}; root {root}/{host};
    location / {{ try_files $uri/index.html@$args $uri/index.html $uri =404; }}
  }}
}}
"""


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(root, tmp):
    port = free_port()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        sys.exit("bench: nginx not found (apt-get install nginx): the server must never be the bottleneck")
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, port=port, root=root, host=HOST))
    # own process group, no inherited output: workers must not outlive us
    proc = subprocess.Popen([nginx, "-c", conf], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    kind = "nginx"
    for _ in range(100):
        try:
            import urllib.request
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1).read()
            return proc, port, kind
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("bench: the server did not start")


def measure(cmd, out_path):
    """Run cmd; wall time, and its own CPU time and peak memory (wait4)."""
    t0 = time.monotonic()
    with open(out_path, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path) as f:
        vehicles = sum(1 for line in f if '"vehicle"' in line)
    return {"rc": proc.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
            "rss_mb": ru.ru_maxrss / 1024, "vehicles": vehicles}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--carvest", required=True)
    ap.add_argument("--vehicles", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    a = ap.parse_args()
    scrapy = shutil.which("scrapy") or "/usr/bin/scrapy"
    if not os.path.exists(scrapy):
        sys.exit("bench: Scrapy not found (apt-get install python3-scrapy)")

    tmp = tempfile.mkdtemp(prefix="carvest-bench.")
    os.chmod(tmp, 0o755)   # nginx workers run as an unprivileged user
    proc = None
    try:
        root = os.path.join(tmp, "sites")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_site.py"), root, HOST, str(a.vehicles)],
                       check=True)
        proc, port, kind = start_server(root, tmp)
        base = f"http://127.0.0.1:{port}/"
        tools = {
            "carvest": [a.carvest, "-q", "--map-origin", f"https://{HOST}=http://127.0.0.1:{port}",
                        "--delay-ms", "0", "--concurrency", str(a.concurrency),
                        # Scrapy stores nothing either: compare crawling, not a database
                        "--dry-run", "crawl", "dealeraccelerate", f"https://{HOST}/"],
            "scrapy": [scrapy, "runspider", os.path.join(HERE, "scrapy_dealer.py"), "-a", f"start={base}",
                       "-s", f"CONCURRENT_REQUESTS={a.concurrency}",
                       "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={a.concurrency}", "-O", "-:jsonlines"],
        }
        results = {name: [] for name in tools}
        for run in range(a.runs):
            order = list(tools) if run % 2 == 0 else list(reversed(tools))
            for name in order:
                r = measure(tools[name], os.path.join(tmp, f"{name}.{run}.jsonl"))
                if r["rc"] != 0 or r["vehicles"] != a.vehicles:
                    sys.exit(f"bench: {name} run {run} found {r['vehicles']} of {a.vehicles} "
                             f"vehicles (exit {r['rc']}): the comparison would be void")
                results[name].append(r)
        pages = a.vehicles + (a.vehicles + 39) // 40 + 1
        print(f"site: {a.vehicles} vehicles, {pages} pages, served by {kind}")
        print(f"crawl: concurrency {a.concurrency}, no delay, robots.txt obeyed, {a.runs} runs each, "
              "medians\n")
        print(f"{'tool':10} {'wall s':>8} {'pages/s':>9} {'CPU s':>8} {'CPU ms/page':>12} {'peak MB':>8}")
        med = {}
        for name, rs in results.items():
            wall = statistics.median(r["wall"] for r in rs)
            cpu = statistics.median(r["cpu"] for r in rs)
            rss = max(r["rss_mb"] for r in rs)
            med[name] = (wall, cpu)
            print(f"{name:10} {wall:8.2f} {pages / wall:9.0f} {cpu:8.2f} {1000 * cpu / pages:12.2f} {rss:8.0f}")
        print(f"\ncarvest/scrapy: wall {med['carvest'][0] / med['scrapy'][0]:.2f}x, "
              f"CPU {med['carvest'][1] / med['scrapy'][1]:.2f}x  (below 1 = carvest is cheaper)")
    finally:
        if proc:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
