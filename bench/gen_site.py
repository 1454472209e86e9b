#!/usr/bin/env python3
"""gen_site.py -- a synthetic DealerAccelerate dealer site for benchmarks.

Writes ROOT/<host>/ in the fixture layout (tests/fixtures/README in spirit:
index.html for folders, index.html@page=N for ?page=N): a homepage, a
paginated inventory of N vehicles (40 tiles a page, desktop and mobile
grids, the real pager shape) and one vehicle page per car with JSON-LD,
a spec list, a 20-photo gallery and related-vehicle tiles.  Pages follow
the structure of the streetside theme in tests/fixtures/sites.

usage: gen_site.py ROOT HOST N
"""
import json
import os
import random
import sys

MAKES = [("Porsche", ["911", "928", "356", "Boxster"]), ("Chevrolet", ["Corvette", "K5 Blazer", "Chevelle"]),
         ("Ford", ["Mustang", "Bronco", "F-100"]), ("Mercedes-Benz", ["280SL", "190SL", "SL500"]),
         ("Land Rover", ["Series IIA", "Defender 110"]), ("Dodge", ["Power Wagon", "Challenger"])]
TRIMS = ["Coupe", "Convertible", "Roadster", "S4", "GT", "Sport", "Silverado", "Targa"]
COLOURS = ["Burgundy", "Silver Metallic", "Black", "Olympic White", "Copper Brown", "Midnight Blue"]
PER_PAGE = 40


def car(i, rng):
    make, models = MAKES[i % len(MAKES)]
    model = models[(i // len(MAKES)) % len(models)]
    year = 1955 + (i * 7) % 60
    trim = TRIMS[i % len(TRIMS)]
    slug = f"{year}-{make}-{model}".lower().replace(" ", "-")
    return {
        "id": 10000 + i, "branch": ["san", "den", "dfw"][i % 3], "year": year, "make": make,
        "model": model, "trim": trim, "slug": slug, "price": 20000 + rng.randrange(0, 200000, 5),
        "miles": rng.randrange(100, 150000), "km": i % 5 == 0, "sold": i % 13 == 0,
        "vin": f"WP0AA29{i:010d}"[:17], "ext": COLOURS[i % len(COLOURS)], "int": "Black Leather",
    }


def tile(c):
    price = "SOLD" if c["sold"] and c["id"] % 2 else f"${c['price']:,}"
    sold = " sold" if c["sold"] else ""
    unit = "km" if c["km"] else "Miles"
    return (f'<a class="inventory-item" href="/vehicles/{c["id"]}-{c["branch"]}/{c["slug"]}" itemscope '
            f'itemtype="https://schema.org/Car"><img src="https://cdn.dealeraccelerate.com/bench/1/{c["id"]}/'
            f'0/790x1024/{c["slug"]}" alt=""><div class="inventory-name"><span itemprop="productionDate">'
            f'{c["year"]}</span> <span itemprop="manufacturer">{c["make"]}</span> <span itemprop="model">'
            f'{c["model"]}</span></div><div class="inventory-price{sold}">{price}</div>'
            f'<div class="inventory-miles">{c["miles"]:,} {unit}</div></a>')


def shell(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title} | Bench Motorcars</title>\n<link rel=\"icon\" href=\"/favicon.ico\">\n"
            "<meta property=\"og:site_name\" content=\"Bench Motorcars\">\n</head>\n<body>\n"
            "<header class=\"site-header\"><a class=\"logo\" href=\"/\"><img src=\"https://cdn."
            "dealeraccelerate.com/bench/logo.png\" alt=\"Bench Motorcars\"></a><nav class=\"main-nav\">"
            "<a href=\"/\">Home</a> <a href=\"/vehicles\">Current Inventory</a> <a href=\"/about/\">About"
            f"</a></nav></header>\n<main>{body}</main>\n<footer class=\"site-footer\"><div class=\"address\">"
            "1 Bench Way, Albuquerque, NM 87102</div><div class=\"platform\">Powered by SpeedDigital"
            "</div></footer>\n</body>\n</html>\n")


def vdp(c, related, host):
    unit, code = ("km", "KMT") if c["km"] else ("Miles", "SMI")
    title = f'{c["year"]} {c["make"]} {c["model"]} {c["trim"]}'
    url = f'https://{host}/vehicles/{c["id"]}-{c["branch"]}/{c["slug"]}'
    ld = {"@context": "https://schema.org", "@type": "Vehicle", "name": title, "url": url,
          "brand": {"@type": "Brand", "name": c["make"]}, "manufacturer": c["make"], "model": c["model"],
          "vehicleModelDate": c["year"], "color": c["ext"], "vehicleInteriorColor": c["int"],
          "vehicleIdentificationNumber": c["vin"],
          "mileageFromOdometer": {"@type": "QuantitativeValue", "value": c["miles"], "unitCode": code},
          "offers": {"@type": "Offer", "priceCurrency": "USD", "price": c["price"],
                     "availability": "https://schema.org/" + ("SoldOut" if c["sold"] else "InStock")}}
    gallery = "".join(
        f'<a class="gallery-link" href="https://cdn.dealeraccelerate.com/bench/1/{c["id"]}/{k}/1920x1440/'
        f'{c["slug"]}"><img src="https://cdn.dealeraccelerate.com/bench/1/{c["id"]}/{k}/790x1024/'
        f'{c["slug"]}" alt=""></a>' for k in range(20))
    specs = "".join(f'<li><span class="label">{k}</span> <span class="value">{v}</span></li>' for k, v in [
        ("Stock #", f'{c["id"]}-{c["branch"].upper()}'), ("Location", "San Antonio, TX"),
        ("Mileage", f'{c["miles"]:,} {unit}'), ("VIN", c["vin"]), ("Engine", "4.7L V8"),
        ("Transmission", "4-Speed Automatic"), ("Exterior", c["ext"]), ("Interior", c["int"])])
    price_class = " sold" if c["sold"] else ""
    body = (f'<div class="vdp"><h1 class="vdp-title">{title}</h1><div class="vdp-price{price_class}">'
            f'${c["price"]:,}</div><div class="vdp-gallery">{gallery}</div><ul class="specs">{specs}</ul>'
            f'<div class="description"><p>This {title} is finished in {c["ext"]}.</p><p>It comes with '
            f'records and a tool kit.</p></div><div class="related-vehicles"><h3>You may also like</h3>'
            f'<div class="inventory-grid">{"".join(tile(r) for r in related)}</div></div></div>')
    head_ld = f'<script type="application/ld+json">{json.dumps(ld, indent=1)}</script>'
    return shell(title, body).replace("</head>", f'<link rel="canonical" href="{url}">\n{head_ld}\n</head>')


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    root, host, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(42)
    cars = [car(i, rng) for i in range(n)]
    base = os.path.join(root, host)
    write(os.path.join(base, "robots.txt"), "User-agent: *\nDisallow: /*?\nAllow: /*?page=\n")
    write(os.path.join(base, "index.html"), shell("Home", "<h1>Bench Motorcars</h1>"))
    pages = (n + PER_PAGE - 1) // PER_PAGE
    for p in range(1, pages + 1):
        chunk = cars[(p - 1) * PER_PAGE:p * PER_PAGE]
        grid = "".join(tile(c) for c in chunk)
        active = ' class="active"'
        links = [f'<li{active if q == p else ""}><a href="/vehicles?page={q}">{q}</a></li>'
                 for q in range(max(1, p - 2), min(pages, p + 2) + 1)]
        if p < pages:
            links.append(f'<li><a href="/vehicles?page={pages}">{pages}</a></li>'
                         f'<li><a href="/vehicles?page={p + 1}" rel="next">&rsaquo;</a></li>')
        body = (f'<div class="inventory-grid hidden-xs">{grid}</div><div class="inventory-grid-mobile '
                f'visible-xs">{grid}</div><ul class="pagination">{"".join(links)}</ul>')
        name = "index.html" if p == 1 else f"index.html@page={p}"
        write(os.path.join(base, "vehicles", name), shell("Current Inventory", body))
    for i, c in enumerate(cars):
        related = [cars[(i + k) % n] for k in (1, 2, 3, 4)]
        write(os.path.join(base, "vehicles", f'{c["id"]}-{c["branch"]}', c["slug"], "index.html"),
              vdp(c, related, host))


if __name__ == "__main__":
    main()
