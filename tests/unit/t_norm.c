/*
 * t_norm.c -- unit tests for the normalisers (core/norm.c): prices,
 * mileages, titles, VINs, dates, countries, regions and places, fed the
 * strings real BaT, Classic.com and dealer pages print, and hostile ones.
 */
#include "norm.h"
#include "../tap.h"

#include <limits.h>
#include <string.h>

/* 1 when s is well-formed UTF-8 (no cut sequence at the end). */
static int utf8_ok(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    while (*u) {
        int n = *u < 0x80 ? 1 : (*u & 0xE0) == 0xC0 ? 2 : (*u & 0xF0) == 0xE0 ? 3 :
                (*u & 0xF8) == 0xF0 ? 4 : 0;
        int i;

        if (!n)
            return 0;
        for (i = 1; i < n; i++)
            if ((u[i] & 0xC0) != 0x80)
                return 0;
        u += n;
    }
    return 1;
}

/* ------------------------------------------------------------------------ */

static void price_is(const char *text, int ret, long long amount, const char *currency)
{
    struct cv_price p;
    int r = cv_parse_price(text, &p);

    is_int(r, ret, "price \"%s\" returns %d", text, ret);
    is_int(p.amount, amount, "price \"%s\" amount %lld", text, amount);
    is_str(p.currency, currency, "price \"%s\" currency \"%s\"", text, currency);
}

static void price_orig_is(const char *text, long long amount, const char *currency,
                          long long orig, const char *orig_currency)
{
    struct cv_price p;
    int r = cv_parse_price(text, &p);

    is_int(r, 1, "price \"%s\" is read", text);
    is_int(p.amount, amount, "price \"%s\" amount %lld", text, amount);
    is_str(p.currency, currency, "price \"%s\" currency %s", text, currency);
    is_int(p.original_amount, orig, "price \"%s\" original amount %lld", text, orig);
    is_str(p.original_currency, orig_currency, "price \"%s\" original currency %s",
           text, orig_currency);
}

static void test_price(void)
{
    struct cv_price p;
    char big[4096];

    /* BaT result lines and dealer tiles */
    price_is("USD $123,456", 1, 123456, "USD");
    price_is("$79,995", 1, 79995, "USD");
    price_is("$79,995.00", 1, 79995, "USD");
    price_is("$79,995.50", 1, 79996, "USD");        /* rounded to whole units */
    price_is("$1,540,000", 1, 1540000, "USD");
    price_is("Current Bid: USD $70,500", 1, 70500, "USD");
    price_is("Sold for USD $19,250 on 11/10/25", 1, 19250, "USD");
    price_is("Bid to USD $61,000 on 4/1/24", 1, 61000, "USD");
    price_is("Bid to USD $61,000", 1, 61000, "USD");
    price_is("Last Asking $21,995", 1, 21995, "USD");
    price_is("  $62,995  ", 1, 62995, "USD");
    price_is("Price: $45,000", 1, 45000, "USD");
    price_is("USD 45,000", 1, 45000, "USD");
    price_is("45,000 USD", 1, 45000, "USD");
    price_is("US$ 45,000", 1, 45000, "USD");
    price_is("43000", 1, 43000, "");
    price_is("43,000", 1, 43000, "");
    price_is("Lot #83 Sold for $50,000", 1, 50000, "USD");
    price_is("11/10/25: Sold for $19,250", 1, 19250, "USD");
    price_is("Ends at 4:15 PM: $45,000", 1, 45000, "USD");
    price_is("Price:45000", 1, 45000, "");
    price_is("USD:45,000", 1, 45000, "USD");
    price_is("2 owners, $45,000", 1, 45000, "USD");

    /* European and other currencies, all the separator habits */
    price_is("\xE2\x82\xAC" "1,383,342", 1, 1383342, "EUR");
    price_is("\xE2\x82\xAC" "1.383.342", 1, 1383342, "EUR");
    price_is("1.383.342 \xE2\x82\xAC", 1, 1383342, "EUR");
    price_is("45.000 EUR", 1, 45000, "EUR");
    price_is("45.000,00 \xE2\x82\xAC", 1, 45000, "EUR");
    price_is("1.234.567,89 EUR", 1, 1234568, "EUR");
    price_is("1 383 342 \xE2\x82\xAC", 1, 1383342, "EUR");
    price_is("1\xC2\xA0" "383\xC2\xA0" "342\xC2\xA0\xE2\x82\xAC", 1, 1383342, "EUR");
    price_is("1\xE2\x80\xAF" "383\xE2\x80\xAF" "342 \xE2\x82\xAC", 1, 1383342, "EUR");
    price_is("45000 Euro", 1, 45000, "EUR");
    price_is("CHF 120'000", 1, 120000, "CHF");
    price_is("CHF 120\xE2\x80\x99" "000", 1, 120000, "CHF");
    price_is("\xC2\xA3" "72,830", 1, 72830, "GBP");
    price_is("\xC2\xA5" "12,000,000", 1, 12000000, "JPY");
    price_is("C$45,000", 1, 45000, "CAD");
    price_is("CA$45,000", 1, 45000, "CAD");
    price_is("CAD $45,000", 1, 45000, "CAD");
    price_is("A$88,000", 1, 88000, "AUD");
    price_is("AU$88,000", 1, 88000, "AUD");
    price_is("NZ$65,500", 1, 65500, "NZD");
    price_is("HK$1,200,000", 1, 1200000, "HKD");
    price_is("SEK 450 000", 1, 450000, "SEK");
    price_is("1,5 EUR", 1, 2, "EUR");               /* a rare decimal comma: no crash, rounded */

    /* shorthand */
    price_is("$45k", 1, 45000, "USD");
    price_is("$45K", 1, 45000, "USD");
    price_is("$1.2M", 1, 1200000, "USD");
    price_is("$1.250M", 1, 1250000, "USD");
    price_is("$1.2 million", 1, 1200000, "USD");
    price_is("$3 Million", 1, 3000000, "USD");
    price_is("\xE2\x82\xAC" "2.5m", 1, 2500000, "EUR");
    /* a letter after a space is a word, not a multiplier */
    price_is("$19,250 M/T", 1, 19250, "USD");
    price_is("$45,000 Mercedes", 1, 45000, "USD");

    /* a USD figure beside a local one */
    price_orig_is("\xC2\xA3" "45,000 ($57,150)", 57150, "USD", 45000, "GBP");
    price_orig_is("\xC2\xA3" "1,179,070 ($1,540,000)", 1540000, "USD", 1179070, "GBP");
    price_orig_is("\xC2\xA3" "102,360 ($130,000)", 130000, "USD", 102360, "GBP");
    price_orig_is("\xE2\x82\xAC" "1.383.342 (USD $1,500,000)", 1500000, "USD", 1383342, "EUR");
    price_orig_is("$57,150 (\xC2\xA3" "45,000)", 57150, "USD", 45000, "GBP");
    price_orig_is("$65,000", 65000, "USD", 0, "");
    price_orig_is("\xC2\xA3" "72,830", 72830, "GBP", 0, "");
    price_orig_is("$45,000 - $50,000", 45000, "USD", 0, "");

    /* no price shown */
    price_is("Call for Price", 0, 0, "");
    price_is("Price: Inquire", 0, 0, "");
    price_is("SOLD", 0, 0, "");
    price_is("Sold", 0, 0, "");
    price_is("Inquire", 0, 0, "");
    price_is("Contact us", 0, 0, "");
    price_is("", 0, 0, "");
    price_is("   ", 0, 0, "");
    price_is("-", 0, 0, "");
    price_is("\xE2\x80\x94", 0, 0, "");             /* em dash */
    price_is("N/A", 0, 0, "");
    price_is("Price Undisclosed", 0, 0, "");
    price_is("Price on Request", 0, 0, "");
    price_is("POA", 0, 0, "");
    price_is("Withdrawn", 0, 0, "");
    price_is("$0", 0, 0, "");
    price_is("Call 555-0134 for price", 0, 0, "");
    price_is("$", 0, 0, "");

    /* unreadable */
    price_is("abc", -1, 0, "");
    price_is("Porsche", -1, 0, "");
    price_is("USD", -1, 0, "");

    /* never overflow */
    price_is("$1,000,000,000,000", 1, 1000000000000LL, "USD");
    price_is("$1,000,000,000,001", -1, 0, "");
    price_is("$99,999,999,999,999,999,999,999", -1, 0, "");
    price_is("$999999999999999999999999999999", -1, 0, "");
    price_is("$9000000M", -1, 0, "");
    price_is("$9.99 billion", 1, 9990000000LL, "USD");
    memset(big, '9', sizeof big - 1);
    big[0] = '$';
    big[sizeof big - 1] = '\0';
    is_int(cv_parse_price(big, &p), -1, "price: 4095 nines is unreadable, not a wrap-around");
    is_int(cv_parse_price(NULL, &p), 0, "price: NULL text shows no price");
    is_int(p.amount, 0, "price: NULL text leaves amount 0");
    p.amount = 77;
    strcpy(p.currency, "XXX");
    cv_parse_price("Call for Price", &p);
    ok(p.amount == 0 && p.currency[0] == '\0', "price: output is reset when no price is shown");
    ok(cv_parse_price("\xFF\xFE\xFD", &p) != 1, "price: invalid UTF-8 is not a price");
}

/* ------------------------------------------------------------------------ */

static void mileage_is(const char *text, int ret, long long value, const char *unit, int tmu)
{
    struct cv_mileage m;
    int r = cv_parse_mileage(text, &m);

    is_int(r, ret, "mileage \"%s\" returns %d", text, ret);
    is_int(m.value, value, "mileage \"%s\" value %lld", text, value);
    is_str(m.unit, unit, "mileage \"%s\" unit \"%s\"", text, unit);
    is_int(m.tmu, tmu, "mileage \"%s\" tmu %d", text, tmu);
}

static void test_mileage(void)
{
    struct cv_mileage m;

    mileage_is("45k Miles Shown", 1, 45000, "mi", 0);
    mileage_is("7k Miles Shown, TMU", 1, 7000, "mi", 1);
    mileage_is("65k Miles Shown, TMU", 1, 65000, "mi", 1);
    mileage_is("243k Kilometers (~151k Miles) Shown", 1, 243000, "km", 0);
    mileage_is("98k Kilometers (~61k Miles) Shown, TMU", 1, 98000, "km", 1);
    mileage_is("19k Kilometers (~12k Miles) Shown", 1, 19000, "km", 0);
    mileage_is("45,210 Miles", 1, 45210, "mi", 0);
    mileage_is("45,300 Miles", 1, 45300, "mi", 0);
    mileage_is("45,215 mi", 1, 45215, "mi", 0);
    mileage_is("51,115 km", 1, 51115, "km", 0);
    mileage_is("12,345 mi", 1, 12345, "mi", 0);
    mileage_is("180,000 Kilometers", 1, 180000, "km", 0);
    mileage_is("287,803 km", 1, 287803, "km", 0);
    mileage_is("15 Miles on Replacement Odometer", 1, 15, "mi", 0);
    mileage_is("1.2k miles", 1, 1200, "mi", 0);
    mileage_is("946 Miles Shown", 1, 946, "mi", 0);
    mileage_is("852 Miles Shown, TMU", 1, 852, "mi", 1);
    mileage_is("12345", 1, 12345, "mi", 0);
    mileage_is("Mileage: 12,345", 1, 12345, "mi", 0);
    mileage_is("690 km", 1, 690, "km", 0);
    mileage_is("1,429 miles", 1, 1429, "mi", 0);
    mileage_is("12.345 km", 1, 12345, "km", 0);      /* European thousands dot */
    mileage_is("51 115 km", 1, 51115, "km", 0);
    mileage_is("45K", 1, 45000, "mi", 0);
    mileage_is("30,470 KM", 1, 30470, "km", 0);
    mileage_is("Kilometers: 51,115", 1, 51115, "km", 0);
    mileage_is("88,000 kms", 1, 88000, "km", 0);
    mileage_is("51,115 (km)", 1, 51115, "km", 0);
    mileage_is("Odometer (km): 51,115", 1, 51115, "km", 0);
    mileage_is("45km", 1, 45, "km", 0);
    mileage_is("45 k.m.", 1, 45, "km", 0);
    mileage_is("0 Miles", 1, 0, "mi", 0);
    mileage_is("45,000 miles (true mileage unknown)", 1, 45000, "mi", 1);
    mileage_is("TMU", 0, 0, "", 1);
    mileage_is("tmu", 0, 0, "", 1);
    mileage_is("Exempt", 0, 0, "", 0);
    mileage_is("", 0, 0, "", 0);
    mileage_is("Unknown", 0, 0, "", 0);
    mileage_is("99999999999999999999 miles", 0, 0, "", 0);
    is_int(cv_parse_mileage(NULL, &m), 0, "mileage: NULL text reads nothing");
    ok(m.value == 0 && m.unit[0] == '\0' && m.tmu == 0,
       "mileage: NULL text leaves a zeroed result");
}

/* ------------------------------------------------------------------------ */

static void title_is(const char *text, const char *hint, int ret, int year, int no_reserve,
                     const char *make, const char *model, const char *trim)
{
    struct cv_title t;
    int r = cv_parse_title(text, hint, &t);

    is_int(r, ret, "title \"%s\" returns %d", text, ret);
    is_int(t.year, year, "title \"%s\" year %d", text, year);
    is_int(t.no_reserve, no_reserve, "title \"%s\" no_reserve %d", text, no_reserve);
    is_str(t.make, make, "title \"%s\" make \"%s\"", text, make);
    is_str(t.model, model, "title \"%s\"%s%s model \"%s\"", text, hint ? " + hint " : "",
           hint ? hint : "", model);
    is_str(t.trim, trim, "title \"%s\" trim \"%s\"", text, trim);
}

static void test_title(void)
{
    struct cv_title t;
    char buf[2048];
    size_t i;

    title_is("No Reserve: 1967 Porsche 911S Coupe", NULL, 1, 1967, 1, "Porsche", "911S", "Coupe");
    title_is("43k-Mile 1994 Acura NSX 5-Speed", NULL, 1, 1994, 0, "Acura", "NSX", "5-Speed");
    title_is("127,000-Mile 1991 Mazda MX-5 Miata", NULL, 1, 1991, 0, "Mazda", "MX-5", "Miata");
    title_is("11k-Kilometer 1990 Porsche 911 Carrera 4 Coupe", NULL, 1, 1990, 0, "Porsche",
             "911", "Carrera 4 Coupe");
    title_is("Supercharged 355-Powered 1968 GMC C1500 Custom", NULL, 1, 1968, 0, "GMC", "C1500",
             "Custom");
    title_is("25-Years-Owned 1996 Ford F-250 XL", NULL, 1, 1996, 0, "Ford", "F-250", "XL");
    title_is("K20-Powered 1983 Nissan Skyline", NULL, 1, 1983, 0, "Nissan", "Skyline", "");
    title_is("4k-Mile 1969 Mercedes-Benz 280SL Roadster", NULL, 1, 1969, 0, "Mercedes-Benz",
             "280SL", "Roadster");
    title_is("1969 BMW 2002 tii", NULL, 1, 1969, 0, "BMW", "2002", "tii");
    title_is("2002 BMW M3", NULL, 1, 2002, 0, "BMW", "M3", "");
    title_is("2002 BMW Z8 Roadster", NULL, 1, 2002, 0, "BMW", "Z8", "Roadster");
    title_is("1962 Fiat 500 F", NULL, 1, 1962, 0, "Fiat", "500", "F");
    title_is("1970 Datsun 240Z", NULL, 1, 1970, 0, "Datsun", "240Z", "");
    title_is("1987 Mazda RX-7 Turbo II", NULL, 1, 1987, 0, "Mazda", "RX-7", "Turbo II");
    title_is("No Reserve: 1974 GMC Jimmy High Sierra", NULL, 1, 1974, 1, "GMC", "Jimmy",
             "High Sierra");

    /* model hints from BaT's "Model" link (truth.json) */
    title_is("1936 Chevrolet Master Deluxe Town Sedan", "Master Deluxe", 1, 1936, 0,
             "Chevrolet", "Master Deluxe", "Town Sedan");
    title_is("No Reserve: 1994 Ferrari 348 ts", "348 ts", 1, 1994, 1, "Ferrari", "348 ts", "");
    title_is("1968 Land Rover Series IIA 109 Station Wagon", "Series IIA", 1, 1968, 0,
             "Land Rover", "Series IIA", "109 Station Wagon");
    title_is("19k-Kilometer 1964 Porsche 356 C Cabriolet", "356", 1, 1964, 0, "Porsche", "356",
             "C Cabriolet");
    title_is("No Reserve: 1931 Ford Model A Coupe", "Model A", 1, 1931, 1, "Ford", "Model A",
             "Coupe");
    title_is("1965 Rolls-Royce Silver Cloud III", "Silver Cloud", 1, 1965, 0, "Rolls-Royce",
             "Silver Cloud", "III");
    title_is("2007 Land Rover Defender 110 NAS", "Defender 110", 1, 2007, 0, "Land Rover",
             "Defender 110", "NAS");
    title_is("No Reserve: 1989 Chevrolet K5 Blazer Silverado", "K5 Blazer", 1, 1989, 1,
             "Chevrolet", "K5 Blazer", "Silverado");
    title_is("No Reserve: 2000 Maserati 3200 GT Coupe", "3200 GT", 1, 2000, 1, "Maserati",
             "3200 GT", "Coupe");
    title_is("1959 Dodge Power Wagon WM300", "Power Wagon", 1, 1959, 0, "Dodge", "Power Wagon",
             "WM300");
    title_is("1990 Bentley Turbo R", "Turbo R", 1, 1990, 0, "Bentley", "Turbo R", "");
    title_is("1936 Chevrolet master deluxe Town Sedan", "Master Deluxe", 1, 1936, 0,
             "Chevrolet", "master deluxe", "Town Sedan");          /* as written in the title */
    title_is("1936 Chevrolet Master  Deluxe Town Sedan", "Master Deluxe", 1, 1936, 0,
             "Chevrolet", "Master Deluxe", "Town Sedan");
    title_is("1967 Porsche 911S Coupe", "911", 1, 1967, 0, "Porsche", "911S", "Coupe");
    title_is("1931 Ford Model A Coupe", "Ford Model A", 1, 1931, 0, "Ford", "Model A", "Coupe");
    title_is("1967 Porsche 911S Coupe", "", 1, 1967, 0, "Porsche", "911S", "Coupe");
    title_is("1936 Chevrolet Master Deluxe Town Sedan", "  Master Deluxe ", 1, 1936, 0,
             "Chevrolet", "Master Deluxe", "Town Sedan");
    title_is("1936 Chevrolet Master Deluxe, Town Sedan", "Master Deluxe", 1, 1936, 0,
             "Chevrolet", "Master Deluxe", ", Town Sedan");
    title_is("Porsche 356 C Cabriolet", "356", 0, 0, 0, "Porsche", "356", "C Cabriolet");
    title_is("1967 Porsche 911S Coupe", "  ", 1, 1967, 0, "Porsche", "911S", "Coupe");
    title_is("1931 Ford Model A Coupe", "Mustang", 1, 1931, 0, "Ford", "Model", "A Coupe");
    title_is("1965 Austin Mini Cooper S", "Mini Cooper", 1, 1965, 0, "Austin", "Mini Cooper",
             "S");

    /* multi-word, hyphenated and aliased makes */
    title_is("1968 Land Rover Series IIA 88", NULL, 1, 1968, 0, "Land Rover", "Series", "IIA 88");
    title_is("1960 Rolls Royce Silver Cloud I", NULL, 1, 1960, 0, "Rolls-Royce", "Silver",
             "Cloud I");
    title_is("1985 Mercedes Benz 300D Turbodiesel Wagon", NULL, 1, 1985, 0, "Mercedes-Benz",
             "300D", "Turbodiesel Wagon");
    title_is("1985 Mercedes 300D Wagon", NULL, 1, 1985, 0, "Mercedes-Benz", "300D", "Wagon");
    title_is("1967 Alfa Romeo Giulia Sprint GT", NULL, 1, 1967, 0, "Alfa Romeo", "Giulia",
             "Sprint GT");
    title_is("1964 Aston Martin DB5", NULL, 1, 1964, 0, "Aston Martin", "DB5", "");
    title_is("1967 Austin-Healey 3000 Mk III BJ8", NULL, 1, 1967, 0, "Austin-Healey", "3000",
             "Mk III BJ8");
    title_is("1967 Austin Healey 3000", NULL, 1, 1967, 0, "Austin-Healey", "3000", "");
    title_is("1972 De Tomaso Pantera", NULL, 1, 1972, 0, "De Tomaso", "Pantera", "");
    title_is("1992 AM General Hummer", NULL, 1, 1992, 0, "AM General", "Hummer", "");
    title_is("1970 AMC Javelin SST", NULL, 1, 1970, 0, "AMC", "Javelin", "SST");
    title_is("1970 International Harvester Scout 800A", NULL, 1, 1970, 0,
             "International Harvester", "Scout", "800A");
    title_is("1970 International Scout 800A", NULL, 1, 1970, 0, "International Harvester",
             "Scout", "800A");
    title_is("1961 Facel Vega HK500", NULL, 1, 1961, 0, "Facel Vega", "HK500", "");
    title_is("1929 Pierce-Arrow Model 133", NULL, 1, 1929, 0, "Pierce-Arrow", "Model", "133");
    title_is("1948 Willys-Overland Jeepster", NULL, 1, 1948, 0, "Willys", "Jeepster", "");
    title_is("1981 DeLorean DMC-12", NULL, 1, 1981, 0, "DeLorean", "DMC-12", "");
    title_is("2015 McLaren 650S Spider", NULL, 1, 2015, 0, "McLaren", "650S", "Spider");
    title_is("2015 MCLAREN 650S Spider", NULL, 1, 2015, 0, "McLaren", "650S", "Spider");
    title_is("1974 Citroen SM", NULL, 1, 1974, 0, "Citro\xC3\xABn", "SM", "");
    title_is("1974 Citro\xC3\xABn DS23 Pallas", NULL, 1, 1974, 0, "Citro\xC3\xABn", "DS23",
             "Pallas");
    title_is("1967 Skoda Octavia", NULL, 1, 1967, 0, "\xC5\xA0koda", "Octavia", "");
    title_is("1967 VW Beetle", NULL, 1, 1967, 0, "Volkswagen", "Beetle", "");
    title_is("1967 Volkswagen Type 2 Bus", NULL, 1, 1967, 0, "Volkswagen", "Type", "2 Bus");
    title_is("1972 bmw 3.0 CSL", NULL, 1, 1972, 0, "BMW", "3.0", "CSL");
    title_is("1972 mg mgb Roadster", NULL, 1, 1972, 0, "MG", "mgb", "Roadster");
    title_is("1989 TVR S2", NULL, 1, 1989, 0, "TVR", "S2", "");
    title_is("1953 Hudson Hornet", NULL, 1, 1953, 0, "Hudson", "Hornet", "");
    title_is("1963 Studebaker Avanti R2", NULL, 1, 1963, 0, "Studebaker", "Avanti", "R2");
    title_is("1968 Chevy C10", NULL, 1, 1968, 0, "Chevrolet", "C10", "");
    title_is("2019 Mercedes-AMG GT R", NULL, 1, 2019, 0, "Mercedes-AMG", "GT", "R");
    title_is("1958 Zundapp Janus", NULL, 1, 1958, 0, "Zundapp", "Janus", "");

    /* HTML-decoded punctuation and odd spacing */
    title_is("1970 Ford Mustang Boss 302 \xE2\x80\x9CGrabber Blue\xE2\x80\x9D", NULL, 1, 1970,
             0, "Ford", "Mustang", "Boss 302 \xE2\x80\x9CGrabber Blue\xE2\x80\x9D");
    title_is("1964 Austin-Healey 3000 BJ7 & Spares", NULL, 1, 1964, 0, "Austin-Healey", "3000",
             "BJ7 & Spares");
    title_is("Owner\xE2\x80\x99s 1965 Shelby GT350 \xE2\x80\x93 Tribute", NULL, 1, 1965, 0,
             "Shelby", "GT350", "\xE2\x80\x93 Tribute");
    title_is("  1967\xC2\xA0Porsche\xC2\xA0" "911S   Coupe  ", NULL, 1, 1967, 0, "Porsche",
             "911S", "Coupe");
    title_is("1967 Porsche 911S\t\n Coupe", NULL, 1, 1967, 0, "Porsche", "911S", "Coupe");
    title_is("1967 Porsche 911S Cou\xE2\x80\x8Bpe", NULL, 1, 1967, 0, "Porsche", "911S", "Coupe");
    title_is("NO RESERVE: 1967 Porsche 911S", NULL, 1, 1967, 1, "Porsche", "911S", "");
    title_is("No Reserve 1967 Porsche 911S", NULL, 1, 1967, 1, "Porsche", "911S", "");
    title_is("No Reserves Needed 1967 Porsche 911S", NULL, 1, 1967, 0, "Porsche", "911S", "");

    /* years */
    title_is("1885 Benz Patent-Motorwagen Replica", NULL, 1, 1885, 0, "Benz",
             "Patent-Motorwagen", "Replica");
    title_is("1884 Benz Patent-Motorwagen", NULL, 0, 0, 0, "", "", "");
    title_is("2035 Tesla Roadster", NULL, 1, 2035, 0, "Tesla", "Roadster", "");
    title_is("2036 Tesla Roadster", NULL, 0, 0, 0, "", "", "");
    title_is("1,994 Ferrari 348", NULL, 0, 0, 0, "", "", "");
    title_is("(1967) Porsche 911S", NULL, 1, 1967, 0, "Porsche", "911S", "");

    /* no year */
    title_is("Porsche 911 Go-Kart", NULL, 0, 0, 0, "Porsche", "911", "Go-Kart");
    title_is("No Reserve: Porsche 911 Go-Kart", NULL, 0, 0, 1, "Porsche", "911", "Go-Kart");
    title_is("Ferrari-Themed Jukebox", NULL, 0, 0, 0, "", "", "");
    title_is("Neon Dealership Sign", NULL, 0, 0, 0, "", "", "");
    title_is("", NULL, 0, 0, 0, "", "", "");
    title_is("   ", NULL, 0, 0, 0, "", "", "");
    title_is("1967", NULL, 1, 1967, 0, "", "", "");
    is_int(cv_parse_title(NULL, NULL, &t), 0, "title: NULL text finds no year");
    ok(t.year == 0 && t.make[0] == '\0' && t.model[0] == '\0' && t.trim[0] == '\0',
       "title: NULL text leaves a zeroed result");

    /* fields longer than their buffers are cut on a character boundary */
    strcpy(buf, "1967 Porsche ");
    for (i = 0; i < 120; i++)
        strcat(buf, "\xC3\xA9");                   /* 240-byte model word */
    strcat(buf, " ");
    for (i = 0; i < 150; i++)
        strcat(buf, "\xE2\x82\xAC");                /* 450-byte trim */
    is_int(cv_parse_title(buf, NULL, &t), 1, "title: overlong title still has its year");
    is_str(t.make, "Porsche", "title: overlong title keeps its make");
    ok(strlen(t.model) < sizeof t.model && strlen(t.model) >= sizeof t.model - 2,
       "title: overlong model fills its buffer (%zu bytes)", strlen(t.model));
    ok(utf8_ok(t.model), "title: overlong model is cut on a UTF-8 boundary");
    ok(strlen(t.trim) < sizeof t.trim && strlen(t.trim) >= sizeof t.trim - 3,
       "title: overlong trim fills its buffer (%zu bytes)", strlen(t.trim));
    ok(utf8_ok(t.trim), "title: overlong trim is cut on a UTF-8 boundary");
    strcpy(buf, "1967 ");
    for (i = 0; i < 100; i++)
        strcat(buf, "X");
    strcat(buf, " 911");
    cv_parse_title(buf, NULL, &t);
    is_int((long long)strlen(t.make), (long long)sizeof t.make - 1,
           "title: overlong unknown make is cut to its buffer");
    is_str(t.model, "911", "title: model after an overlong make is still read");
    memset(buf, 'a', sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    memcpy(buf + 1000, " 1999 Ford GT ", 14);
    is_int(cv_parse_title(buf, NULL, &t), 1, "title: a year deep in 2 KB of junk is found");
    is_str(t.make, "Ford", "title: make after 1 KB of junk");
    is_str(t.model, "GT", "title: model after 1 KB of junk");
    ok(strlen(t.trim) < sizeof t.trim && utf8_ok(t.trim), "title: 1 KB trim is cut to fit");
    cv_parse_title("1967 Porsche 911 \xC3", NULL, &t);
    is_str(t.model, "911", "title: a cut UTF-8 sequence at the end does not disturb the model");

    /* canonical makes */
    is_str(cv_canonical_make("mercedes benz"), "Mercedes-Benz", "make: mercedes benz");
    is_str(cv_canonical_make("Mercedes"), "Mercedes-Benz", "make: Mercedes");
    is_str(cv_canonical_make("MERCEDES-BENZ"), "Mercedes-Benz", "make: MERCEDES-BENZ");
    is_str(cv_canonical_make("land rover"), "Land Rover", "make: land rover");
    is_str(cv_canonical_make("Land-Rover"), "Land Rover", "make: Land-Rover");
    is_str(cv_canonical_make("rolls royce"), "Rolls-Royce", "make: rolls royce");
    is_str(cv_canonical_make("bmw"), "BMW", "make: bmw");
    is_str(cv_canonical_make("Mg"), "MG", "make: Mg");
    is_str(cv_canonical_make("gmc"), "GMC", "make: gmc");
    is_str(cv_canonical_make("Mclaren"), "McLaren", "make: Mclaren");
    is_str(cv_canonical_make("delorean"), "DeLorean", "make: delorean");
    is_str(cv_canonical_make("vw"), "Volkswagen", "make: vw");
    is_str(cv_canonical_make("Citroen"), "Citro\xC3\xABn", "make: Citroen");
    is_str(cv_canonical_make("Skoda"), "\xC5\xA0koda", "make: Skoda");
    is_str(cv_canonical_make("\xC5\xA0koda"), "\xC5\xA0koda", "make: \xC5\xA0koda");
    is_str(cv_canonical_make("International"), "International Harvester", "make: International");
    is_str(cv_canonical_make("  Porsche  "), "Porsche", "make: spaces around are ignored");
    is_str(cv_canonical_make("Alfa Romeo"), "Alfa Romeo", "make: Alfa Romeo");
    is_str(cv_canonical_make("Austin-Healey"), "Austin-Healey", "make: Austin-Healey");
    is_str(cv_canonical_make("Austin"), "Austin", "make: Austin alone");
    is_str(cv_canonical_make("amc"), "AMC", "make: amc");
    is_str(cv_canonical_make("am general"), "AM General", "make: am general");
    is_str(cv_canonical_make("Porsche 911"), NULL, "make: a make and a model is not a make");
    is_str(cv_canonical_make("Zundapp"), NULL, "make: unknown make");
    is_str(cv_canonical_make(""), NULL, "make: empty");
    is_str(cv_canonical_make(NULL), NULL, "make: NULL");
    is_str(cv_canonical_make("Fordson"), NULL, "make: a longer word is not Ford");
}

/* ------------------------------------------------------------------------ */

static void vin_is(const char *text, enum cv_vin_kind kind)
{
    is_int(cv_vin_kind(text), kind, "vin \"%s\" kind %d", text ? text : "(null)", (int)kind);
}

static void test_vin(void)
{
    /* verified independently: these check digits are right */
    ok(cv_vin_check_digit_ok("11111111111111111"), "check digit: 11111111111111111");
    ok(cv_vin_check_digit_ok("1G1YY0784F5119763"), "check digit: 1G1YY0784F5119763");
    ok(cv_vin_check_digit_ok("1M8GDM9AXKP042788"), "check digit: X in position 9");
    ok(cv_vin_check_digit_ok("1HGCM82633A004352"), "check digit: 1HGCM82633A004352");
    ok(cv_vin_check_digit_ok("JH4KA7561PC008269"), "check digit: JH4KA7561PC008269");
    ok(cv_vin_check_digit_ok("ZFFTUTNLXRE287628"), "check digit: ZFFTUTNLXRE287628");
    ok(cv_vin_check_digit_ok("1g1yy0784f5119763"), "check digit: lower case reads the same");
    ok(!cv_vin_check_digit_ok("1G1YY0785F5119763"), "check digit: wrong digit fails");
    ok(!cv_vin_check_digit_ok("1M8GDM9A0KP042788"), "check digit: 0 for X fails");
    ok(!cv_vin_check_digit_ok("1G1YY0784F511976"), "check digit: 16 characters fail");
    ok(!cv_vin_check_digit_ok("1G1YY0784F51197633"), "check digit: 18 characters fail");
    ok(!cv_vin_check_digit_ok("1G1YY0784F511976I"), "check digit: I is not a VIN character");
    ok(!cv_vin_check_digit_ok(""), "check digit: empty fails");
    ok(!cv_vin_check_digit_ok(NULL), "check digit: NULL fails");

    vin_is("11111111111111111", CV_VIN_VALID);
    vin_is("1G1YY0784F5119763", CV_VIN_VALID);
    vin_is("1M8GDM9AXKP042788", CV_VIN_VALID);
    vin_is("ZC2FR110XKB202172", CV_VIN_VALID);
    vin_is("WP0AB2A93KS114315", CV_VIN_VALID);
    vin_is("  1G1YY0784F5119763 ", CV_VIN_VALID);
    vin_is("zc2fr110xkb202172", CV_VIN_VALID);
    /* a wrong check digit: North America must use it, Europe and Japan need not */
    vin_is("1G1YY0785F5119763", CV_VIN_BAD_CHECK);
    vin_is("5YJSA1E14HF176183", CV_VIN_BAD_CHECK);
    vin_is("2T1BURHE0JC074359", CV_VIN_BAD_CHECK);
    vin_is("WP0AB2A94KS114315", CV_VIN_17);
    vin_is("JH4KA7562PC008269", CV_VIN_17);
    vin_is("SAL9ZJCG276976440", CV_VIN_VALID);   /* Land Rover, truth.json */
    vin_is("ZFFTUTNL0RE287628", CV_VIN_17);
    vin_is("6G1YY0785F5119763", CV_VIN_17);
    /* chassis numbers as shown */
    vin_is("XP29E61188575", CV_VIN_CHASSIS);
    vin_is("C1446S140169", CV_VIN_CHASSIS);
    vin_is("HBJ8L25720", CV_VIN_CHASSIS);
    vin_is("BN2-L/232183", CV_VIN_CHASSIS);
    vin_is("124CS.1823640", CV_VIN_CHASSIS);
    vin_is("54/0906", CV_VIN_CHASSIS);
    vin_is("121.042-12-203796", CV_VIN_CHASSIS);
    vin_is("113.044-22-141221", CV_VIN_CHASSIS);
    vin_is("HLS30-23994", CV_VIN_CHASSIS);
    vin_is("7T02C123456", CV_VIN_CHASSIS);
    vin_is("156790", CV_VIN_CHASSIS);
    vin_is("84886", CV_VIN_CHASSIS);
    vin_is("818.540.999083", CV_VIN_CHASSIS);
    vin_is("HBJ8 L 25720", CV_VIN_CHASSIS);
    vin_is("WP0ZZZ91ZJS1O0123", CV_VIN_CHASSIS);  /* 17 with an O */
    vin_is("1G1YY0784F511976Q", CV_VIN_CHASSIS);  /* 17 with a Q */
    vin_is("1G1YY0784F5-119763", CV_VIN_CHASSIS); /* 17+ with a separator */
    vin_is("ZFFTUTNLXRE2876281", CV_VIN_CHASSIS); /* 18 characters */
    /* placeholders and noise */
    vin_is("", CV_VIN_NONE);
    vin_is("   ", CV_VIN_NONE);
    vin_is("N/A", CV_VIN_NONE);
    vin_is("n/a", CV_VIN_NONE);
    vin_is("-", CV_VIN_NONE);
    vin_is("\xE2\x80\x94", CV_VIN_NONE);
    vin_is("Unknown", CV_VIN_NONE);
    vin_is("TBD", CV_VIN_NONE);
    vin_is("None", CV_VIN_NONE);
    vin_is("Not Available", CV_VIN_NONE);
    vin_is("0", CV_VIN_NONE);
    vin_is("00000000000000000", CV_VIN_NONE);
    vin_is("A1", CV_VIN_NONE);
    vin_is("See description for the chassis number 12345", CV_VIN_NONE);
    vin_is("VIN#1G1YY0784F5119763", CV_VIN_NONE);
    vin_is(NULL, CV_VIN_NONE);
}

/* ------------------------------------------------------------------------ */

static void date_is(const char *text, long long want)
{
    is_int(cv_parse_date(text), want, "date \"%s\" is %lld", text ? text : "(null)", want);
}

static void test_date(void)
{
    char d[11], dt[21];

    date_is("1/2/24", 1704153600LL);
    date_is("on 1/2/24", 1704153600LL);
    date_is("Sold on 1/2/24", 1704153600LL);
    date_is("Ended: Jan 2, 2024", 1704153600LL);
    date_is("(1/2/24)", 1704153600LL);
    date_is("01/02/2024", 1704153600LL);
    date_is("04/19/2026", 1776556800LL);
    date_is("3/25/2024", 1711324800LL);
    date_is("1/2/70", 86400LL);                     /* 70-99 are the 1900s */
    date_is("12/31/69", 3155673600LL);             /* 00-69 are the 2000s: 2069-12-31 */
    date_is("January 2, 2024", 1704153600LL);
    date_is("Jan 2, 2024", 1704153600LL);
    date_is("jan 2 2024", 1704153600LL);
    date_is("Mar 04, 2024", 1709510400LL);
    date_is("Jul 12, 2024", 1720742400LL);
    date_is("Sept. 5th, 2024", 1725494400LL);
    date_is("December 2010", 1291161600LL);
    date_is("2 January 2024", 1704153600LL);
    date_is("Tue, 02 Jan 2024 15:04:05 GMT", 1704207845LL);
    date_is("2024-01-02", 1704153600LL);
    date_is("2024-01-02T15:04:05Z", 1704207845LL);
    date_is("2024-01-02T15:04:05.123Z", 1704207845LL);
    date_is("2024-01-02 15:04:05", 1704207845LL);
    date_is("2024-01-02T15:04:05+02:00", 1704200645LL);
    date_is("2024-01-02T15:04:05+0200", 1704200645LL);
    date_is("2024-01-02T15:04:05-05:00", 1704225845LL);
    date_is("2024-01-02T15:04:05 UTC", 1704207845LL);
    date_is("May 7, 2021 at 4:15 PM PT", 1620429300LL);
    date_is("May 7, 2021 at 4:15 PM PDT", 1620429300LL);
    date_is("May 7, 2021 at 4:15 p.m. PT", 1620429300LL);
    date_is("1/2/24 12:30 AM", 1704155400LL);
    date_is("1/2/24 12:30 PM", 1704198600LL);
    date_is("1/2/24 4 pm", 1704153600LL + 16 * 3600);
    /* generic US zones follow daylight time; explicit ones do not */
    date_is("Jan 15, 2024 10:00 AM ET", 1705330800LL);
    date_is("Jul 4, 2024 10:00 AM ET", 1720101600LL);
    date_is("Jul 4, 2024 10:00 AM EST", 1720101600LL + 3600);
    date_is("Mar 10, 2024 1:59 AM PT", 1710064740LL);   /* last minute of PST */
    date_is("Mar 10, 2024 3:00 AM PT", 1710064800LL);   /* first hour of PDT */
    date_is("Nov 3, 2024 12:30 AM PT", 1730619000LL);   /* still PDT */
    date_is("Nov 3, 2024 2:30 AM PT", 1730629800LL);    /* PST again */
    date_is("Mar 15, 2024 1:00 PM CST", 1710529200LL);
    date_is("Mar 15, 2024 1:00 PM CT", 1710529200LL - 3600);
    date_is("Mar 15, 2024 1:00 PM MT", 1710529200LL);     /* MDT is UTC-6, like CST */
    date_is("Apr 3, 2005 12:00 PM CT", 1112547600LL);   /* pre-2007 rule: DST from Apr 3 */
    date_is("Mar 20, 2005 12:00 PM CT", 1111341600LL);  /* pre-2007 rule: not yet DST */
    /* Unix seconds */
    date_is("1704240000", 1704240000LL);
    date_is("  1578437640 ", 1578437640LL);
    date_is("99999999999", 99999999999LL);
    date_is("12345678", -1);
    date_is("123456789012", -1);
    /* unreadable or impossible */
    date_is("2/30/24", -1);
    date_is("13/1/24", -1);
    date_is("2/29/23", -1);
    date_is("2/29/24", 1709164800LL);
    date_is("0/1/24", -1);
    date_is("1/0/24", -1);
    date_is("1/2/124", -1);
    date_is("2024-13-01", -1);
    date_is("2024-02-30", -1);
    date_is("2024-01-02T25:00:00Z", -1);
    date_is("2024-01-02T12:61:00Z", -1);
    date_is("1/2/24 13:00 PM", -1);
    date_is("Febtober 2, 2024", -1);
    date_is("January 32, 2024", -1);
    date_is("Withdrawn", -1);
    date_is("", -1);
    date_is("   ", -1);
    date_is("soon", -1);
    date_is("$19,250", -1);
    date_is(NULL, -1);

    /* formatting, UTC */
    cv_format_date(1608928680LL, d);
    is_str(d, "2020-12-25", "format_date 1608928680");
    cv_format_datetime(1608928680LL, dt);
    is_str(dt, "2020-12-25T20:38:00Z", "format_datetime 1608928680");
    cv_format_datetime(0, dt);
    is_str(dt, "1970-01-01T00:00:00Z", "format_datetime epoch");
    cv_format_datetime(-1, dt);
    is_str(dt, "1969-12-31T23:59:59Z", "format_datetime -1");
    cv_format_date(-86401, d);
    is_str(d, "1969-12-30", "format_date -86401");
    cv_format_datetime(-14182940LL, dt);
    is_str(dt, "1969-07-20T20:17:40Z", "format_datetime before 1970");
    cv_format_date(951782400LL, d);
    is_str(d, "2000-02-29", "format_date leap day 2000");
    cv_format_date(-2203977600LL, d);
    is_str(d, "1900-02-28", "format_date 1900 (not a leap year)");
    cv_format_datetime(253402300799LL, dt);
    is_str(dt, "9999-12-31T23:59:59Z", "format_datetime last second of 9999");
    cv_format_datetime(LLONG_MAX, dt);
    is_str(dt, "9999-12-31T23:59:59Z", "format_datetime LLONG_MAX is clamped");
    cv_format_date(LLONG_MIN, d);
    is_str(d, "0000-01-01", "format_date LLONG_MIN is clamped");
    cv_format_datetime(cv_parse_date("May 7, 2021 at 4:15 PM PT"), dt);
    is_str(dt, "2021-05-07T23:15:00Z", "format_datetime round trip of a BaT end time");
}

/* ------------------------------------------------------------------------ */

static void country_is(const char *name, const char *code)
{
    is_str(cv_country_code(name), code, "country \"%s\" is %s", name ? name : "(null)",
           code ? code : "unknown");
}

static void test_country(void)
{
    static const char *const pairs[][2] = {
        {"United States", "US"}, {"USA", "US"}, {"US", "US"}, {"U.S.A.", "US"},
        {"U.S.", "US"}, {"united states of america", "US"}, {"Canada", "CA"},
        {"CAN", "CA"}, {"CA", "CA"}, {"Belgium", "BE"}, {"BEL", "BE"}, {"be", "BE"},
        {"Germany", "DE"}, {"DEU", "DE"}, {"Deutschland", "DE"}, {"The Netherlands", "NL"},
        {"Netherlands", "NL"}, {"Holland", "NL"}, {"NLD", "NL"}, {"England", "GB"},
        {"Scotland", "GB"}, {"Wales", "GB"}, {"Northern Ireland", "GB"},
        {"United Kingdom", "GB"}, {"UK", "GB"}, {"U.K.", "GB"}, {"Great Britain", "GB"},
        {"GBR", "GB"}, {"GB", "GB"}, {"Italy", "IT"}, {"ITA", "IT"}, {"France", "FR"},
        {"Switzerland", "CH"}, {"CHE", "CH"}, {"Japan", "JP"}, {"JPN", "JP"},
        {"Australia", "AU"}, {"AUS", "AU"}, {"New Zealand", "NZ"}, {"Mexico", "MX"},
        {"M\xC3\xA9xico", "MX"}, {"Sweden", "SE"}, {"Monaco", "MC"}, {"MCO", "MC"},
        {"Spain", "ES"}, {"Portugal", "PT"}, {"Austria", "AT"}, {"Denmark", "DK"},
        {"Norway", "NO"}, {"Ireland", "IE"}, {"Finland", "FI"}, {"Poland", "PL"},
        {"Czech Republic", "CZ"}, {"Czechia", "CZ"}, {"Hungary", "HU"}, {"Greece", "GR"},
        {"Luxembourg", "LU"}, {"South Africa", "ZA"}, {"United Arab Emirates", "AE"},
        {"UAE", "AE"}, {"ARE", "AE"}, {"Hong Kong", "HK"}, {"Singapore", "SG"},
        {"Brazil", "BR"}, {"Argentina", "AR"}, {"Puerto Rico", "PR"}, {"PRI", "PR"},
        {"south korea", "KR"}, {"  Japan  ", "JP"}, {"THE  NETHERLANDS", "NL"},
        {"Cura\xC3\xA7" "ao", "CW"}, {"Turkey", "TR"}, {"T\xC3\xBCrkiye", "TR"},
        {"Liechtenstein", "LI"}, {"Bermuda", "BM"}, {"Cayman Islands", "KY"},
    };
    size_t i;

    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        country_is(pairs[i][0], pairs[i][1]);
    country_is("Narnia", NULL);
    country_is("XX", NULL);
    country_is("XYZ", NULL);
    country_is("", NULL);
    country_is(".", NULL);
    country_is("The", NULL);
    country_is(NULL, NULL);
    country_is("United States United States United States United States United States", NULL);
}

static void test_region(void)
{
    static const char *const states[][2] = {
        {"Alabama", "AL"}, {"Alaska", "AK"}, {"Arizona", "AZ"}, {"Arkansas", "AR"},
        {"California", "CA"}, {"Colorado", "CO"}, {"Connecticut", "CT"}, {"Delaware", "DE"},
        {"Florida", "FL"}, {"Georgia", "GA"}, {"Hawaii", "HI"}, {"Idaho", "ID"},
        {"Illinois", "IL"}, {"Indiana", "IN"}, {"Iowa", "IA"}, {"Kansas", "KS"},
        {"Kentucky", "KY"}, {"Louisiana", "LA"}, {"Maine", "ME"}, {"Maryland", "MD"},
        {"Massachusetts", "MA"}, {"Michigan", "MI"}, {"Minnesota", "MN"},
        {"Mississippi", "MS"}, {"Missouri", "MO"}, {"Montana", "MT"}, {"Nebraska", "NE"},
        {"Nevada", "NV"}, {"New Hampshire", "NH"}, {"New Jersey", "NJ"},
        {"New Mexico", "NM"}, {"New York", "NY"}, {"North Carolina", "NC"},
        {"North Dakota", "ND"}, {"Ohio", "OH"}, {"Oklahoma", "OK"}, {"Oregon", "OR"},
        {"Pennsylvania", "PA"}, {"Rhode Island", "RI"}, {"South Carolina", "SC"},
        {"South Dakota", "SD"}, {"Tennessee", "TN"}, {"Texas", "TX"}, {"Utah", "UT"},
        {"Vermont", "VT"}, {"Virginia", "VA"}, {"Washington", "WA"},
        {"West Virginia", "WV"}, {"Wisconsin", "WI"}, {"Wyoming", "WY"},
        {"District of Columbia", "DC"}, {"Puerto Rico", "PR"},
    };
    static const char *const provinces[][2] = {
        {"Alberta", "AB"}, {"British Columbia", "BC"}, {"Manitoba", "MB"},
        {"New Brunswick", "NB"}, {"Newfoundland and Labrador", "NL"},
        {"Nova Scotia", "NS"}, {"Northwest Territories", "NT"}, {"Nunavut", "NU"},
        {"Ontario", "ON"}, {"Prince Edward Island", "PE"}, {"Quebec", "QC"},
        {"Saskatchewan", "SK"}, {"Yukon", "YT"},
    };
    const char *cc;
    size_t i;

    is_int(sizeof states / sizeof states[0], 52, "region: the table tests 50 states, DC and PR");
    for (i = 0; i < sizeof states / sizeof states[0]; i++) {
        const char *code = cv_region_code(states[i][0], &cc);

        ok(code && strcmp(code, states[i][1]) == 0 && cc && strcmp(cc, "US") == 0,
           "region \"%s\" is %s, US", states[i][0], states[i][1]);
        code = cv_region_code(states[i][1], &cc);
        ok(code && strcmp(code, states[i][1]) == 0 && cc && strcmp(cc, "US") == 0,
           "region code %s is itself, US", states[i][1]);
    }
    for (i = 0; i < sizeof provinces / sizeof provinces[0]; i++) {
        const char *code = cv_region_code(provinces[i][0], &cc);

        ok(code && strcmp(code, provinces[i][1]) == 0 && cc && strcmp(cc, "CA") == 0,
           "province \"%s\" is %s, CA", provinces[i][0], provinces[i][1]);
        code = cv_region_code(provinces[i][1], &cc);
        ok(code && strcmp(code, provinces[i][1]) == 0 && cc && strcmp(cc, "CA") == 0,
           "province code %s is itself, CA", provinces[i][1]);
    }
    is_str(cv_region_code("north carolina", &cc), "NC", "region: lower-case name");
    is_str(cv_region_code("  Nevada ", &cc), "NV", "region: spaces around");
    is_str(cv_region_code("tx", &cc), "TX", "region: lower-case code");
    is_str(cv_region_code("D.C.", &cc), "DC", "region: D.C.");
    is_str(cv_region_code("Washington DC", &cc), "DC", "region: Washington DC");
    is_str(cc, "US", "region: Washington DC is in the US");
    is_str(cv_region_code("Qu\xC3\xA9" "bec", &cc), "QC", "region: Qu\xC3\xA9" "bec");
    is_str(cc, "CA", "region: Qu\xC3\xA9" "bec is in Canada");
    is_str(cv_region_code("Ontario", NULL), "ON", "region: a NULL country pointer is allowed");
    cc = "stale";
    is_str(cv_region_code("Bavaria", &cc), NULL, "region: Bavaria is unknown");
    is_str(cc, NULL, "region: unknown region clears the country");
    is_str(cv_region_code("", &cc), NULL, "region: empty");
    is_str(cv_region_code(NULL, &cc), NULL, "region: NULL");
    is_str(cv_region_code("XX", &cc), NULL, "region: XX");
}

/* ------------------------------------------------------------------------ */

static void loc_is(const char *text, int ret, const char *city, const char *region,
                   const char *postcode, const char *country)
{
    struct cv_location l;
    int r = cv_parse_location(text, &l);

    is_int(r, ret, "location \"%s\" returns %d", text, ret);
    is_str(l.city, city, "location \"%s\" city \"%s\"", text, city);
    is_str(l.region, region, "location \"%s\" region \"%s\"", text, region);
    is_str(l.postcode, postcode, "location \"%s\" postcode \"%s\"", text, postcode);
    is_str(l.country, country, "location \"%s\" country \"%s\"", text, country);
}

static void test_location(void)
{
    struct cv_location l;
    char buf[512];
    size_t i;

    loc_is("Boulder City, Nevada 89005", 1, "Boulder City", "NV", "89005", "US");
    loc_is("Placer County, California 90038", 1, "Placer County", "CA", "90038", "US");
    loc_is("St. Louis, Missouri 63103", 1, "St. Louis", "MO", "63103", "US");
    loc_is("Long Island City, New York 11101", 1, "Long Island City", "NY", "11101", "US");
    loc_is("Chandler, AZ", 1, "Chandler", "AZ", "", "US");
    loc_is("San Antonio, TX", 1, "San Antonio", "TX", "", "US");
    loc_is("Franklin, TN 37064", 1, "Franklin", "TN", "37064", "US");
    loc_is("Kortrijk, Belgium", 1, "Kortrijk", "", "", "BE");
    loc_is("8500 Kortrijk, Belgium", 1, "Kortrijk", "", "8500", "BE");
    loc_is("Dorset, England", 1, "Dorset", "", "", "GB");
    loc_is("Dorset, United Kingdom", 1, "Dorset", "", "", "GB");
    loc_is("Dorset, England DT1 1AA", 1, "Dorset", "", "DT1 1AA", "GB");
    loc_is("Toronto, ON", 1, "Toronto", "ON", "", "CA");
    loc_is("Toronto, ON M5V 2T6", 1, "Toronto", "ON", "M5V 2T6", "CA");
    loc_is("Toronto, ON, CA", 1, "Toronto", "ON", "", "CA");
    loc_is("Vancouver, BC", 1, "Vancouver", "BC", "", "CA");
    loc_is("Vancouver, British Columbia, Canada", 1, "Vancouver", "BC", "", "CA");
    loc_is("G\xC3\xB6ttingen, Germany", 1, "G\xC3\xB6ttingen", "", "", "DE");
    loc_is("San Francisco \xE2\x80\x93 East Bay, CA", 1, "San Francisco \xE2\x80\x93 East Bay",
           "CA", "", "US");
    loc_is("Ford Lauderdale, FL", 1, "Ford Lauderdale", "FL", "", "US");
    loc_is("NV, United States", 0, "", "NV", "", "US");
    loc_is("Asheville, North Carolina", 1, "Asheville", "NC", "", "US");
    loc_is("1925 Harbor Blvd, Albuquerque, NM 87102", 1, "Albuquerque", "NM", "87102", "US");
    loc_is("Scottsdale, Arizona 85260", 1, "Scottsdale", "AZ", "85260", "US");
    loc_is("Scottsdale, AZ 85260-1234", 1, "Scottsdale", "AZ", "85260-1234", "US");
    loc_is("Scottsdale, AZ, USA", 1, "Scottsdale", "AZ", "", "US");
    loc_is("Scottsdale, AZ, 85260", 1, "Scottsdale", "AZ", "85260", "US");
    loc_is("Scottsdale Arizona 85260", 1, "Scottsdale", "AZ", "85260", "US");
    loc_is("Albuquerque NM", 1, "Albuquerque", "NM", "", "US");
    loc_is("New York, NY 10001", 1, "New York", "NY", "10001", "US");
    loc_is("Washington, DC", 1, "Washington", "DC", "", "US");
    loc_is("Washington, D.C. 20001", 1, "Washington", "DC", "20001", "US");
    loc_is("Mexico, Missouri", 1, "Mexico", "MO", "", "US");
    loc_is("Luxembourg, Luxembourg", 1, "Luxembourg", "", "", "LU");
    loc_is("Paris, France", 1, "Paris", "", "", "FR");
    loc_is("Location: Paris, France", 1, "Paris", "", "", "FR");
    loc_is("Munich, Bavaria", 1, "Munich", "", "", "");
    loc_is("Scottsdale", 1, "Scottsdale", "", "", "");
    loc_is("Beverly Hills, 90210", 1, "Beverly Hills", "", "90210", "");
    loc_is("Munich, Bavaria 80331", 1, "Munich", "", "80331", "");
    loc_is("1925 Harbor Blvd, Albuquerque NM 87102", 1, "Albuquerque", "NM", "87102", "US");
    loc_is("Kortrijk 8500", 1, "Kortrijk", "", "8500", "");
    loc_is("Georgia, USA", 0, "", "GA", "", "US");
    loc_is("Paris, TX, USA", 1, "Paris", "TX", "", "US");
    loc_is("Georgia", 0, "", "GA", "", "US");
    loc_is("Monaco", 0, "", "", "", "MC");
    loc_is("   ", 0, "", "", "", "");
    loc_is("", 0, "", "", "", "");
    loc_is(",,, ,", 0, "", "", "", "");
    is_int(cv_parse_location(NULL, &l), 0, "location: NULL is no place");
    ok(!l.city[0] && !l.region[0] && !l.country[0], "location: NULL leaves a zeroed result");

    /* a city too long for its buffer is cut on a character boundary */
    buf[0] = '\0';
    for (i = 0; i < 60; i++)
        strcat(buf, "\xC3\xB6");
    strcat(buf, ", Germany");
    is_int(cv_parse_location(buf, &l), 1, "location: an overlong city is read");
    ok(strlen(l.city) < sizeof l.city && utf8_ok(l.city),
       "location: overlong city cut to %zu bytes on a UTF-8 boundary", strlen(l.city));
    is_str(l.country, "DE", "location: overlong city keeps its country");
    /* many commas: the place is at the end */
    is_int(cv_parse_location("a, b, c, d, e, f, g, h, i, j, Dallas, TX 75201", &l), 1,
           "location: twelve parts are read");
    is_str(l.city, "Dallas", "location: city among twelve parts");
    is_str(l.region, "TX", "location: region among twelve parts");
}

int main(void)
{
    test_price();
    test_mileage();
    test_title();
    test_vin();
    test_date();
    test_country();
    test_region();
    test_location();
    return tap_done();
}
