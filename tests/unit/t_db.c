/*
 * t_db.c -- the database connection (core/db.c) and the embedded cluster
 * (core/pgcluster.c), through their APIs: password masking, where
 * cv_db_open finds the database, passwords kept out of error messages,
 * the private cluster (initialised once, started when stopped, a socket
 * path too long for sun_path, two processes starting it at once), and
 * transactions and cv_db_ensure across a server stop and start.
 *
 * The clusters live in a temporary CARVEST_DATA_DIR under /tmp (0755, so
 * that the 'postgres' user can reach it when this runs as root).  A
 * guardian process forked first stops them and removes the folder when
 * this program ends, however it ends.  Without PostgreSQL server binaries
 * only the checks that need no server run.
 */
#include "../tap.h"
#include "db.h"
#include "mem.h"
#include "pgcluster.h"
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 60000L

static const char *const pg_vars[] = {
    "DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
    "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGSSLMODE", "PGOPTIONS", "PGAPPNAME", "PG_BINDIR",
};

static char top[64] = "/tmp/carvest-t_db.XXXXXX";   /* every cluster lives under it */
static char short_dir[128];                         /* a CARVEST_DATA_DIR */
static char long_dir[256];                          /* one too long for a socket path */
static int guard_fd = -1;   /* held by us and our children: EOF tells the guardian we all ended */
static struct cv_runtime rt;
static FILE *log_file;                              /* rt's log */

/* ------------------------------------------------------------ helpers */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void use_dir(const char *dir)
{
    setenv("CARVEST_DATA_DIR", dir, 1);
}

/* Stop the clusters and remove their folder. */
static void clean_up(void)
{
    char err[512];

    unsetenv("PG_BINDIR");
    use_dir(long_dir);
    if (cv_pgcluster_stop(NULL, err, sizeof(err)) < 0)
        fprintf(stderr, "t_db: %s\n", err);
    use_dir(short_dir);
    if (cv_pgcluster_stop(NULL, err, sizeof(err)) < 0)
        fprintf(stderr, "t_db: %s\n", err);
    nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A process that waits for this one to end (its pipe reaches EOF, even
 * after a crash) and then cleans up. */
static void start_guardian(void)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds) < 0)
        return;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        char c;
        int null_fd = open("/dev/null", O_WRONLY);
        close(fds[1]);
        if (null_fd >= 0) {
            dup2(null_fd, 1);   /* the TAP reader must not wait for us */
            close(null_fd);
        }
        while (read(fds[0], &c, 1) < 0 && errno == EINTR)
            ;
        clean_up();
        _exit(0);
    }
    close(fds[0]);
    if (pid > 0)
        guard_fd = fds[1];
    else
        close(fds[1]);
}

/* Everything logged so far. */
static char *log_text(void)
{
    long n;
    char *s;

    fflush(log_file);
    n = ftell(log_file);
    s = cv_calloc(1, (size_t)n + 1);
    if (!s)
        return NULL;
    rewind(log_file);
    if (fread(s, 1, (size_t)n, log_file) != (size_t)n)
        s[0] = '\0';
    fseek(log_file, 0, SEEK_END);
    return s;
}

static long log_size(void)
{
    fflush(log_file);
    return ftell(log_file);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The first value of the first row, as a new string, or NULL. */
static char *q1(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    char *v = NULL;

    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        v = cv_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static int is_q1(PGconn *c, const char *sql, const char *want, const char *name)
{
    char *got = q1(c, sql);
    int pass = is_str(got, want, "%s", name);

    cv_free(got);
    return pass;
}

static int exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

/* After delay_ms, start the cluster of CARVEST_DATA_DIR from another
 * process, the way a second carvest would. */
static pid_t restart_later(long delay_ms)
{
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        char *ci = NULL, err[512];
        sleep_ms(delay_ms);
        if (cv_pgcluster_conninfo(NULL, &ci, err, sizeof(err)) < 0) {
            fprintf(stderr, "t_db: restart: %s\n", err);
            _exit(1);
        }
        _exit(0);
    }
    return pid;
}

static int child_status(pid_t pid)
{
    int st;

    if (pid < 0)
        return -1;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ------------------------------------------------------------ masking */

static void test_mask(void)
{
    static const char *const cases[][2] = {
        {"postgresql://u:s3cret@host:5432/db", "postgresql://u:***@host:5432/db"},
        {"postgres://u:s3cret@host/db", "postgres://u:***@host/db"},
        {"postgresql://u:s3cret@h/db?sslmode=require&password=other",
         "postgresql://u:***@h/db?sslmode=require&password=***"},
        {"postgresql://h/db?password=s3cret", "postgresql://h/db?password=***"},
        {"postgresql://h/db?password=s3cret&application_name=x",
         "postgresql://h/db?password=***&application_name=x"},
        {"postgresql://h/db?application_name=xpassword=y", "postgresql://h/db?application_name=xpassword=y"},
        {"postgresql://h/db?password=s3cret&application_name=a@b",
         "postgresql://h/db?password=***&application_name=a@b"},
        {"postgresql://u@h/db?password=s3cret&application_name=a@b",
         "postgresql://u@h/db?password=***&application_name=a@b"},
        {"postgresql://h:5432/db?password=s3cret&application_name=a@b", "postgresql://h:***@b"},
        {"postgresql://u@host/db", "postgresql://u@host/db"},
        {"postgresql://host:5432/db", "postgresql://host:5432/db"},
        {"postgresql://", "postgresql://"},
        {"postgresql://u:p%40ss@h1:1,h2:2/db", "postgresql://u:***@h1:1,h2:2/db"},
        {"postgresql://u:pa/ss?w@host/db", "postgresql://u:***@host/db"},
        {"postgresql://u:@host/db", "postgresql://u:***@host/db"},
        {"host=h password=s3cret dbname=d", "host=h password=*** dbname=d"},
        {"password=s3cret", "password=***"},
        {"password='quoted \\' value' host=h", "password='***' host=h"},
        {"host=h password='two words'", "host=h password='***'"},
        {"host=h   password =  s3cret  user=u", "host=h   password =  ***  user=u"},
        {"host=h\tpassword=s3cret\nuser=u", "host=h\tpassword=***\nuser=u"},
        {"host=h password=a\\ b user=u", "host=h password=*** user=u"},
        {"host=h password s3cret", "host=h password ***"},
        {"host=h password=", "host=h password=***"},
        {"passwords=x application_name=password=y", "passwords=x application_name=password=y"},
        {"host=/tmp/x port=5432 dbname=carvest user=carvest",
         "host=/tmp/x port=5432 dbname=carvest user=carvest"},
        {"mydb", "mydb"},
        {"", ""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = cv_db_mask(cases[i][0]), name[200];
        size_t n = 0;
        /* a TAP line is one line */
        for (const char *c = cases[i][0]; *c && n < sizeof(name) - 3; c++) {
            if (*c == '\n' || *c == '\t') {
                name[n++] = '\\';
                name[n++] = *c == '\n' ? 'n' : 't';
            } else {
                name[n++] = *c;
            }
        }
        name[n] = '\0';
        is_str(got, cases[i][1], "mask: %s", name);
        cv_free(got);
    }
    ok(cv_db_mask(NULL) == NULL, "mask: NULL gives NULL");
}

/* A connection that fails: the message says so without the password. */
static void open_fails_quietly(const char *conninfo, const char *secret, const char *name)
{
    struct cv_db db;
    char err[1024] = "";
    int rc;

    cv_free(rt.opt.db_url);
    rt.opt.db_url = cv_strdup(conninfo);
    rc = cv_db_open(&rt, &db, err, sizeof(err));
    ok(rc < 0 && strstr(err, "cannot connect to the database"), "%s: open fails", name);
    ok(!strstr(err, secret), "%s: the message hides the password", name);
    if (strstr(err, secret))
        diag("message: %s", err);
    cv_free(rt.opt.db_url);
    rt.opt.db_url = NULL;
}

/* libpq quotes parts of malformed strings in its messages. */
static void test_error_masking(void)
{
    open_fails_quietly("postgresql://u:s3cr3tpw@127.0.0.1:1/x", "s3cr3tpw", "refused URI");
    open_fails_quietly("host=127.0.0.1 port=1 user=u password=s3cr3tpw", "s3cr3tpw", "refused keywords");
    open_fails_quietly("postgresql://u:s3cr3t%zzpw@127.0.0.1:1/x", "s3cr3t", "bad %-escape in the password");
    open_fails_quietly("postgresql://u@127.0.0.1:1/x?password=s3cr3t%zz", "s3cr3t",
                       "bad %-escape in ?password");
    open_fails_quietly("postgresql://u:s3cr3t/pw@127.0.0.1:1/x", "s3cr3t", "unencoded / in the password");
    open_fails_quietly("postgresql://u:s3cr3tpw@[::1/x", "s3cr3tpw", "broken IPv6 host");
}

/* ---------------------------------------------------- embedded cluster */

static int open_db(struct cv_db *db, const char *name)
{
    char err[1024];

    if (cv_db_open(&rt, db, err, sizeof(err)) == 0)
        return 1;
    diag("%s: %s", name, err);
    return 0;
}

/* Initialised once, silent when running, started again when stopped.
 * 1 when all went well enough for more tests, 0 when not, -1 when no
 * server binaries are installed. */
static int test_embedded(char **conninfo)
{
    struct cv_db db;
    char *dir, *got, *want, data[500], path[400], err[1024] = "";
    struct stat st, st2;
    long size;
    int fine = 1;

    use_dir(short_dir);
    dir = cv_pgcluster_dir();
    snprintf(path, sizeof(path), "%s/postgresql", short_dir);
    is_str(dir, path, "the cluster folder is CARVEST_DATA_DIR/postgresql");
    snprintf(data, sizeof(data), "%s/data", path);

    if (cv_db_open(&rt, &db, err, sizeof(err)) < 0 && strstr(err, "no PostgreSQL server installed")) {
        printf("ok %d # SKIP the embedded cluster: %s\n", ++tap_n, err);
        cv_free(dir);
        return -1;
    }
    if (!ok(*err == '\0', "first open creates and starts the cluster")) {
        diag("%s", err);
        cv_free(dir);
        return 0;
    }
    is_int(db.origin, CV_DB_FROM_EMBEDDED, "nothing configured: the embedded cluster");
    got = log_text();
    want = cv_calloc(1, 600);
    snprintf(want, 600, "carvest: no database configured: created a private PostgreSQL cluster in %s "
                        "(give --db or DATABASE_URL to use another)\n", path);
    is_str(got, want, "it says so once, and only that");
    cv_free(got);
    cv_free(want);
    *conninfo = cv_strdup(db.conninfo);
    snprintf(path, sizeof(path), "host=%s port=5432 dbname=carvest user=carvest", dir);
    is_str(db.conninfo, path, "the conninfo names the socket folder");
    is_str(db.shown, path, "and is shown as it is");
    is_q1(db.conn, "SELECT current_user", "carvest", "superuser carvest");
    is_q1(db.conn, "SELECT current_database()", "carvest", "database carvest");
    is_q1(db.conn, "SHOW listen_addresses", "", "no TCP listener");
    is_q1(db.conn, "SHOW unix_socket_permissions", "0700", "socket 0700");
    ok(exists(dir, ".s.PGSQL.5432"), "the socket is in the cluster folder");
    ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "the cluster folder is 0700");
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        char *pid = q1(db.conn, "SELECT pg_backend_pid()"), proc[64];
        struct stat ps;
        ok(pw && st.st_uid == pw->pw_uid, "as root the cluster belongs to postgres");
        snprintf(proc, sizeof(proc), "/proc/%s", pid ? pid : "none");
        ok(pw && stat(proc, &ps) == 0 && ps.st_uid == pw->pw_uid, "and the server runs as postgres");
        cv_free(pid);
    }
    {
        PGresult *r = PQexec(db.conn, "SELECT 1 FROM pg_hba_file_rules"
                                      " WHERE type = 'host' AND auth_method <> 'reject'");
        ok(r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0,
           "pg_hba rejects every TCP connection");
        PQclear(r);
    }
    cv_db_close(&db);

    stat(data, &st);
    size = log_size();
    if (!ok(open_db(&db, "second open"), "second open"))
        fine = 0;
    cv_db_close(&db);
    ok(stat(data, &st2) == 0 && st.st_ino == st2.st_ino, "the second open does not initialise again");
    is_int(log_size(), size, "and says nothing");

    if (!ok(cv_pgcluster_stop(&rt, err, sizeof(err)) == 0, "cv_pgcluster_stop"))
        diag("%s", err);
    ok(!exists(dir, ".s.PGSQL.5432"), "stopped: no socket");
    size = log_size();
    if (!ok(open_db(&db, "open after stop"), "an open after a stop starts it again"))
        fine = 0;
    got = log_text();
    ok(count(got + size, "started the private PostgreSQL cluster in ") == 1 &&
       count(got + size, "created") == 0, "and says it started it");
    cv_free(got);
    ok(stat(data, &st2) == 0 && st.st_ino == st2.st_ino, "without initialising again");
    cv_db_close(&db);
    cv_pgcluster_stop(&rt, err, sizeof(err));
    ok(cv_pgcluster_stop(&rt, err, sizeof(err)) == 0, "stopping a stopped cluster is fine");
    cv_free(dir);
    return fine;
}

/* --db beats DATABASE_URL beats PG* beats the embedded cluster. */
static void test_resolution(const char *conninfo)
{
    struct cv_db db;
    char buf[600], err[512], *dir = cv_pgcluster_dir(), *ci = NULL;

    /* the choices before the embedded cluster do not start it */
    if (cv_pgcluster_conninfo(NULL, &ci, err, sizeof(err)) < 0)
        diag("start: %s", err);
    cv_free(ci);
    snprintf(buf, sizeof(buf), "%s application_name=from_option", conninfo);
    rt.opt.db_url = cv_strdup(buf);
    snprintf(buf, sizeof(buf), "%s application_name=from_env", conninfo);
    setenv("DATABASE_URL", buf, 1);
    setenv("PGHOST", dir, 1);
    setenv("PGPORT", "5432", 1);
    setenv("PGUSER", "carvest", 1);
    setenv("PGDATABASE", "carvest", 1);
    setenv("PGAPPNAME", "from_pgenv", 1);

    if (open_db(&db, "with --db")) {
        is_int(db.origin, CV_DB_FROM_OPTION, "--db comes first");
        is_q1(db.conn, "SHOW application_name", "from_option", "and is the one used");
        cv_db_close(&db);
    } else {
        ok(0, "--db comes first");
    }
    cv_free(rt.opt.db_url);
    rt.opt.db_url = cv_strdup("");
    if (open_db(&db, "with DATABASE_URL")) {
        is_int(db.origin, CV_DB_FROM_ENV_URL, "then DATABASE_URL (an empty --db is none)");
        is_q1(db.conn, "SHOW application_name", "from_env", "and is the one used");
        cv_db_close(&db);
    } else {
        ok(0, "then DATABASE_URL");
    }
    cv_free(rt.opt.db_url);
    rt.opt.db_url = NULL;
    setenv("DATABASE_URL", "", 1);
    if (open_db(&db, "with PG*")) {
        is_int(db.origin, CV_DB_FROM_PGENV, "then PG* (an empty DATABASE_URL is none)");
        is_q1(db.conn, "SHOW application_name", "from_pgenv", "and they are the ones used");
        is_str(db.shown, "(PG* environment variables)", "shown as PG*");
        cv_db_close(&db);
    } else {
        ok(0, "then PG*");
    }
    unsetenv("DATABASE_URL");
    unsetenv("PGHOST");
    unsetenv("PGPORT");
    unsetenv("PGUSER");
    unsetenv("PGDATABASE");
    if (open_db(&db, "embedded")) {
        is_int(db.origin, CV_DB_FROM_EMBEDDED, "then the embedded cluster (PGAPPNAME alone does not count)");
        is_q1(db.conn, "SHOW application_name", "from_pgenv", "libpq still applies PGAPPNAME");
        cv_db_close(&db);
        unsetenv("PGAPPNAME");
    } else {
        ok(0, "then the embedded cluster");
    }
    if (open_db(&db, "embedded")) {
        is_q1(db.conn, "SHOW application_name", "carvest", "carvest names itself otherwise");
        cv_db_close(&db);
    } else {
        ok(0, "then the embedded cluster");
    }
    unsetenv("PGAPPNAME");
    cv_free(dir);
}

/* A server that checks passwords says "wrong" without repeating it. */
static void test_wrong_password(PGconn *admin)
{
    char *dir = cv_pgcluster_dir(), path[400], buf[600], err[1024];
    struct cv_db db;
    FILE *f;
    char *old = NULL;
    long n;
    int tries;

    snprintf(path, sizeof(path), "%s/data/pg_hba.conf", dir);
    f = fopen(path, "r+");
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && (old = cv_calloc(1, (size_t)n + 1))) {
        rewind(f);
        if (fread(old, 1, (size_t)n, f) == (size_t)n) {
            rewind(f);
            fprintf(f, "local all pwuser scram-sha-256\n%s", old);
        }
    }
    if (f)
        fclose(f);
    cv_free(old);
    PQclear(PQexec(admin, "CREATE ROLE pwuser LOGIN PASSWORD 'R1ghtPassw0rd'"));
    PQclear(PQexec(admin, "SELECT pg_reload_conf()"));

    snprintf(buf, sizeof(buf), "postgresql://pwuser:Wr0ngS3cret@/carvest?host=%s", dir);
    setenv("DATABASE_URL", buf, 1);
    /* the reload is not instant */
    for (tries = 0; tries < 50; tries++) {
        if (cv_db_open(&rt, &db, err, sizeof(err)) < 0)
            break;
        cv_db_close(&db);
        sleep_ms(100);
    }
    if (!ok(strstr(err, "password authentication failed") != NULL, "a wrong password in DATABASE_URL fails"))
        diag("%s", err);
    ok(!strstr(err, "Wr0ngS3cret"), "and the message does not show it");
    ok(strstr(err, "postgresql://pwuser:***@/carvest") != NULL, "but shows the masked URL");

    snprintf(buf, sizeof(buf), "host=%s dbname=carvest user=pwuser password='Wr0ng S3cret'", dir);
    rt.opt.db_url = cv_strdup(buf);
    ok(cv_db_open(&rt, &db, err, sizeof(err)) < 0 && strstr(err, "password authentication failed"),
       "a wrong password in --db fails");
    ok(!strstr(err, "Wr0ng S3cret") && !strstr(err, "S3cret"), "and the message does not show it");
    cv_free(rt.opt.db_url);

    snprintf(buf, sizeof(buf), "host=%s dbname=carvest user=pwuser password=R1ghtPassw0rd", dir);
    rt.opt.db_url = cv_strdup(buf);
    if (ok(cv_db_open(&rt, &db, err, sizeof(err)) == 0, "the right password connects"))
        cv_db_close(&db);
    else
        diag("%s", err);
    cv_free(rt.opt.db_url);
    rt.opt.db_url = NULL;
    unsetenv("DATABASE_URL");
    cv_free(dir);
}

/* ---------------------------------------------------------- transactions */

struct tx {
    const char *key;
    int attempts;
    int stop_first;      /* stop the server during the first attempt */
    int retry_first;     /* return CV_DB_RETRY from the first attempt */
    int fail;            /* return CV_DB_FAIL */
    pid_t restarter;
};

static int tx_body(PGconn *c, void *ctx, char *errbuf, size_t errlen)
{
    struct tx *t = ctx;
    const char *params[1] = {t->key};
    PGresult *r;
    int ok_insert;

    t->attempts++;
    /* a plain INSERT, not an upsert: a doubled write would show */
    r = PQexecParams(c, "INSERT INTO t_tx (k) VALUES ($1)", 1, NULL, params, NULL, NULL, 0);
    ok_insert = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok_insert)
        snprintf(errbuf, errlen, "%s", PQerrorMessage(c));
    PQclear(r);
    if (!ok_insert)
        return CV_DB_FAIL;
    if (t->attempts == 1 && t->stop_first) {
        char err[512];
        if (cv_pgcluster_stop(NULL, err, sizeof(err)) < 0)
            diag("stop in the body: %s", err);
        t->restarter = restart_later(1000);
    }
    if (t->attempts == 1 && t->retry_first)
        return CV_DB_RETRY;
    if (t->fail) {
        snprintf(errbuf, errlen, "the body gives up");
        return CV_DB_FAIL;
    }
    return CV_DB_OK;
}

static char *rows(PGconn *c, const char *key)
{
    char sql[200];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM t_tx WHERE k = '%s'", key);
    return q1(c, sql);
}

static int is_rows(struct cv_db *db, const char *key, const char *want, const char *name)
{
    char err[512];
    char *got;
    int pass;

    if (cv_db_ensure(db, WAIT_MS, err, sizeof(err)) < 0)
        diag("%s", err);
    got = rows(db->conn, key);
    pass = is_str(got, want, "%s", name);
    cv_free(got);
    return pass;
}

static void test_transactions(void)
{
    struct cv_db db;
    char err[1024] = "";
    struct tx t;
    long size;
    char *text;
    int rc;

    if (!open_db(&db, "transactions")) {
        ok(0, "open for the transaction tests");
        return;
    }
    ok(cv_db_exec(db.conn, "CREATE TABLE t_tx (k text NOT NULL)", err, sizeof(err)) == 0, "create a table");
    ok(cv_db_exec(db.conn, "SELEC 1", err, sizeof(err)) < 0 && strstr(err, "syntax error"),
       "cv_db_exec reports the server's message");

    memset(&t, 0, sizeof(t));
    t.key = "plain";
    rc = cv_db_transaction(&db, tx_body, &t, WAIT_MS, err, sizeof(err));
    ok(rc == CV_DB_OK && t.attempts == 1, "a transaction runs its body once");
    is_rows(&db, "plain", "1", "and its write lands");

    memset(&t, 0, sizeof(t));
    t.key = "retry";
    t.retry_first = 1;
    rc = cv_db_transaction(&db, tx_body, &t, WAIT_MS, err, sizeof(err));
    ok(rc == CV_DB_OK && t.attempts == 2, "CV_DB_RETRY runs the body again");
    is_rows(&db, "retry", "1", "the rolled-back attempt left nothing");

    memset(&t, 0, sizeof(t));
    t.key = "fail";
    t.fail = 1;
    rc = cv_db_transaction(&db, tx_body, &t, WAIT_MS, err, sizeof(err));
    ok(rc == CV_DB_FAIL && t.attempts == 1 && !strcmp(err, "the body gives up"),
       "CV_DB_FAIL gives up at once, with the body's message");
    is_rows(&db, "fail", "0", "and writes nothing");

    /* the server stops while the body runs and comes back a second later */
    memset(&t, 0, sizeof(t));
    t.key = "during";
    t.stop_first = 1;
    size = log_size();
    rc = cv_db_transaction(&db, tx_body, &t, WAIT_MS, err, sizeof(err));
    if (!ok(rc == CV_DB_OK, "a transaction survives a server stop during its body"))
        diag("%s", err);
    ok(t.attempts >= 2, "by running the body again (%d attempts)", t.attempts);
    is_int(child_status(t.restarter), 0, "the server was started again by another process");
    is_rows(&db, "during", "1", "the write landed exactly once");
    text = log_text();
    ok(count(text + size, "reconnected to the database") == 1, "and the reconnection was logged");
    cv_free(text);

    /* the server stops between two transactions */
    {
        pid_t pid;
        if (cv_pgcluster_stop(NULL, err, sizeof(err)) < 0)
            diag("stop: %s", err);
        pid = restart_later(1000);
        memset(&t, 0, sizeof(t));
        t.key = "between";
        rc = cv_db_transaction(&db, tx_body, &t, WAIT_MS, err, sizeof(err));
        if (!ok(rc == CV_DB_OK, "a transaction after a server stop waits for it to come back"))
            diag("%s", err);
        is_int(child_status(pid), 0, "started again by another process");
        is_rows(&db, "between", "1", "the write landed exactly once");
    }

    /* cv_db_ensure */
    ok(cv_db_ensure(&db, WAIT_MS, err, sizeof(err)) == 0, "cv_db_ensure on a good connection");
    if (cv_pgcluster_stop(NULL, err, sizeof(err)) < 0)
        diag("stop: %s", err);
    rc = cv_db_ensure(&db, 300, err, sizeof(err));
    ok(rc < 0 && strstr(err, "stayed unreachable"), "cv_db_ensure gives up after its wait");
    {
        char *ci = NULL;
        if (cv_pgcluster_conninfo(NULL, &ci, err, sizeof(err)) < 0)
            diag("restart: %s", err);
        cv_free(ci);
    }
    ok(cv_db_ensure(&db, WAIT_MS, err, sizeof(err)) == 0, "and reconnects when the server is back");
    is_q1(db.conn, "SELECT 1", "1", "the connection works");

    /* a restart the connection has not noticed yet */
    {
        char *ci = NULL;
        if (cv_pgcluster_stop(NULL, err, sizeof(err)) < 0 ||
            cv_pgcluster_conninfo(NULL, &ci, err, sizeof(err)) < 0)
            diag("restart: %s", err);
        cv_free(ci);
    }
    ok(cv_db_ensure(&db, WAIT_MS, err, sizeof(err)) == 0, "cv_db_ensure after an unnoticed restart");
    is_q1(db.conn, "SELECT 1", "1", "leaves a working connection");
    test_wrong_password(db.conn);
    cv_db_close(&db);
}

/* --------------------------------------------- long paths, two at once */

static void test_long_path_and_race(void)
{
    char *dir, *ci[2] = {NULL, NULL}, logs[2][300], record[600], sockdir[300] = "";
    pid_t pids[2];
    int created = 0;

    use_dir(long_dir);
    dir = cv_pgcluster_dir();
    ok(strlen(dir) + strlen("/.s.PGSQL.5432") > 107, "a cluster folder too long for a socket path");
    /* two processes start the same new cluster at once */
    fflush(NULL);
    for (int i = 0; i < 2; i++) {
        snprintf(logs[i], sizeof(logs[i]), "%s/race.%d", top, i);
        pids[i] = fork();
        if (pids[i] == 0) {
            char err[512];
            char *c = NULL;
            FILE *f = fopen(logs[i], "w");
            if (!f)
                _exit(2);
            rt.log.out = f;
            if (cv_pgcluster_conninfo(&rt, &c, err, sizeof(err)) < 0) {
                fprintf(f, "failed: %s\n", err);
                _exit(1);
            }
            fprintf(f, "conninfo: %s\n", c);
            fclose(f);
            _exit(0);
        }
    }
    for (int i = 0; i < 2; i++) {
        FILE *f;
        char line[700];
        is_int(child_status(pids[i]), 0, "process %d of two starting it at once succeeds", i + 1);
        f = fopen(logs[i], "r");
        while (f && fgets(line, sizeof(line), f)) {
            if (strstr(line, "created a private PostgreSQL cluster"))
                created++;
            else if (!strncmp(line, "conninfo: ", 10)) {
                line[strcspn(line, "\n")] = '\0';
                ci[i] = cv_strdup(line + 10);
            } else {
                diag("process %d: %s", i + 1, line);
            }
        }
        if (f)
            fclose(f);
    }
    is_int(created, 1, "exactly one of them created the cluster");
    ok(ci[0] && ci[1] && !strcmp(ci[0], ci[1]), "both got the same conninfo");
    if (ci[0] && sscanf(ci[0], "host=%299s", sockdir) == 1)
        ok(!strncmp(sockdir, "/tmp/carvest-pg-", 16), "the socket is in a short folder under /tmp (%s)",
           sockdir);
    else
        ok(0, "the conninfo has a host");
    snprintf(record, sizeof(record), "%s/socketdir", dir);
    ok(access(record, F_OK) == 0, "whose name is kept in the cluster folder");
    {
        struct stat st;
        ok(*sockdir && stat(sockdir, &st) == 0 && (st.st_mode & 0777) == 0700, "that folder is 0700");
    }
    {
        struct cv_db db;
        if (ok(open_db(&db, "long path"), "connects through it")) {
            is_q1(db.conn, "SELECT current_database()", "carvest", "to database carvest");
            cv_db_close(&db);
        }
    }
    {
        char err[512] = "";
        ok(cv_pgcluster_stop(&rt, err, sizeof(err)) == 0, "stop it");
        ok(*sockdir && access(sockdir, F_OK) < 0, "the folder under /tmp is gone after the stop");
    }
    cv_free(ci[0]);
    cv_free(ci[1]);
    cv_free(dir);
}

/* No server binaries where PG_BINDIR says: a clear error, nothing made. */
static void test_no_binaries(void)
{
    char dir[300], err[1024] = "";
    struct cv_db db;
    int rc;

    snprintf(dir, sizeof(dir), "%s/nobin", top);
    use_dir(dir);
    setenv("PG_BINDIR", "/nonexistent", 1);
    rc = cv_db_open(&rt, &db, err, sizeof(err));
    ok(rc < 0 && strstr(err, "no database configured and no PostgreSQL server installed: install one "
                             "(apt-get install postgresql) or give --db / DATABASE_URL"),
       "no server binaries: a clear error");
    ok(strstr(err, "PG_BINDIR=/nonexistent") != NULL, "naming PG_BINDIR");
    is_int(db.origin, CV_DB_FROM_EMBEDDED, "while looking for the embedded cluster");
    ok(access(dir, F_OK) < 0, "and creates no folder");
    unsetenv("PG_BINDIR");
}

int main(void)
{
    char *ci = NULL;
    int rc;

    for (size_t i = 0; i < sizeof(pg_vars) / sizeof(pg_vars[0]); i++)
        unsetenv(pg_vars[i]);
    if (cv_runtime_init(&rt) < 0 || !(log_file = tmpfile()))
        return 99;
    rt.log.out = log_file;
    rt.log.tty = 0;

    test_mask();
    test_error_masking();

    if (!mkdtemp(top)) {
        diag("mkdtemp: %s", strerror(errno));
        return 99;
    }
    chmod(top, 0755);   /* as root, the 'postgres' user must pass */
    snprintf(short_dir, sizeof(short_dir), "%s/data", top);
    snprintf(long_dir, sizeof(long_dir), "%s/a-folder-with-a-name-long-enough-that-the-socket-"
                                         "path-would-not-fit-in-sun-path-0123456789", top);
    start_guardian();
    test_no_binaries();

    use_dir(short_dir);
    rc = test_embedded(&ci);
    if (rc > 0) {
        test_resolution(ci);
        test_transactions();
    }
    if (rc >= 0)
        test_long_path_and_race();
    cv_free(ci);
    clean_up();
    cv_runtime_free(&rt);
    fclose(log_file);
    return tap_done();
}
