/*
 * lua_host.c -- Lua rule files in a sandbox (see lua_host.h, carvest-lua(7)).
 *
 * Layout of this file: the allocator and instruction hook that enforce the
 * per-page limits; error messages that point at the rule's file and line;
 * the sandboxed global environment; JSON <-> Lua conversion; the page and
 * node objects; the `cv` library; loading a rule; running it on a page.
 *
 * Page and node objects are userdata holding the id of the page they came
 * from.  A rule that keeps one past its extract() call gets an error when
 * it uses it, never a dangling pointer.
 */
#include "config.h"
#include "lua_host.h"
#include "jsonx.h"
#include "mem.h"
#include "norm.h"
#include "page.h"
#include "record.h"
#include "runtime.h"
#include "source.h"
#include "str.h"
#include "url.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#define HOOK_EVERY 1000        /* instructions between two hook calls */
#define RULE_MAX_BYTES (1 << 20)
#define JSON_MAX_DEPTH 200

#define PAGE_MT "carvest.page"
#define NODE_MT "carvest.node"
#define BOX_MT "carvest.box"

struct cv_lua_rule {
    lua_State *L;
    char *path;
    char *chunkname;           /* "@" + path */
    int extract_ref;           /* registry reference to extract() */
    size_t used;               /* bytes the state holds */
    size_t limit;              /* allocations fail beyond this */
    int over_limit;            /* an allocation was refused for the limit */
    long mem_per_page;
    long long icount;          /* instructions run on this page */
    long long ilimit;
    struct cv_page *page;      /* page being extracted, or NULL */
};

struct lpage {
    unsigned long id;
};

struct lnode {
    unsigned long page_id;
    struct cv_node *node;
};

static struct cv_lua_rule *rule_of(lua_State *L)
{
    return *(struct cv_lua_rule **)lua_getextraspace(L);
}

/* --- limits --------------------------------------------------------------- */

static void *rule_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct cv_lua_rule *r = ud;
    size_t old = ptr ? osize : 0;
    void *p;

    if (nsize == 0) {
        cv_free(ptr);
        r->used -= old;
        return NULL;
    }
    if (nsize > old && r->used + (nsize - old) > r->limit) {
        r->over_limit = 1;
        return NULL;   /* Lua turns this into a "not enough memory" error */
    }
    p = cv_realloc(ptr, nsize);
    if (!p)
        return NULL;
    r->used = r->used - old + nsize;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    struct cv_lua_rule *r = rule_of(L);

    (void)ar;
    r->icount += HOOK_EVERY;
    if (r->icount > r->ilimit) {
        /* From now on every instruction fails, so a pcall in the rule
         * cannot catch the error and loop on. */
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
        /* Not located here (level 1 would be the caller): the message
         * handler names the line that was running. */
        lua_pushfstring(L, "instruction limit exceeded (%I per page); the rule may loop forever",
                        (lua_Integer)r->ilimit);
        lua_error(L);
    }
}

static void arm_limits(struct cv_lua_rule *r)
{
    r->icount = 0;
    r->over_limit = 0;
    r->limit = r->used + (size_t)r->mem_per_page;
    lua_sethook(r->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

static void disarm_limits(struct cv_lua_rule *r)
{
    lua_sethook(r->L, NULL, 0, 0);
    r->limit = r->used + (size_t)r->mem_per_page;
}

/* --- error messages --------------------------------------------------------- */

/*
 * Message handler for every protected call into a rule: make the message
 * start with "<full path>:<line>: ", using the line Lua already put there
 * or the innermost frame that runs in the rule file (errors raised from C
 * API functions carry no position of their own).
 */
static int message_handler(lua_State *L)
{
    struct cv_lua_rule *r = rule_of(L);
    const char *msg = lua_tostring(L, 1);
    lua_Debug ar;
    int line = -1;
    size_t sl;

    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline <= 0 || strcmp(ar.source, r->chunkname))
            continue;
        sl = strlen(ar.short_src);
        if (!strncmp(msg, ar.short_src, sl) && msg[sl] == ':' && msg[sl + 1] >= '0' &&
            msg[sl + 1] <= '9') {
            /* Lua located it already (maybe with a shortened path): keep its line */
            const char *rest = msg + sl + 1;
            line = 0;
            while (*rest >= '0' && *rest <= '9')
                line = line * 10 + (*rest++ - '0');
            if (*rest == ':')
                rest++;
            while (*rest == ' ')
                rest++;
            msg = rest;
        } else {
            line = ar.currentline;
        }
        break;
    }
    if (line >= 0)
        lua_pushfstring(L, "%s:%d: %s", r->path, line, msg);
    else if (!cv_starts_with(msg, r->path))
        lua_pushfstring(L, "%s: %s", r->path, msg);
    else
        lua_pushstring(L, msg);
    return 1;
}

/* Call the function below nargs arguments on the stack under the message
 * handler.  LUA_OK, or an error code with the message on the stack. */
static int protected_call(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs;
    int rc;

    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    rc = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return rc;
}

/* --- sandbox ----------------------------------------------------------------- */

static int safe_load(lua_State *L)
{
    size_t len;
    const char *chunk = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    int env = !lua_isnone(L, 4);

    /* Text only: binary chunks can break the VM's memory safety. */
    if (luaL_loadbufferx(L, chunk, len, name, "t") != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1))
            lua_pop(L, 1);
    }
    return 1;
}

/*
 * Lua runs two kinds of rule code with hooks off, out of reach of the
 * instruction limit: finalizers, and the message handler of an error
 * raised by a hook (the limit's own).  So metatables may not carry __gc
 * (Lua only honours a __gc present when setmetatable is called), and
 * xpcall calls its handler once the error has unwound.
 */
static int safe_setmetatable(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, lua_type(L, 2) == LUA_TNIL || lua_type(L, 2) == LUA_TTABLE, 2,
                     "nil or table");
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc finalizers are not allowed in rules");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));   /* the real setmetatable */
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int safe_xpcall(lua_State *L)
{
    int n = lua_gettop(L);

    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);                     /* f msgh true f args... */
    if (lua_pcall(L, n - 2, LUA_MULTRET, 0) == LUA_OK)
        return lua_gettop(L) - 2;            /* true, results... */
    lua_pushvalue(L, 2);
    lua_insert(L, -2);
    lua_pcall(L, 1, 1, 0);                   /* msgh(error), or the handler's error */
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

static int sandbox_print(lua_State *L)
{
    struct cv_lua_rule *r = rule_of(L);
    luaL_Buffer b;
    int n = lua_gettop(L);

    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    if (r->page)
        cv_page_log(r->page, CV_LOG_INFO, "%s", lua_tostring(L, -1));
    else
        fprintf(stderr, "carvest: %s: %s\n", r->path, lua_tostring(L, -1));
    return 0;
}

static int strict_index(lua_State *L)
{
    return luaL_error(L, "undefined global '%s'", lua_tostring(L, 2));
}

static int strict_newindex(lua_State *L)
{
    return luaL_error(L, "assignment to undeclared global '%s' (use 'local')", lua_tostring(L, 2));
}

/* rawset() once globals are locked: anything but the global table. */
static int locked_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_pushglobaltable(L);
    if (lua_rawequal(L, 1, -1))
        return luaL_error(L, "rawset on the global table: globals are locked (use 'local')");
    lua_pop(L, 1);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* After the rule file has run, its globals are fixed: reading an unknown
 * one or creating one is an error (a typo, most of the time). */
static void lock_globals(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_pushcfunction(L, locked_rawset);
    lua_setfield(L, -2, "rawset");
    lua_newtable(L);
    lua_pushcfunction(L, strict_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, strict_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}

static void open_safe_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},
        {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    static const char *const removed[] = {
        "dofile", "loadfile", "collectgarbage", "require", "warn",
    };

    for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_pushcfunction(L, safe_load);
    lua_setglobal(L, "load");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, safe_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, safe_xpcall);
    lua_setglobal(L, "xpcall");
    lua_pushcfunction(L, sandbox_print);
    lua_setglobal(L, "print");
    /* string.dump makes bytecode; the string metatable must stay ours. */
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* --- JSON <-> Lua ---------------------------------------------------------- */

static void push_null(lua_State *L)
{
    lua_pushlightuserdata(L, NULL);
}

static void push_json(lua_State *L, json_t *v, int depth)
{
    const char *key;
    json_t *item;
    size_t i;

    if (depth > JSON_MAX_DEPTH)
        luaL_error(L, "JSON nested too deeply");
    luaL_checkstack(L, 4, "JSON nested too deeply");
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        lua_createtable(L, 0, (int)json_object_size(v));
        json_object_foreach(v, key, item) {
            if (json_is_null(item))
                continue;   /* absent and null read the same in Lua */
            push_json(L, item, depth + 1);
            lua_setfield(L, -2, key);
        }
        break;
    case JSON_ARRAY:
        lua_createtable(L, (int)json_array_size(v), 0);
        json_array_foreach(v, i, item) {
            if (json_is_null(item))
                push_null(L);   /* keep positions: cv.null */
            else
                push_json(L, item, depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(v));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(v));
        break;
    case JSON_TRUE:
        lua_pushboolean(L, 1);
        break;
    case JSON_FALSE:
        lua_pushboolean(L, 0);
        break;
    case JSON_NULL:
        lua_pushnil(L);
        break;
    }
}

static void push_json_or_nil(lua_State *L, json_t *v)
{
    if (v)
        push_json(L, v, 0);
    else
        lua_pushnil(L);
}

/* A C allocation anchored on the Lua stack: if converting it raises an
 * error (JSON nested too deeply, the memory limit), the GC frees it. */
struct box {
    void *ptr;
    void (*release)(void *);
};

static int box_gc(lua_State *L)
{
    struct box *b = luaL_checkudata(L, 1, BOX_MT);

    if (b->ptr)
        b->release(b->ptr);
    b->ptr = NULL;
    return 0;
}

static struct box *push_box(lua_State *L, void (*release)(void *))
{
    struct box *b = lua_newuserdatauv(L, sizeof(*b), 0);

    b->ptr = NULL;
    b->release = release;
    luaL_setmetatable(L, BOX_MT);
    return b;
}

/* Free now what the box holds; the box itself stays until collected. */
static void box_done(struct box *b)
{
    if (b->ptr)
        b->release(b->ptr);
    b->ptr = NULL;
}

static void release_json(void *v)
{
    json_decref(v);
}

/* --- page and node objects ---------------------------------------------------- */

/* The page a page/node handle belongs to, if it is still being extracted. */
static struct cv_page *live_page(lua_State *L, unsigned long id)
{
    struct cv_lua_rule *r = rule_of(L);

    if (!r->page || r->page->id != id)
        luaL_error(L, "page or node used after its extract() call returned");
    return r->page;
}

static struct cv_page *check_page(lua_State *L, int idx)
{
    struct lpage *lp = luaL_checkudata(L, idx, PAGE_MT);

    return live_page(L, lp->id);
}

static struct cv_node *check_node(lua_State *L, int idx, struct cv_page **page)
{
    struct lnode *ln = luaL_checkudata(L, idx, NODE_MT);

    *page = live_page(L, ln->page_id);
    return ln->node;
}

/* Raise the page's error (set by the call just made) as a Lua error. */
static int raise_page_error(lua_State *L, struct cv_page *p, const char *fallback)
{
    return luaL_error(L, "%s", p->error ? p->error : fallback);
}

static void push_node(lua_State *L, struct cv_page *p, struct cv_node *n)
{
    struct lnode *ln;

    if (!n) {
        lua_pushnil(L);
        return;
    }
    ln = lua_newuserdatauv(L, sizeof(*ln), 0);
    ln->page_id = p->id;
    ln->node = n;
    luaL_setmetatable(L, NODE_MT);
}

static void push_nodes(lua_State *L, struct cv_page *p, const struct cv_nodes *list)
{
    lua_createtable(L, (int)list->count, 0);
    for (size_t i = 0; i < list->count; i++) {
        push_node(L, p, list->items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static void push_opt_string(lua_State *L, const char *s)
{
    if (s)
        lua_pushstring(L, s);
    else
        lua_pushnil(L);
}

/* Shared by page and node methods: scope is NULL for the page. */
static int select_all(lua_State *L, struct cv_page *p, struct cv_node *scope, int css)
{
    const char *expr = luaL_checkstring(L, 2);
    const struct cv_nodes *list = css ? cv_page_css(p, scope, expr) : cv_page_xpath(p, scope, expr);

    if (!list)
        return raise_page_error(L, p, "selection failed");
    push_nodes(L, p, list);
    return 1;
}

static int select_first(lua_State *L, struct cv_page *p, struct cv_node *scope)
{
    const char *sel = luaL_checkstring(L, 2);
    const struct cv_nodes *list = cv_page_css(p, scope, sel);

    if (!list)
        return raise_page_error(L, p, "selection failed");
    push_node(L, p, list->count ? list->items[0] : NULL);
    return 1;
}

static int xpath_string(lua_State *L, struct cv_page *p, struct cv_node *scope)
{
    const char *s = cv_page_xpath_string(p, scope, luaL_checkstring(L, 2));

    if (!s && p->error)
        return raise_page_error(L, p, "xpath failed");
    push_opt_string(L, s);
    return 1;
}

/* text([selector]): text of the scope, or of the first match inside it. */
static int text_of(lua_State *L, struct cv_page *p, struct cv_node *scope)
{
    struct cv_node *n = scope;

    if (!lua_isnoneornil(L, 2)) {
        const struct cv_nodes *list = cv_page_css(p, scope, luaL_checkstring(L, 2));
        if (!list)
            return raise_page_error(L, p, "selection failed");
        if (!list->count) {
            lua_pushnil(L);
            return 1;
        }
        n = list->items[0];
    }
    if (!n) {
        lua_pushnil(L);
        return 1;
    }
    push_opt_string(L, cv_page_text(p, n));
    return 1;
}

/* texts(selector): the text of every match, in document order. */
static int texts_of(lua_State *L, struct cv_page *p, struct cv_node *scope)
{
    const struct cv_nodes *list = cv_page_css(p, scope, luaL_checkstring(L, 2));

    if (!list)
        return raise_page_error(L, p, "selection failed");
    lua_createtable(L, (int)list->count, 0);
    for (size_t i = 0; i < list->count; i++) {
        push_opt_string(L, cv_page_text(p, list->items[i]));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int page_css(lua_State *L) { return select_all(L, check_page(L, 1), NULL, 1); }
static int page_xpath(lua_State *L) { return select_all(L, check_page(L, 1), NULL, 0); }
static int page_first(lua_State *L) { return select_first(L, check_page(L, 1), NULL); }
static int page_xpath_string(lua_State *L) { return xpath_string(L, check_page(L, 1), NULL); }
static int page_text(lua_State *L) { return text_of(L, check_page(L, 1), NULL); }
static int page_texts(lua_State *L) { return texts_of(L, check_page(L, 1), NULL); }

static int page_attr(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);
    const char *sel = luaL_checkstring(L, 2), *name = luaL_checkstring(L, 3);
    const struct cv_nodes *list = cv_page_css(p, NULL, sel);

    if (!list)
        return raise_page_error(L, p, "selection failed");
    push_opt_string(L, list->count ? cv_page_attr(p, list->items[0], name) : NULL);
    return 1;
}

static int page_jsonld(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);

    push_json_or_nil(L, cv_page_jsonld(p, luaL_optstring(L, 2, NULL)));
    return 1;
}

static int page_json_var(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);

    push_json_or_nil(L, cv_page_json_var(p, luaL_checkstring(L, 2)));
    return 1;
}

static int page_body(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);
    size_t len;
    const char *body = cv_page_body(p, &len);

    lua_pushlstring(L, body, len);
    return 1;
}

static int page_resolve(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);

    push_opt_string(L, cv_page_resolve(p, luaL_checkstring(L, 2)));
    return 1;
}

/* page:follow(href [, {source=, kind=, method=, body=, headers={...}}]) */
static int page_follow(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);
    struct cv_request req = {luaL_checkstring(L, 2), NULL, NULL, NULL, NULL, NULL};
    const char *headers[33];
    int rc;

    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_getfield(L, 3, "source");
        req.source = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
        lua_getfield(L, 3, "kind");
        req.kind = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
        lua_getfield(L, 3, "method");
        req.method = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
        lua_getfield(L, 3, "body");
        req.body = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
        lua_getfield(L, 3, "headers");
        if (!lua_isnil(L, -1)) {
            lua_Integer n;
            luaL_checktype(L, -1, LUA_TTABLE);
            n = (lua_Integer)lua_rawlen(L, -1);
            if (n > 32)
                return luaL_error(L, "follow: at most 32 headers");
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, -1, i);
                if (lua_type(L, -1) != LUA_TSTRING)
                    return luaL_error(L, "follow: headers must be \"Name: value\" strings");
                headers[i - 1] = lua_tostring(L, -1);
                lua_pop(L, 1);   /* the string stays alive in the headers table */
            }
            headers[n] = NULL;
            req.headers = headers;
        }
    }
    rc = cv_page_follow_request(p, &req);
    if (rc < 0)
        return raise_page_error(L, p, "follow failed");
    lua_pushboolean(L, rc > 0);
    return 1;
}

/* page:json(): the body read as JSON (the answer of a JSON endpoint). */
static int page_json(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);
    size_t len;
    const char *body = cv_page_body(p, &len);

    push_json_or_nil(L, cv_page_json_parse(p, body));
    (void)len;
    return 1;
}

/* Set one field from the Lua value at the top of the stack. */
static void emit_field(lua_State *L, struct cv_page *p, struct cv_record *r, const char *field)
{
    int rc = 0;

    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
        rc = cv_page_set(r, field, lua_tostring(L, -1));
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, -1)) {
            rc = cv_page_set_int(r, field, (long long)lua_tointeger(L, -1));
        } else {
            lua_Number v = lua_tonumber(L, -1);
            lua_Integer iv;
            if (lua_numbertointeger(v, &iv))
                rc = cv_page_set_int(r, field, (long long)iv);
            else
                rc = cv_page_set(r, field, lua_tostring(L, -1));
        }
        break;
    case LUA_TBOOLEAN:
        rc = cv_page_set_bool(r, field, lua_toboolean(L, -1));
        break;
    case LUA_TTABLE: {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n && !p->error; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_type(L, -1) == LUA_TSTRING)
                cv_page_add(r, field, lua_tostring(L, -1));
            else if (!lua_isnil(L, -1) && !(lua_islightuserdata(L, -1) && !lua_touserdata(L, -1)))
                cv_page_fail(p, "%s: list items must be strings, not a %s", field,
                             luaL_typename(L, -1));
            lua_pop(L, 1);
        }
        break;
    }
    case LUA_TNIL:
        break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, -1) == NULL)
            break;   /* cv.null */
        /* fall through */
    default:
        cv_page_fail(p, "field %s: a %s cannot be stored", field, luaL_typename(L, -1));
        break;
    }
    (void)rc;
}

/* page:emit{type = "vehicle", ...}.  Fields are applied in the documented
 * order so derived values (currency from a price) never depend on Lua's
 * table order; explicit ones always win. */
static int page_emit(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);
    const char *names[64];
    enum cv_record_type type;
    struct cv_record *r;
    size_t n;

    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "type");
    type = cv_record_type_from_name(lua_tostring(L, -1));
    lua_pop(L, 1);
    if (!type)
        return luaL_error(L, "emit: 'type' must be \"vehicle\", \"business\" or \"image\"");
    /* Unknown keys are the rule's typo: say which. */
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            return luaL_error(L, "emit: field names must be strings");
        }
        if (strcmp(lua_tostring(L, -1), "type") &&
            !cv_record_has_field(type, lua_tostring(L, -1))) {
            const char *bad = lua_pushfstring(L, "emit: a %s record has no field '%s'",
                                              cv_record_type_name(type), lua_tostring(L, -1));
            return luaL_error(L, "%s", bad);
        }
    }
    r = cv_page_record(p, type);
    if (!r)
        return raise_page_error(L, p, "emit failed");
    n = cv_record_field_names(type, names, sizeof(names) / sizeof(names[0]));
    if (n > sizeof(names) / sizeof(names[0]))
        return luaL_error(L, "emit: more record fields than the Lua host handles");
    for (size_t i = 1; i < n && !p->error; i++) {   /* names[0] is "type" */
        lua_getfield(L, 2, names[i]);
        emit_field(L, p, r, names[i]);
        lua_pop(L, 1);
    }
    if (p->error) {
        cv_page_discard(r);
        return raise_page_error(L, p, "emit failed");
    }
    lua_pushboolean(L, cv_page_emit(r) == 0);
    return 1;
}

static int page_log(lua_State *L)
{
    cv_page_log(check_page(L, 1), CV_LOG_INFO, "%s", luaL_checkstring(L, 2));
    return 0;
}

static int page_warn(lua_State *L)
{
    cv_page_log(check_page(L, 1), CV_LOG_WARN, "%s", luaL_checkstring(L, 2));
    return 0;
}

static int page_fail(lua_State *L)
{
    check_page(L, 1);
    return luaL_error(L, "%s", luaL_checkstring(L, 2));
}

static const luaL_Reg page_methods[] = {
    {"css", page_css}, {"first", page_first}, {"xpath", page_xpath},
    {"xpath_string", page_xpath_string}, {"text", page_text}, {"texts", page_texts},
    {"attr", page_attr}, {"jsonld", page_jsonld}, {"json_var", page_json_var},
    {"body", page_body}, {"json", page_json}, {"resolve", page_resolve}, {"follow", page_follow},
    {"emit", page_emit}, {"log", page_log}, {"warn", page_warn}, {"fail", page_fail},
    {NULL, NULL},
};

/* page.url, page.kind, page.status, page.source; methods otherwise. */
static int page_index(lua_State *L)
{
    struct cv_page *p = check_page(L, 1);
    const char *key = luaL_checkstring(L, 2);

    if (!strcmp(key, "url"))
        lua_pushstring(L, p->url);
    else if (!strcmp(key, "kind"))
        lua_pushstring(L, p->kind);
    else if (!strcmp(key, "status"))
        lua_pushinteger(L, p->status);
    else if (!strcmp(key, "source"))
        lua_pushstring(L, p->src ? p->src->name : "");
    else if (!strcmp(key, "content_type"))
        push_opt_string(L, p->content_type);
    else {
        lua_getmetatable(L, 1);
        lua_getfield(L, -1, "methods");
        lua_getfield(L, -1, key);
    }
    return 1;
}

static int node_css(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);
    return select_all(L, p, n, 1);
}

static int node_xpath(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);
    return select_all(L, p, n, 0);
}

static int node_first(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);
    return select_first(L, p, n);
}

static int node_xpath_string(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);
    return xpath_string(L, p, n);
}

static int node_text(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);
    return text_of(L, p, n);
}

static int node_texts(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);
    return texts_of(L, p, n);
}

static int node_attr(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);

    push_opt_string(L, cv_page_attr(p, n, luaL_checkstring(L, 2)));
    return 1;
}

static int node_name(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);

    push_opt_string(L, cv_page_node_name(p, n));
    return 1;
}

static int node_html(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);

    push_opt_string(L, cv_page_node_html(p, n));
    return 1;
}

static int node_json(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);

    push_json_or_nil(L, cv_page_json_attr(p, n, luaL_checkstring(L, 2)));
    return 1;
}

static int node_has_class(lua_State *L)
{
    struct cv_page *p;
    struct cv_node *n = check_node(L, 1, &p);
    const char *want = luaL_checkstring(L, 2);
    const char *cls = cv_page_attr(p, n, "class");
    size_t wl = strlen(want);
    int found = 0;

    for (const char *c = cls; c && *c && wl;) {
        size_t len;
        while (*c && cv_space_len(c) == 1)
            c++;
        len = strcspn(c, " \t\r\n\f");
        if (len == wl && !memcmp(c, want, wl)) {
            found = 1;
            break;
        }
        c += len;
    }
    lua_pushboolean(L, found);
    return 1;
}

static int node_eq(lua_State *L)
{
    struct lnode *a = luaL_checkudata(L, 1, NODE_MT), *b = luaL_checkudata(L, 2, NODE_MT);

    lua_pushboolean(L, a->node == b->node && a->page_id == b->page_id);
    return 1;
}

static int node_tostring(lua_State *L)
{
    struct lnode *ln = luaL_checkudata(L, 1, NODE_MT);

    lua_pushfstring(L, "node: %p", (void *)ln->node);
    return 1;
}

static const luaL_Reg node_methods[] = {
    {"css", node_css}, {"first", node_first}, {"xpath", node_xpath},
    {"xpath_string", node_xpath_string}, {"text", node_text}, {"texts", node_texts},
    {"attr", node_attr}, {"name", node_name}, {"html", node_html}, {"json", node_json},
    {"has_class", node_has_class},
    {NULL, NULL},
};

static void register_types(lua_State *L)
{
    luaL_newmetatable(L, PAGE_MT);
    luaL_newlib(L, page_methods);
    lua_setfield(L, -2, "methods");
    lua_pushcfunction(L, page_index);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);

    luaL_newmetatable(L, NODE_MT);
    luaL_newlib(L, node_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, node_eq);
    lua_setfield(L, -2, "__eq");
    lua_pushcfunction(L, node_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);

    luaL_newmetatable(L, BOX_MT);
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* --- the cv library --------------------------------------------------------- */

static int cv_price(lua_State *L)
{
    struct cv_price pr;

    if (lua_isnoneornil(L, 1) || cv_parse_price(luaL_checkstring(L, 1), &pr) != 1) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, pr.amount);
    push_opt_string(L, pr.currency[0] ? pr.currency : NULL);
    if (!pr.original_currency[0])
        return 2;
    lua_pushinteger(L, pr.original_amount);
    lua_pushstring(L, pr.original_currency);
    return 4;
}

static int cv_mileage(lua_State *L)
{
    struct cv_mileage m;
    int found;

    if (lua_isnoneornil(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    found = cv_parse_mileage(luaL_checkstring(L, 1), &m) == 1;
    if (found)
        lua_pushinteger(L, m.value);
    else
        lua_pushnil(L);
    push_opt_string(L, found ? m.unit : NULL);
    lua_pushboolean(L, m.tmu);
    return 3;
}

static int cv_title(lua_State *L)
{
    struct cv_title t;

    cv_parse_title(luaL_checkstring(L, 1), luaL_optstring(L, 2, NULL), &t);
    lua_createtable(L, 0, 5);
    if (t.year) {
        lua_pushinteger(L, t.year);
        lua_setfield(L, -2, "year");
    }
    if (t.make[0]) {
        lua_pushstring(L, t.make);
        lua_setfield(L, -2, "make");
    }
    if (t.model[0]) {
        lua_pushstring(L, t.model);
        lua_setfield(L, -2, "model");
    }
    if (t.trim[0]) {
        lua_pushstring(L, t.trim);
        lua_setfield(L, -2, "trim");
    }
    lua_pushboolean(L, t.no_reserve);
    lua_setfield(L, -2, "no_reserve");
    return 1;
}

static int cv_vin(lua_State *L)
{
    static const char *const kinds[] = {
        [CV_VIN_NONE] = "none", [CV_VIN_VALID] = "valid", [CV_VIN_17] = "17",
        [CV_VIN_BAD_CHECK] = "bad_check", [CV_VIN_CHASSIS] = "chassis",
    };
    enum cv_vin_kind k = cv_vin_kind(luaL_optstring(L, 1, ""));

    lua_pushstring(L, kinds[k]);
    return 1;
}

static int cv_date(lua_State *L)
{
    long long t = lua_isnoneornil(L, 1) ? -1 : cv_parse_date(luaL_checkstring(L, 1));

    if (t == -1)
        lua_pushnil(L);
    else
        lua_pushinteger(L, t);
    return 1;
}

/* The ISO 3166 alpha-2 code of a country named in English, in a native
 * spelling, or by its codes ("Belgium", "England", "DEU"), or nil. */
static int cv_country(lua_State *L)
{
    const char *code = lua_isnoneornil(L, 1) ? NULL : cv_country_code(luaL_checkstring(L, 1));

    push_opt_string(L, code);
    return 1;
}

/* The code of a US state or Canadian province ("Missouri", "ON") and its
 * country's code, or nil. */
static int cv_region(lua_State *L)
{
    const char *country = NULL;
    const char *code = lua_isnoneornil(L, 1) ? NULL
                     : cv_region_code(luaL_checkstring(L, 1), &country);

    if (!code) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, code);
    push_opt_string(L, country);
    return 2;
}

static int cv_regex(lua_State *L)
{
    const char *subject = luaL_checkstring(L, 1), *pattern = luaL_checkstring(L, 2);
    regmatch_t m[10];
    regex_t re;
    int rc = regcomp(&re, pattern, REG_EXTENDED);
    size_t groups;

    if (rc) {
        char err[256];
        regerror(rc, &re, err, sizeof(err));
        return luaL_error(L, "bad regular expression '%s': %s", pattern, err);
    }
    groups = re.re_nsub < 9 ? re.re_nsub : 9;
    rc = regexec(&re, subject, 10, m, 0);
    regfree(&re);
    if (rc) {
        lua_pushnil(L);
        return 1;
    }
    /* the whole match, then every group (nil when it did not take part) */
    for (size_t i = 0; i <= groups; i++) {
        if (m[i].rm_so < 0)
            lua_pushnil(L);
        else
            lua_pushlstring(L, subject + m[i].rm_so, (size_t)(m[i].rm_eo - m[i].rm_so));
    }
    return (int)groups + 1;
}

static int cv_json(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    char err[256];
    struct box *b = push_box(L, release_json);

    b->ptr = cv_json_lenient(text, len, err, sizeof(err));
    if (!b->ptr) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    push_json(L, b->ptr, 0);
    box_done(b);
    return 1;
}

static int cv_squash_text(lua_State *L)
{
    const char *text = luaL_checkstring(L, 1);
    struct box *b = push_box(L, cv_free);

    b->ptr = cv_squash(text);
    if (!b->ptr)
        return luaL_error(L, "not enough memory");
    lua_pushstring(L, b->ptr);
    box_done(b);
    return 1;
}

static int cv_url_join(lua_State *L)
{
    const char *base = luaL_checkstring(L, 1), *href = luaL_checkstring(L, 2);
    struct box *b = push_box(L, cv_free);
    char *abs = cv_url_resolve(base, href);

    b->ptr = abs ? cv_url_canonical(abs, NULL) : NULL;
    cv_free(abs);
    push_opt_string(L, b->ptr);
    box_done(b);
    return 1;
}

static const luaL_Reg cv_lib[] = {
    {"price", cv_price}, {"mileage", cv_mileage}, {"title", cv_title}, {"vin_kind", cv_vin},
    {"date", cv_date}, {"country", cv_country}, {"region", cv_region}, {"regex", cv_regex}, {"json", cv_json}, {"squash", cv_squash_text},
    {"url_join", cv_url_join}, {"log", sandbox_print},
    {NULL, NULL},
};

static void open_cv(lua_State *L)
{
    luaL_newlib(L, cv_lib);
    push_null(L);
    lua_setfield(L, -2, "null");
    lua_pushstring(L, PACKAGE_VERSION);
    lua_setfield(L, -2, "version");
    lua_setglobal(L, "cv");
}

/* --- loading ------------------------------------------------------------------- */

static int read_file(const char *path, char **out, size_t *len, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n;

    if (!f) {
        snprintf(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    buf = cv_malloc(RULE_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    n = fread(buf, 1, RULE_MAX_BYTES + 1, f);
    fclose(f);
    if (n > RULE_MAX_BYTES) {
        cv_free(buf);
        snprintf(errbuf, errlen, "%s: larger than %d bytes", path, RULE_MAX_BYTES);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* tbl[key] without metamethods: the host reads the rule's table outside
 * any protected call, where a rule's __index must not run. */
static int raw_field(lua_State *L, int tbl, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, tbl);
}

static int string_list(lua_State *L, int tbl, const char *key, struct cv_strlist *out,
                       const char *path, char *errbuf, size_t errlen)
{
    int rc = 0;

    raw_field(L, tbl, key);
    if (lua_isnil(L, -1))
        goto out;
    if (!lua_istable(L, -1)) {
        snprintf(errbuf, errlen, "%s: rule table: '%s' must be a list of strings", path, key);
        rc = -1;
        goto out;
    }
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
        lua_rawgeti(L, -1, i);
        if (lua_type(L, -1) != LUA_TSTRING) {
            snprintf(errbuf, errlen, "%s: rule table: '%s' item %d is not a string", path, key, (int)i);
            lua_pop(L, 1);
            rc = -1;
            goto out;
        }
        if (cv_strlist_add(out, lua_tostring(L, -1)) < 0) {
            snprintf(errbuf, errlen, "out of memory");
            lua_pop(L, 1);
            rc = -1;
            goto out;
        }
        lua_pop(L, 1);
    }
out:
    lua_pop(L, 1);
    return rc;
}

static int opt_string(lua_State *L, int tbl, const char *key, char **out, const char *dflt,
                      const char *path, char *errbuf, size_t errlen)
{
    int rc = 0;

    raw_field(L, tbl, key);
    if (lua_isnil(L, -1)) {
        *out = dflt ? cv_strdup(dflt) : NULL;
    } else if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
        *out = cv_strdup(lua_tostring(L, -1));
    } else {
        snprintf(errbuf, errlen, "%s: rule table: '%s' must be a string", path, key);
        rc = -1;
    }
    if (rc == 0 && !*out && dflt) {
        snprintf(errbuf, errlen, "out of memory");
        rc = -1;
    }
    lua_pop(L, 1);
    return rc;
}

/* Check the table a rule file returns and copy it into the entry. */
static int read_registration(struct cv_lua_rule *r, struct cv_source_entry *e,
                             char *errbuf, size_t errlen)
{
    static const char *const known[] = {
        "name", "version", "description", "claims", "fingerprints", "start_urls",
        "delay_ms", "extract",
    };
    lua_State *L = r->L;
    int tbl = lua_gettop(L);

    if (!lua_istable(L, tbl)) {
        snprintf(errbuf, errlen, "%s: the rule file must return a table (return { name = ..., "
                 "extract = function(page) ... end })", r->path);
        return -1;
    }
    lua_pushnil(L);
    while (lua_next(L, tbl)) {
        int ok = 0;
        lua_pop(L, 1);
        for (size_t i = 0; lua_type(L, -1) == LUA_TSTRING && i < sizeof(known) / sizeof(known[0]); i++)
            ok |= !strcmp(lua_tostring(L, -1), known[i]);
        if (!ok) {
            if (lua_type(L, -1) == LUA_TSTRING)
                snprintf(errbuf, errlen, "%s: rule table: unknown field '%s'", r->path,
                         lua_tostring(L, -1));
            else
                snprintf(errbuf, errlen, "%s: rule table: unexpected %s key (fields are "
                         "name = value)", r->path, luaL_typename(L, -1));
            lua_pop(L, 1);
            return -1;
        }
    }
    if (opt_string(L, tbl, "name", &e->name, NULL, r->path, errbuf, errlen) < 0)
        return -1;
    if (!e->name || !*e->name || strspn(e->name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(e->name) ||
        strlen(e->name) > 64) {
        snprintf(errbuf, errlen, "%s: rule table: 'name' must be a string of a-z, 0-9 and '-'", r->path);
        return -1;
    }
    if (opt_string(L, tbl, "version", &e->version, "0", r->path, errbuf, errlen) < 0 ||
        opt_string(L, tbl, "description", &e->description, "", r->path, errbuf, errlen) < 0 ||
        string_list(L, tbl, "claims", &e->claims, r->path, errbuf, errlen) < 0 ||
        string_list(L, tbl, "fingerprints", &e->fingerprints, r->path, errbuf, errlen) < 0 ||
        string_list(L, tbl, "start_urls", &e->start_urls, r->path, errbuf, errlen) < 0)
        return -1;
    raw_field(L, tbl, "delay_ms");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 86400000) {
            snprintf(errbuf, errlen, "%s: rule table: 'delay_ms' must be a whole number of ms", r->path);
            lua_pop(L, 1);
            return -1;
        }
        e->delay_ms = (unsigned)lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    raw_field(L, tbl, "extract");
    if (!lua_isfunction(L, -1)) {
        snprintf(errbuf, errlen, "%s: rule table: 'extract' must be a function(page)", r->path);
        lua_pop(L, 1);
        return -1;
    }
    r->extract_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

struct cv_lua_rule *cv_lua_load(const char *path, const struct cv_lua_limits *lim,
                                struct cv_source_entry *e, char *errbuf, size_t errlen)
{
    struct cv_lua_rule *r = cv_calloc(1, sizeof(*r));
    char *src = NULL;
    size_t len;
    int rc;

    if (!r) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    r->extract_ref = LUA_NOREF;
    r->ilimit = lim->instructions;
    r->mem_per_page = lim->memory;
    r->limit = (size_t)lim->memory;
    r->path = cv_strdup(path);
    r->chunkname = cv_malloc(strlen(path) + 2);
    if (!r->path || !r->chunkname) {
        snprintf(errbuf, errlen, "out of memory");
        goto fail;
    }
    sprintf(r->chunkname, "@%s", path);
    if (read_file(path, &src, &len, errbuf, errlen) < 0)
        goto fail;
    r->L = lua_newstate(rule_alloc, r);
    if (!r->L) {
        snprintf(errbuf, errlen, "out of memory");
        goto fail;
    }
    *(struct cv_lua_rule **)lua_getextraspace(r->L) = r;
    open_safe_libs(r->L);
    register_types(r->L);
    open_cv(r->L);
    arm_limits(r);
    rc = luaL_loadbufferx(r->L, src, len, r->chunkname, "t");
    if (rc == LUA_OK)
        rc = protected_call(r->L, 0, 1);
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(r->L, -1);
        /* Syntax errors come with Lua's shortened path; show the real one. */
        snprintf(errbuf, errlen, "%s", msg ? msg : "error while loading the rule");
        if (rc == LUA_ERRMEM && r->over_limit) {
            snprintf(errbuf, errlen, "%s: memory limit exceeded while loading (%ld bytes, "
                     "see --lua-memory)", path, r->mem_per_page);
        } else if (msg && !cv_starts_with(msg, path)) {
            const char *colon = strstr(msg, ".lua:");
            snprintf(errbuf, errlen, "%s%s", colon ? path : "", colon ? colon + 4 : msg);
        }
        disarm_limits(r);
        goto fail;
    }
    disarm_limits(r);
    if (read_registration(r, e, errbuf, errlen) < 0)
        goto fail;
    lua_settop(r->L, 0);
    lock_globals(r->L);
    cv_free(src);
    return r;
fail:
    cv_free(src);
    cv_lua_free(r);
    return NULL;
}

void cv_lua_free(struct cv_lua_rule *r)
{
    if (!r)
        return;
    if (r->L)
        lua_close(r->L);
    cv_free(r->path);
    cv_free(r->chunkname);
    cv_free(r);
}

int cv_lua_extract(struct cv_lua_rule *r, struct cv_page *page)
{
    lua_State *L = r->L;
    struct lpage *lp;
    int rc;

    lua_settop(L, 0);
    r->page = page;
    arm_limits(r);
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->extract_ref);
    lp = lua_newuserdatauv(L, sizeof(*lp), 0);
    lp->id = page->id;
    luaL_setmetatable(L, PAGE_MT);
    rc = protected_call(L, 1, 0);
    disarm_limits(r);
    r->page = NULL;
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        char mem[1024];
        /* Memory errors skip the message handler: say which limit it was. */
        if (rc == LUA_ERRMEM && r->over_limit) {
            snprintf(mem, sizeof(mem), "%s: memory limit exceeded (%ld bytes per page, "
                     "see --lua-memory)", r->path, r->mem_per_page);
            msg = mem;
        }
        /* The located message replaces whatever the page recorded first. */
        cv_free(page->error);
        page->error = cv_strdup(msg ? msg : "Lua error");
        if (!page->error)
            page->error = cv_strdup("out of memory");
    }
    lua_settop(L, 0);
    return page->error ? -1 : 0;
}
