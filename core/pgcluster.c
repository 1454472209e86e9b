/*
 * pgcluster.c -- the embedded default database (see pgcluster.h): find the
 * PostgreSQL server programs, initialise a private cluster on first use,
 * start it when it is not running, and give the conninfo that reaches it.
 *
 * The cluster directory <dir> (cv_pgcluster_dir) holds:
 *   data/          the cluster itself (PGDATA)
 *   server.log     the server's log (pg_ctl -l)
 *   initdb.log, pg_ctl.log   output of the last initdb and pg_ctl runs
 *   initialised    written once the database 'carvest' exists
 *   carvest.lock   flocked while a process initialises, starts or stops
 *   .s.PGSQL.5432  the server's socket
 *   socketdir      only when <dir> is too long for a socket path: the
 *                  short directory under /tmp that holds the socket instead
 *
 * Why trust authentication is safe here: the server listens on no TCP
 * port (listen_addresses is empty, and pg_hba rejects every host line in
 * case someone starts it by hand with other settings), and its socket is
 * 0700 in a 0700 directory owned by the server's user, so only that user
 * (and root) can connect at all.
 *
 * PostgreSQL refuses to run as root.  Run as root, carvest runs initdb and
 * pg_ctl as the 'postgres' system user: it forks, takes that user's groups
 * and ids, enters "/" and execs, with no help from su or runuser.  Every
 * directory above the cluster must then be searchable by that user.
 */
#include "pgcluster.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "runtime.h"

#include <libpq-fe.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PORT "5432"
#define SOCKET_NAME "/.s.PGSQL." PORT
#define DB_NAME "carvest"
#define DB_USER "carvest"            /* the cluster's superuser */
#define SERVER_USER "postgres"       /* runs the server when carvest runs as root */
#define LOCK_WAIT_MS (180 * 1000L)   /* initdb + a 60 s start, with room to spare */
#define PING_WAIT_MS (60 * 1000L)    /* a server starting up or shutting down */

static const char no_server_msg[] =
    "no database configured and no PostgreSQL server installed: install one "
    "(apt-get install postgresql) or give --db / DATABASE_URL";

struct cluster {
    char *dir;          /* <data>/postgresql */
    char *data;         /* <dir>/data */
    char *sockdir;      /* where the socket is: dir, or a short directory under /tmp */
    char *bindir;       /* holds initdb, pg_ctl and postgres */
    int as_other;       /* carvest runs as root: the server's tools run as uid/gid */
    uid_t uid;          /* the server's user (ours when !as_other) */
    gid_t gid;
    gid_t *groups;      /* its supplementary groups (as_other) */
    int ngroups;
    char **env;         /* the environment the tools get */
    int maxfd;          /* close descriptors below this in a child */
};

/* ------------------------------------------------------------ helpers */

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* A new formatted string; NULL when out of memory. */
static char *fmt(const char *f, ...)
{
    struct cv_buf b;
    va_list ap;
    int rc;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    va_start(ap, f);
    rc = cv_buf_vprintf(&b, f, ap);
    va_end(ap);
    if (rc < 0) {
        cv_buf_free(&b);
        return NULL;
    }
    return cv_buf_take(&b);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int is_file(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return 0;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The line of a (log) file's tail that best says what went wrong, for
 * error messages: the last one with "error" or "FATAL" in it (initdb and
 * the server end with lines like "removing data directory" or "database
 * system is shut down"), else the last non-empty one; "" when none. */
static void last_line(const char *path, char *out, size_t outlen)
{
    char buf[4096];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    const char *best = NULL, *last = NULL;
    size_t best_len = 0, last_len = 0;

    *out = '\0';
    if (fd < 0)
        return;
    {
        off_t size = lseek(fd, 0, SEEK_END);
        lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0, SEEK_SET);
        n = read(fd, buf, sizeof(buf) - 1);
    }
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    for (const char *line = buf; *line;) {
        size_t len = strcspn(line, "\r\n");
        if (len) {
            last = line;
            last_len = len;
            if (memmem(line, len, "error", 5) || memmem(line, len, "FATAL", 5)) {
                best = line;
                best_len = len;
            }
        }
        line += len;
        line += strspn(line, "\r\n");
    }
    if (!best) {
        best = last;
        best_len = last_len;
    }
    if (best)
        snprintf(out, outlen, "%.*s", (int)best_len, best);
}

/* Remove a directory tree (a half-made cluster); no error when absent. */
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

static void remove_tree(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The PostgreSQL tools run their arguments through /bin/sh inside double
 * quotes (pg_ctl -D, -l), so these characters would break them. */
static int shell_safe(const char *path)
{
    return !strpbrk(path, "\"$`\\\n");
}

/* ------------------------------------------------- where the cluster is */

static char *data_root(void)
{
    const char *v = getenv("CARVEST_DATA_DIR");
    char cwd[PATH_MAX];
    char *root;
    size_t n;

    if (v && *v) {
        if (*v == '/')
            root = cv_strdup(v);
        else if (getcwd(cwd, sizeof(cwd)))
            root = fmt("%s/%s", cwd, v);   /* the tools run in "/": make it absolute */
        else
            return NULL;
    } else if (geteuid() == 0) {
        /* root's home is closed to the server's user */
        root = cv_strdup("/var/lib/carvest");
    } else if ((v = getenv("XDG_DATA_HOME")) && *v == '/') {
        root = fmt("%s/carvest", v);
    } else {
        if (!(v = getenv("HOME")) || *v != '/') {
            struct passwd *pw = getpwuid(getuid());
            v = pw ? pw->pw_dir : NULL;
        }
        if (!v)
            return NULL;
        root = fmt("%s/.local/share/carvest", v);
    }
    if (!root)
        return NULL;
    n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        root[--n] = '\0';
    return root;
}

char *cv_pgcluster_dir(void)
{
    char *root = data_root();
    char *dir;

    if (!root)
        return NULL;
    dir = fmt("%s%s", strcmp(root, "/") ? root : "", "/postgresql");
    cv_free(root);
    return dir;
}

/* --------------------------------------------------- the server's user */

static void free_env(char **env)
{
    if (env)
        for (char **e = env; *e; e++)
            cv_free(*e);
    cv_free(env);
}

/* The tools' environment: ours without libpq's and the server's PG*
 * variables (PGPORT, PGDATA, PGOPTIONS... would change what they do),
 * and, for another user, that user's HOME, USER and LOGNAME. */
static char **make_env(const struct passwd *pw)
{
    size_t n = 0, k = 0;
    char **env;

    for (char **e = environ; *e; e++)
        n++;
    env = cv_calloc(n + 4, sizeof(*env));
    if (!env)
        return NULL;
    for (char **e = environ; *e; e++) {
        if (!strncmp(*e, "PG", 2))
            continue;
        if (pw && (!strncmp(*e, "HOME=", 5) || !strncmp(*e, "USER=", 5) || !strncmp(*e, "LOGNAME=", 8)))
            continue;
        if (!(env[k++] = cv_strdup(*e)))
            goto oom;
    }
    if (pw && (!(env[k++] = fmt("HOME=%s", pw->pw_dir)) || !(env[k++] = fmt("USER=%s", pw->pw_name)) ||
               !(env[k++] = fmt("LOGNAME=%s", pw->pw_name))))
        goto oom;
    return env;
oom:
    free_env(env);
    return NULL;
}

static void cluster_free(struct cluster *cl)
{
    cv_free(cl->dir);
    cv_free(cl->data);
    cv_free(cl->sockdir);
    cv_free(cl->bindir);
    cv_free(cl->groups);
    free_env(cl->env);
    memset(cl, 0, sizeof(*cl));
}

/* Paths, the server's user and the tools' environment. */
static int cluster_init(struct cluster *cl, char *errbuf, size_t errlen)
{
    struct passwd pwbuf, *pw = NULL;
    char strbuf[16384];
    struct rlimit rl;

    memset(cl, 0, sizeof(*cl));
    cl->uid = geteuid();
    cl->gid = getegid();
    cl->maxfd = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        cl->maxfd = rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
    if (!(cl->dir = cv_pgcluster_dir())) {
        snprintf(errbuf, errlen, "cannot tell where to keep the private PostgreSQL cluster: "
                                 "set CARVEST_DATA_DIR (or HOME), or give --db / DATABASE_URL");
        return -1;
    }
    if (!(cl->data = fmt("%s/data", cl->dir)))
        goto oom;
    if (geteuid() == 0) {
        int n = 32, tries = 0;

        if (getpwnam_r(SERVER_USER, &pwbuf, strbuf, sizeof(strbuf), &pw) != 0 || !pw) {
            snprintf(errbuf, errlen,
                     "no database configured, and the private PostgreSQL cluster cannot run: PostgreSQL "
                     "refuses to run as root, and the '%s' system user it would run as does not exist; "
                     "create it (installing postgresql does), run carvest as a normal user, or give "
                     "--db / DATABASE_URL", SERVER_USER);
            return -1;
        }
        cl->as_other = 1;
        cl->uid = pw->pw_uid;
        cl->gid = pw->pw_gid;
        /* initgroups() reads /etc/group and allocates: not for a forked
         * child of a threaded program, so get the list now */
        do {
            cv_free(cl->groups);
            if (!(cl->groups = cv_calloc((size_t)n, sizeof(gid_t))))
                goto oom;
        } while (getgrouplist(pw->pw_name, pw->pw_gid, cl->groups, &n) < 0 && ++tries < 4);
        if (tries == 4) {
            n = 1;
            cl->groups[0] = pw->pw_gid;
        }
        cl->ngroups = n;
    }
    if (!(cl->env = make_env(pw)))
        goto oom;
    return 0;
oom:
    snprintf(errbuf, errlen, "out of memory");
    return -1;
}

/* -------------------------------------------------------- child processes */

static void close_from(int lowfd, int maxfd)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
        return;
#endif
    for (int fd = lowfd; fd < maxfd; fd++)
        close(fd);
}

/* Start argv[0] (a full path) with stdin from /dev/null, stdout on out_fd
 * and stderr on err_fd, in "/", as the server's user when cl says so
 * (cl NULL: as ourselves, in our environment).  The child keeps no other
 * descriptor of ours: a server started by pg_ctl outlives carvest and must
 * not hold its pipes or its lock.  Everything the child needs is ready
 * before the fork, so it makes only async-signal-safe calls.  The pid, or
 * -1 with errno set. */
static pid_t spawn(const struct cluster *cl, char *const argv[], int out_fd, int err_fd)
{
    static const char failed[] = "carvest: cannot take the server user's identity or run the program\n";
    char *const *env = cl ? cl->env : environ;
    int maxfd = cl ? cl->maxfd : 1024;
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid;

    if (null_fd < 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        int e = errno;
        close(null_fd);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        static const int sigs[] = {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD};
        int in, out, err;

        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            signal(sigs[i], SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* copies above 2 first: with a standard descriptor closed in
         * carvest, one of ours may be 0, 1 or 2 (and close-on-exec) */
        in = fcntl(null_fd, F_DUPFD, 3);
        out = fcntl(out_fd, F_DUPFD, 3);
        err = fcntl(err_fd, F_DUPFD, 3);
        if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(126);
        close_from(3, maxfd);
        if (cl && cl->as_other &&
            (setgroups((size_t)cl->ngroups, cl->groups) < 0 || setgid(cl->gid) < 0 || setuid(cl->uid) < 0)) {
            if (write(2, failed, sizeof(failed) - 1) < 0)
                _exit(126);
            _exit(126);
        }
        if (chdir("/") < 0)
            _exit(126);
        execve(argv[0], argv, env);
        if (write(2, failed, sizeof(failed) - 1) < 0)
            _exit(127);
        _exit(127);
    }
    close(null_fd);
    return pid;
}

/* The child's exit status (128 + signal when killed), or -1. */
static int wait_child(pid_t pid)
{
    int st;

    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Open (and as root hand to the server's user) a file in the cluster. */
static int open_owned(const struct cluster *cl, const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0600);

    if (fd >= 0 && cl->as_other && fchown(fd, cl->uid, cl->gid) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Run one of the server's tools with its output in log (truncated first
 * unless append).  Its exit status, or -1 when it could not be started
 * (errbuf says why). */
static int run_logged(const struct cluster *cl, char *const argv[], const char *log, int append,
                      char *errbuf, size_t errlen)
{
    int fd = open_owned(cl, log, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC));
    pid_t pid;
    int st;

    if (fd < 0) {
        snprintf(errbuf, errlen, "cannot write %s: %s", log, strerror(errno));
        return -1;
    }
    pid = spawn(cl, argv, fd, fd);
    if (pid < 0) {
        snprintf(errbuf, errlen, "cannot run %s: %s", argv[0], strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    st = wait_child(pid);
    if (st < 0)
        snprintf(errbuf, errlen, "lost track of %s: %s", argv[0], strerror(errno));
    return st;
}

/* --------------------------------------------------- the server binaries */

static int has_server(const char *dir)
{
    static const char *const tools[] = {"initdb", "pg_ctl", "postgres"};
    char path[PATH_MAX];

    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        struct stat st;
        if (snprintf(path, sizeof(path), "%s/%s", dir, tools[i]) >= (int)sizeof(path) ||
            stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
            return 0;
    }
    return 1;
}

/* dir, absolute and without symlinks, when it holds the server; else NULL. */
static char *server_dir(const char *dir)
{
    char real[PATH_MAX];

    if (!dir || !*dir || !realpath(dir, real) || !has_server(real))
        return NULL;
    return cv_strdup(real);
}

/* The first executable `name` on PATH, as a new string. */
static char *search_path(const char *name)
{
    const char *p = getenv("PATH");

    if (!p)
        p = "/usr/local/bin:/usr/bin:/bin";
    for (;;) {
        size_t n = strcspn(p, ":");
        char path[PATH_MAX];
        struct stat st;

        if (snprintf(path, sizeof(path), "%.*s/%s", (int)n, n ? p : ".", name) < (int)sizeof(path) &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
            return cv_strdup(path);
        if (!p[n])
            return NULL;
        p += n + 1;
    }
}

/* What `pg_config --bindir` says, if pg_config is on PATH. */
static char *pg_config_bindir(void)
{
    char *pg_config = search_path("pg_config");
    char out[PATH_MAX + 1];
    size_t len = 0;
    int fds[2] = {-1, -1}, null_fd = -1;
    pid_t pid;
    char *dir = NULL;

    if (!pg_config)
        return NULL;
    if (pipe2(fds, O_CLOEXEC) < 0 || (null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
        goto out;
    {
        char *const argv[] = {pg_config, "--bindir", NULL};
        pid = spawn(NULL, argv, fds[1], null_fd);
    }
    close(fds[1]);
    fds[1] = -1;
    if (pid < 0)
        goto out;
    for (;;) {
        ssize_t n = read(fds[0], out + len, sizeof(out) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == sizeof(out) - 1)
            break;
    }
    close(fds[0]);    /* before waiting: a chatty child gets EPIPE, not a hang */
    fds[0] = -1;
    if (wait_child(pid) == 0) {
        out[len] = '\0';
        out[strcspn(out, "\r\n")] = '\0';
        dir = server_dir(out);
    }
out:
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    if (null_fd >= 0)
        close(null_fd);
    cv_free(pg_config);
    return dir;
}

/* The newest /usr/lib/postgresql/VERSION/bin (Debian, Ubuntu). */
static char *newest_packaged(void)
{
    static const char prefix[] = "/usr/lib/postgresql/";
    glob_t g;
    long best_major = -1, best_minor = -1;
    const char *best = NULL;
    char *dir = NULL;

    if (glob("/usr/lib/postgresql/*/bin", 0, NULL, &g) != 0)
        return NULL;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char *end;
        long major = strtol(g.gl_pathv[i] + sizeof(prefix) - 1, &end, 10), minor = 0;
        if (*end == '.')
            minor = strtol(end + 1, &end, 10);
        if (*end != '/' || !has_server(g.gl_pathv[i]))
            continue;
        if (major > best_major || (major == best_major && minor > best_minor)) {
            best_major = major;
            best_minor = minor;
            best = g.gl_pathv[i];
        }
    }
    if (best)
        dir = server_dir(best);
    globfree(&g);
    return dir;
}

/* The packaged server of the cluster's own major version, if any: after
 * an upgrade installs a newer server beside it, the old one still is the
 * one that can run the cluster (until someone runs pg_upgrade). */
static char *packaged_for(const struct cluster *cl)
{
    char path[PATH_MAX], version[16];
    ssize_t n;
    int fd;

    if (snprintf(path, sizeof(path), "%s/PG_VERSION", cl->data) >= (int)sizeof(path) ||
        (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return NULL;
    n = read(fd, version, sizeof(version) - 1);
    close(fd);
    if (n <= 0)
        return NULL;
    version[n] = '\0';
    version[strspn(version, "0123456789.")] = '\0';
    if (!*version)
        return NULL;
    snprintf(path, sizeof(path), "/usr/lib/postgresql/%s/bin", version);
    return server_dir(path);
}

/* initdb, pg_ctl and postgres: $PG_BINDIR (alone, when set: an explicit
 * choice is not silently replaced by another server), else the packaged
 * server of an existing cluster's version, pg_config --bindir, the newest
 * /usr/lib/postgresql/N/bin, /usr/local/pgsql/bin, and the folder of the
 * initdb on PATH. */
static int find_bindir(struct cluster *cl, char *errbuf, size_t errlen)
{
    const char *env = getenv("PG_BINDIR");

    if (env && *env) {
        cl->bindir = server_dir(env);
        if (!cl->bindir)
            snprintf(errbuf, errlen, "%s (PG_BINDIR=%s holds no initdb, pg_ctl and postgres)",
                     no_server_msg, env);
        return cl->bindir ? 0 : -1;
    }
    if (!(cl->bindir = packaged_for(cl)) && !(cl->bindir = pg_config_bindir()) &&
        !(cl->bindir = newest_packaged()) &&
        !(cl->bindir = server_dir("/usr/local/pgsql/bin"))) {
        char *initdb = search_path("initdb");
        if (initdb) {
            char real[PATH_MAX];
            char *slash;
            if (realpath(initdb, real) && (slash = strrchr(real, '/'))) {
                *slash = '\0';
                cl->bindir = server_dir(*real ? real : "/");
            }
            cv_free(initdb);
        }
    }
    if (!cl->bindir) {
        snprintf(errbuf, errlen, "%s", no_server_msg);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------- directories */

/* Every folder above the cluster, created as needed.  As root they are
 * made 0755 whatever the umask, for the server's user must pass through
 * them; the cluster folder itself is 0700 and belongs to that user. */
static int make_dirs(const struct cluster *cl, char *errbuf, size_t errlen)
{
    char path[PATH_MAX];
    struct stat st;

    if (snprintf(path, sizeof(path), "%s", cl->dir) >= (int)sizeof(path)) {
        snprintf(errbuf, errlen, "the path %s is too long", cl->dir);
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        {
            char c = *p;
            *p = '\0';
            if (mkdir(path, c ? (cl->as_other ? 0755 : 0700) : 0700) == 0) {
                if (c && cl->as_other && chmod(path, 0755) < 0)
                    goto fail;
            } else if (errno != EEXIST) {
                goto fail;
            }
            if (stat(path, &st) < 0)
                goto fail;
            if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                goto fail;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    /* path is now the cluster folder, st its status */
    if (cl->as_other && (st.st_uid != cl->uid || st.st_gid != cl->gid) &&
        chown(path, cl->uid, cl->gid) < 0)
        goto fail;
    if (!cl->as_other && st.st_uid != geteuid()) {
        snprintf(errbuf, errlen, "%s belongs to another user: set CARVEST_DATA_DIR to a folder of yours",
                 path);
        return -1;
    }
    /* the socket's safety rests on this folder being closed to others */
    if ((st.st_mode & 077) && chmod(path, 0700) < 0)
        goto fail;
    return 0;
fail:
    snprintf(errbuf, errlen, "cannot create %s for the private PostgreSQL cluster: %s", path,
             strerror(errno));
    return -1;
}

/* As root, the server's user must reach the cluster: look from its point
 * of view (groups and ACLs included), in a child that takes its identity
 * and tries each existing folder above the cluster from / down (those
 * still to be made, make_dirs makes 0755).  The child's exit status names
 * the first folder it cannot enter.  Done before anything is created. */
static int check_reach(const struct cluster *cl, char *errbuf, size_t errlen)
{
    char *prefixes[250];
    int n = 0, st, rc = -1;
    pid_t pid;

    for (const char *p = cl->dir; *p; p++) {
        if (*p == '/') {
            size_t len = p == cl->dir ? 1 : (size_t)(p - cl->dir);
            if (n == (int)(sizeof(prefixes) / sizeof(prefixes[0]))) {
                snprintf(errbuf, errlen, "the path %s is too deep", cl->dir);
                goto out;
            }
            if (!(prefixes[n] = cv_strndup(cl->dir, len))) {
                snprintf(errbuf, errlen, "out of memory");
                goto out;
            }
            n++;
        }
    }
    pid = fork();
    if (pid == 0) {
        if (setgroups((size_t)cl->ngroups, cl->groups) < 0 || setgid(cl->gid) < 0 || setuid(cl->uid) < 0)
            _exit(255);
        for (int i = 0; i < n; i++)
            if (access(prefixes[i], X_OK) < 0)
                _exit(errno == ENOENT ? 0 : i + 1);
        _exit(0);
    }
    if (pid < 0) {
        snprintf(errbuf, errlen, "cannot fork: %s", strerror(errno));
        goto out;
    }
    st = wait_child(pid);
    if (st == 0) {
        rc = 0;
    } else if (st >= 1 && st <= n) {
        snprintf(errbuf, errlen,
                 "the private PostgreSQL cluster runs as the '%s' user, which cannot enter %s: "
                 "set CARVEST_DATA_DIR to a folder it can reach (e.g. under /var/lib or /tmp), "
                 "or open that folder to it (chmod o+x)", SERVER_USER, prefixes[st - 1]);
    } else {
        snprintf(errbuf, errlen, "cannot take the identity of the '%s' user", SERVER_USER);
    }
out:
    for (int i = 0; i < n; i++)
        cv_free(prefixes[i]);
    return rc;
}

/* Only one process initialises, starts or stops the cluster at a time. */
static int lock_cluster(const struct cluster *cl, int *fd_out, char *errbuf, size_t errlen)
{
    char path[PATH_MAX];
    long long deadline = cv_now_ms() + LOCK_WAIT_MS;
    int fd;

    snprintf(path, sizeof(path), "%s/carvest.lock", cl->dir);
    fd = open_owned(cl, path, O_RDWR | O_CREAT);
    if (fd < 0) {
        snprintf(errbuf, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            snprintf(errbuf, errlen, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (cv_now_ms() >= deadline) {
            snprintf(errbuf, errlen, "another carvest process has held %s for %ld s: is it stuck?", path,
                     LOCK_WAIT_MS / 1000);
            close(fd);
            return -1;
        }
        sleep_ms(50);
    }
    *fd_out = fd;
    return 0;
}

/* --------------------------------------------------------------- socket */

/* A socket path must fit in sun_path (107 bytes and a NUL).  When
 * <dir>/.s.PGSQL.5432 does not, the socket goes to a short private folder
 * under /tmp (0700, the server user's), whose name is kept in
 * <dir>/socketdir.  A recorded folder is used only if it still is a real
 * folder of the server's user closed to everyone else: anyone can create
 * names under /tmp.  create: make one when there is none (under the lock);
 * otherwise sockdir stays NULL.  0 or -1. */
static int choose_sockdir(struct cluster *cl, int create, char *errbuf, size_t errlen)
{
    struct sockaddr_un sa;
    char record[PATH_MAX], got[PATH_MAX], tmpl[] = "/tmp/carvest-pg-XXXXXX";
    struct stat st;
    ssize_t n;
    int fd;

    cv_free(cl->sockdir);
    cl->sockdir = NULL;
    if (strlen(cl->dir) + sizeof(SOCKET_NAME) <= sizeof(sa.sun_path)) {
        if (!(cl->sockdir = cv_strdup(cl->dir)))
            goto oom;
        return 0;
    }
    snprintf(record, sizeof(record), "%s/socketdir", cl->dir);
    if ((fd = open(record, O_RDONLY | O_CLOEXEC)) >= 0) {
        n = read(fd, got, sizeof(got) - 1);
        close(fd);
        if (n > 0) {
            got[n] = '\0';
            got[strcspn(got, "\n")] = '\0';
            if (*got == '/' && strlen(got) + sizeof(SOCKET_NAME) <= sizeof(sa.sun_path) &&
                lstat(got, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == cl->uid && !(st.st_mode & 077)) {
                if (!(cl->sockdir = cv_strdup(got)))
                    goto oom;
                return 0;
            }
        }
    }
    if (!create)
        return 0;
    if (!mkdtemp(tmpl) || (cl->as_other && chown(tmpl, cl->uid, cl->gid) < 0)) {
        snprintf(errbuf, errlen, "cannot create a socket folder under /tmp: %s", strerror(errno));
        return -1;
    }
    fd = open_owned(cl, record, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0 || dprintf(fd, "%s\n", tmpl) < 0) {
        snprintf(errbuf, errlen, "cannot write %s: %s", record, strerror(errno));
        if (fd >= 0)
            close(fd);
        rmdir(tmpl);
        return -1;
    }
    close(fd);
    if (!(cl->sockdir = cv_strdup(tmpl)))
        goto oom;
    return 0;
oom:
    snprintf(errbuf, errlen, "out of memory");
    return -1;
}

/* A keyword=value conninfo value, quoted when it must be. */
static int put_value(struct cv_buf *b, const char *v)
{
    if (*v && !strpbrk(v, " \t\n\r\f\v'\\"))
        return cv_buf_puts(b, v);
    if (cv_buf_putc(b, '\'') < 0)
        return -1;
    for (; *v; v++)
        if (((*v == '\'' || *v == '\\') && cv_buf_putc(b, '\\') < 0) || cv_buf_putc(b, *v) < 0)
            return -1;
    return cv_buf_putc(b, '\'');
}

static char *make_conninfo(const char *sockdir, const char *dbname)
{
    struct cv_buf b;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    if (cv_buf_puts(&b, "host=") < 0 || put_value(&b, sockdir) < 0 ||
        cv_buf_printf(&b, " port=%s dbname=%s user=%s", PORT, dbname, DB_USER) < 0) {
        cv_buf_free(&b);
        return NULL;
    }
    return cv_buf_take(&b);
}

/* ------------------------------------------------------------- the server */

/* 1 when a server answers on the socket, 0 when none does, -1 out of
 * memory.  A server starting up or shutting down is waited for. */
static int running(const struct cluster *cl)
{
    long long deadline = cv_now_ms() + PING_WAIT_MS;
    char *ci = make_conninfo(cl->sockdir, "postgres");
    int rc;

    if (!ci)
        return -1;
    for (;;) {
        PGPing p = PQping(ci);
        if (p != PQPING_REJECT || cv_now_ms() >= deadline) {
            rc = p == PQPING_OK;
            break;
        }
        sleep_ms(100);
    }
    cv_free(ci);
    return rc;
}

static int initdb(const struct cluster *cl, char *errbuf, size_t errlen)
{
    static const char conf[] =
        "\n# carvest: a private cluster, reached only through its Unix socket\n"
        "listen_addresses = ''\n"
        "unix_socket_permissions = 0700\n";
    char *tool = fmt("%s/initdb", cl->bindir), *tmp = fmt("%s/data.new", cl->dir);
    char *log = fmt("%s/initdb.log", cl->dir), *confpath = fmt("%s/data.new/postgresql.conf", cl->dir);
    char line[300];
    int rc = -1, st, fd;

    if (!tool || !tmp || !log || !confpath) {
        snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    remove_tree(tmp);   /* what an interrupted initdb left */
    {
        char *argv[] = {tool, "-D", tmp, "-U", DB_USER, "--auth-local=trust", "--auth-host=reject",
                        "-E", "UTF8", "--locale=C.UTF-8", NULL};
        st = run_logged(cl, argv, log, 0, errbuf, errlen);
        if (st > 0) {
            /* a system without the C.UTF-8 locale */
            remove_tree(tmp);
            argv[9] = "--no-locale";
            st = run_logged(cl, argv, log, 1, errbuf, errlen);
        }
    }
    if (st != 0) {
        if (st > 0) {
            last_line(log, line, sizeof(line));
            snprintf(errbuf, errlen, "could not initialise a PostgreSQL cluster in %s: %s (see %s)", cl->dir,
                     *line ? line : "initdb failed", log);
        }
        remove_tree(tmp);
        goto out;
    }
    fd = open(confpath, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 || write(fd, conf, sizeof(conf) - 1) != (ssize_t)(sizeof(conf) - 1)) {
        snprintf(errbuf, errlen, "cannot write %s: %s", confpath, strerror(errno));
        if (fd >= 0)
            close(fd);
        remove_tree(tmp);
        goto out;
    }
    close(fd);
    /* only a complete cluster ever is <dir>/data */
    if (rename(tmp, cl->data) < 0) {
        snprintf(errbuf, errlen, "cannot rename %s to %s: %s", tmp, cl->data, strerror(errno));
        remove_tree(tmp);
        goto out;
    }
    rc = 0;
out:
    cv_free(tool);
    cv_free(tmp);
    cv_free(log);
    cv_free(confpath);
    return rc;
}

/* A single-quoted word for the shell pg_ctl runs -o through. */
static int put_shell_word(struct cv_buf *b, const char *s)
{
    if (cv_buf_putc(b, '\'') < 0)
        return -1;
    for (; *s; s++)
        if (*s == '\'' ? cv_buf_puts(b, "'\\''") < 0 : cv_buf_putc(b, *s) < 0)
            return -1;
    return cv_buf_putc(b, '\'');
}

static int start(const struct cluster *cl, char *errbuf, size_t errlen)
{
    char *tool = fmt("%s/pg_ctl", cl->bindir), *log = fmt("%s/pg_ctl.log", cl->dir);
    char *server_log = fmt("%s/server.log", cl->dir), *opts = NULL;
    struct cv_buf b;
    char line[300];
    int rc = -1, st;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    if (!tool || !log || !server_log || cv_buf_puts(&b, "-p " PORT " -k ") < 0 ||
        put_shell_word(&b, cl->sockdir) < 0 ||
        cv_buf_puts(&b, " -c listen_addresses='' -c unix_socket_permissions=0700") < 0 ||
        !(opts = cv_buf_take(&b))) {
        snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    {
        char *argv[] = {tool, "-D", cl->data, "-l", server_log, "-w", "-t", "60", "-o", opts, "start", NULL};
        st = run_logged(cl, argv, log, 0, errbuf, errlen);
    }
    if (st > 0) {
        last_line(server_log, line, sizeof(line));
        if (!*line)
            last_line(log, line, sizeof(line));
        snprintf(errbuf, errlen, "could not start the private PostgreSQL cluster in %s: %s (see %s)", cl->dir,
                 *line ? line : "pg_ctl start failed", server_log);
    }
    rc = st == 0 ? 0 : -1;
out:
    cv_buf_free(&b);
    cv_free(tool);
    cv_free(log);
    cv_free(server_log);
    cv_free(opts);
    return rc;
}

/* The database carvest connects to, made once; <dir>/initialised says so. */
static int create_database(const struct cluster *cl, char *errbuf, size_t errlen)
{
    char *ci = make_conninfo(cl->sockdir, "postgres"), *marker = fmt("%s/initialised", cl->dir);
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = -1, fd;

    if (!ci || !marker) {
        snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    c = PQconnectdb(ci);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        const char *m = c ? PQerrorMessage(c) : "out of memory";
        snprintf(errbuf, errlen, "cannot connect to the private PostgreSQL cluster in %s: %.*s", cl->dir,
                 (int)strcspn(m, "\n"), m);
        goto out;
    }
    r = PQexec(c, "SELECT 1 FROM pg_database WHERE datname = '" DB_NAME "'");
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0) {
        PQclear(r);
        r = PQexec(c, "CREATE DATABASE " DB_NAME);
    }
    if (!r || (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)) {
        const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
        snprintf(errbuf, errlen, "cannot create the database " DB_NAME " in %s: %.*s", cl->dir,
                 (int)strcspn(m, "\n"), m);
        goto out;
    }
    fd = open_owned(cl, marker, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0) {
        snprintf(errbuf, errlen, "cannot write %s: %s", marker, strerror(errno));
        goto out;
    }
    close(fd);
    rc = 0;
out:
    PQclear(r);
    if (c)
        PQfinish(c);
    cv_free(ci);
    cv_free(marker);
    return rc;
}

/* ------------------------------------------------------------------ API */

int cv_pgcluster_conninfo(struct cv_runtime *rt, char **conninfo, char *errbuf, size_t errlen)
{
    struct cluster cl;
    int lock_fd = -1, rc = -1, first, started = 0, up;

    *conninfo = NULL;
    if (cluster_init(&cl, errbuf, errlen) < 0)
        goto out;
    /* The usual case, initialised and running: no lock, no child process. */
    if (is_file(cl.dir, "initialised") && choose_sockdir(&cl, 0, errbuf, errlen) == 0 && cl.sockdir &&
        running(&cl) == 1)
        goto done;
    if (find_bindir(&cl, errbuf, errlen) < 0)
        goto out;
    if (!shell_safe(cl.dir)) {
        snprintf(errbuf, errlen, "PostgreSQL's tools cannot use %s (it contains one of \" $ ` \\ or a "
                                 "newline): set CARVEST_DATA_DIR to another folder", cl.dir);
        goto out;
    }
    if ((cl.as_other && check_reach(&cl, errbuf, errlen) < 0) || make_dirs(&cl, errbuf, errlen) < 0 ||
        lock_cluster(&cl, &lock_fd, errbuf, errlen) < 0 || choose_sockdir(&cl, 1, errbuf, errlen) < 0)
        goto out;
    /* Under the lock, look again: another process may have done the work.
     * The run that completes the set-up says it created the cluster, even
     * when an earlier one got as far as initdb. */
    first = !is_file(cl.dir, "initialised");
    if (!is_file(cl.data, "PG_VERSION") && initdb(&cl, errbuf, errlen) < 0)
        goto out;
    if ((up = running(&cl)) < 0) {
        snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    if (!up) {
        if (start(&cl, errbuf, errlen) < 0)
            goto out;
        started = 1;
    }
    if (first && create_database(&cl, errbuf, errlen) < 0)
        goto out;
    if (rt && first)
        cv_log(&rt->log, CV_LOG_INFO, "no database configured: created a private PostgreSQL cluster in %s "
                                      "(give --db or DATABASE_URL to use another)", cl.dir);
    else if (rt && started)
        cv_log(&rt->log, CV_LOG_INFO, "started the private PostgreSQL cluster in %s", cl.dir);
done:
    if (!(*conninfo = make_conninfo(cl.sockdir, DB_NAME))) {
        snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    if (lock_fd >= 0)
        close(lock_fd);   /* and with it the lock */
    cluster_free(&cl);
    return rc;
}

int cv_pgcluster_stop(struct cv_runtime *rt, char *errbuf, size_t errlen)
{
    struct cluster cl;
    char *tool = NULL, *log = NULL, record[PATH_MAX], line[300];
    int lock_fd = -1, rc = -1, st;

    if (cluster_init(&cl, errbuf, errlen) < 0)
        goto out;
    if (!is_file(cl.data, "PG_VERSION")) {
        rc = 0;   /* no cluster, nothing runs */
        goto out;
    }
    if (find_bindir(&cl, errbuf, errlen) < 0) {
        if (!is_file(cl.data, "postmaster.pid"))
            rc = 0;
        goto out;
    }
    if (!(tool = fmt("%s/pg_ctl", cl.bindir)) || !(log = fmt("%s/pg_ctl.log", cl.dir))) {
        snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    if (lock_cluster(&cl, &lock_fd, errbuf, errlen) < 0)
        goto out;
    {
        char *argv[] = {tool, "-D", cl.data, "status", NULL};
        st = run_logged(&cl, argv, log, 0, errbuf, errlen);
    }
    if (st == 0) {
        char *argv[] = {tool, "-D", cl.data, "-m", "fast", "-w", "-t", "60", "stop", NULL};
        st = run_logged(&cl, argv, log, 0, errbuf, errlen);
        if (st != 0) {
            if (st > 0) {
                last_line(log, line, sizeof(line));
                snprintf(errbuf, errlen, "could not stop the private PostgreSQL cluster in %s: %s", cl.dir,
                         *line ? line : "pg_ctl stop failed");
            }
            goto out;
        }
        if (rt)
            cv_log(&rt->log, CV_LOG_INFO, "stopped the private PostgreSQL cluster in %s", cl.dir);
    } else if (st != 3) {   /* 3: not running */
        if (st > 0) {
            last_line(log, line, sizeof(line));
            snprintf(errbuf, errlen, "cannot tell whether the private PostgreSQL cluster in %s runs: %s",
                     cl.dir, *line ? line : "pg_ctl status failed");
        }
        goto out;
    }
    /* a socket folder under /tmp is made again by the next start */
    if (choose_sockdir(&cl, 0, errbuf, errlen) == 0 && cl.sockdir && strcmp(cl.sockdir, cl.dir)) {
        rmdir(cl.sockdir);
        snprintf(record, sizeof(record), "%s/socketdir", cl.dir);
        unlink(record);
    }
    rc = 0;
out:
    if (lock_fd >= 0)
        close(lock_fd);
    cv_free(tool);
    cv_free(log);
    cluster_free(&cl);
    return rc;
}
