# embed.awk -- compile core/sql/NNN_name.sql files into C string literals
# (the generated core/migrations_sql.c), so migrations ship inside the
# carvest binary.  Usage: awk -f embed.awk 001_initial.sql 002_x.sql ...
BEGIN {
    print "/* Generated from the core/sql/NNN_name.sql files by core/sql/embed.awk: do not edit. */"
    print "#include \"migrate.h\""
    print ""
    n = 0
}
FNR == 1 {
    if (n)
        print ";"
    file = FILENAME
    sub(/.*\//, "", file)
    sub(/\.sql$/, "", file)
    if (file !~ /^[0-9][0-9][0-9]_[a-z0-9_]+$/) {
        print "embed.awk: " FILENAME ": migrations are named NNN_name.sql" > "/dev/stderr"
        exit 1
    }
    version[n] = substr(file, 1, 3) + 0
    name[n] = substr(file, 5)
    printf "static const char sql_%d[] =\n", n
    n++
}
# Character by character: a backslash or a quote in a gsub() replacement
# means different things to different awks.
{
    line = ""
    for (i = 1; i <= length($0); i++) {
        ch = substr($0, i, 1)
        if (ch == "\\")
            line = line "\\\\"
        else if (ch == "\"")
            line = line "\\\""
        else
            line = line ch
    }
    printf "    \"%s\\n\"\n", line
}
END {
    if (n)
        print ";"
    print ""
    print "static const struct cv_migration list[] = {"
    for (i = 0; i < n; i++)
        printf "    {%d, \"%s\", sql_%d},\n", version[i], name[i], i
    print "};"
    print ""
    print "const struct cv_migration *cv_migrations(size_t *n)"
    print "{"
    print "    *n = sizeof(list) / sizeof(list[0]);"
    print "    return list;"
    print "}"
}
