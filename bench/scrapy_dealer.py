"""scrapy_dealer.py -- the Scrapy peer of carvest's dealeraccelerate rule.

Crawls the same synthetic DealerAccelerate site from its homepage and
extracts the same vehicle fields from the same markup (tiles and pager on
list pages; JSON-LD, title, price, spec list, gallery and description on
vehicle pages), so both tools do the same work.  Run by crawl_bench.py:

  scrapy runspider scrapy_dealer.py -a start=http://127.0.0.1:PORT/HOST/ -O items.jsonl
"""
import json
import re

import scrapy

VDP = re.compile(r"/vehicles/\d+[\w-]*/\d{4}-[\w-]+$")


class DealerSpider(scrapy.Spider):
    name = "dealer"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOAD_DELAY": 0,
        "COOKIES_ENABLED": False,
    }

    def __init__(self, start=None, **kw):
        super().__init__(**kw)
        self.start_urls = [start]

    def parse(self, response):
        if VDP.search(response.url):
            yield self.vehicle(response)
            return
        for href in response.css("a.inventory-item::attr(href)").getall():
            yield response.follow(href, self.parse)
        for href in response.css("ul.pagination a::attr(href)").getall():
            yield response.follow(re.sub(r"[?&]page=1$", "", href), self.parse)
        for href in response.css("nav a::attr(href)").getall():
            if href.rstrip("/").endswith("/vehicles"):
                yield response.follow(href, self.parse)

    def vehicle(self, response):
        ld = {}
        for block in response.css('script[type="application/ld+json"]::text').getall():
            try:
                data = json.loads(block)
            except ValueError:
                continue
            if data.get("@type") in ("Vehicle", "Car"):
                ld = data
        specs = {}
        for li in response.css("ul.specs li"):
            label = " ".join(li.css(".label ::text").getall()).strip().lower()
            specs[label] = " ".join(li.css(".value ::text").getall()).strip()
        price = response.css(".vdp-price::text").get(default="")
        digits = re.sub(r"[^\d]", "", price)
        offers = ld.get("offers") or {}
        sold = "sold" in (response.css(".vdp-price::attr(class)").get() or "").split() or \
            str(offers.get("availability", "")).endswith("SoldOut")
        miles = re.match(r"([\d,]+)\s*(\w+)", specs.get("mileage", ""))
        return {
            "type": "vehicle",
            "url": response.css('link[rel="canonical"]::attr(href)').get() or response.url,
            "title": " ".join(response.css("h1.vdp-title ::text").getall()).strip(),
            "year": ld.get("vehicleModelDate"),
            "make": ld.get("manufacturer"),
            "model": ld.get("model"),
            "vin": ld.get("vehicleIdentificationNumber") or specs.get("vin"),
            "listing_status": "sold" if sold else "for_sale",
            "asking_price": int(digits) if digits else None,
            "currency": offers.get("priceCurrency"),
            "mileage": int(miles.group(1).replace(",", "")) if miles else None,
            "mileage_unit": ("km" if miles and miles.group(2).lower().startswith("k") else "mi") if miles else None,
            "stock_number": specs.get("stock #"),
            "location": specs.get("location"),
            "engine": specs.get("engine"),
            "transmission": specs.get("transmission"),
            "exterior_color": specs.get("exterior"),
            "interior_color": specs.get("interior"),
            "images": [response.urljoin(h) for h in
                       response.css(".vdp-gallery a.gallery-link::attr(href)").getall()],
            "description": "\n\n".join(" ".join(p.css("::text").getall()).strip()
                                       for p in response.css("div.description p")),
        }
