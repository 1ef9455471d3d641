/* SPDX-License-Identifier: MIT */
/*
 * M7 over HTTP:
 *   GET  /api/v1/cylinder-types               the types and their rules (any login)
 *   GET|POST /api/v1/stations, GET|PATCH /api/v1/stations/{uscc}      filling stations
 *   GET|POST /api/v1/fillers,  GET|PATCH /api/v1/fillers/{id}         certified fillers
 *   GET|POST /api/v1/cylinders, GET|PATCH /api/v1/cylinders/{code}, .../qr.svg
 *   POST /api/v1/fillings/check               the scanner's question (read only, on the event
 *                                             thread; its answer is logged in the background)
 *   POST /api/v1/fillings                     one filling, durable before its 201
 *   POST /api/v1/fillings/batch               an offline scanner's upload, judged per item
 *   GET  /api/v1/fillings, /api/v1/filling-checks   what was filled, what was asked
 *   GET  /api/v1/public/cylinders/{code}      扫码查瓶, no login
 * Stations and fillers are the bureau's to register; cylinders the bureau's or the owning
 * station's. A station account (its scanner's API token) acts for the station it is bound to
 * and sees its own rows only; county staff see their county.
 */
#include "cylinders/cylinders.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/qr.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "http/list.h"
#include "http/module.h"
#include "http/router.h"
#include "http/server.h"
#include "refdata/refdata.h"
#include "registry/registry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cylinders_demo(struct db *w, struct demo *d);

#define ROLES_SEE (ROLE_BUREAU | ROLE_STATION)
#define ROLES_MANAGE ROLE_BUREAU

/* A refusal decided inside the transaction, answered after it is rolled back. */
struct refusal {
    int err;
    const char *code, *message, *field;
};

static int refuse(struct refusal *r, int err, const char *code, const char *message,
                  const char *field)
{
    *r = (struct refusal){err, code, message, field};
    return err;
}

static int answer(struct resp *resp, struct refusal *r, int rc)
{
    if (rc && r->err == rc)
        return reply_error(resp, rc, r->code, r->message, r->field);
    return rc;
}

static const char *text_of(json_t *v, const char *name)
{
    return json_string_value(json_object_get(v, name));
}

static int is_station(const struct req *req)
{
    return req->user && req->user->role == ROLE_STATION;
}

/* Upper-cases the string member name of v in place (codes). */
static void upper_member(json_t *v, const char *name)
{
    const char *s = text_of(v, name);
    if (!s)
        return;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *c = buf; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    json_object_set_new(v, name, json_string(buf));
}

static int audit(struct db *w, struct req *req, const char *action, const char *object,
                 const char *detail)
{
    return audit_record_as(w, req->user, req->ip, action, object, detail);
}

/* Adds the flags judged against today to a record's JSON: an expiry passed, an inspection
 * overdue, a service life exceeded (the rules of cylinders.h). */
static void flag_before_today(json_t *o, const char *date_member, const char *flag)
{
    const char *s = text_of(o, date_member);
    int32_t d;
    json_object_set_new(o, flag,
                        json_boolean(s && !date_parse(s, strlen(s), &d) && date_today() > d));
}

/* ---- cylinder types ---- */

static const struct list_filter type_filters[] = {{"medium"}, {NULL}};
static const struct list_sort type_sorts[] = {{"code", "t.code"}, {NULL, NULL}};

static const struct list_def types_list = {
    .rec = &cylinder_type_rec,
    .order = "t.code",
    .filename = "气瓶型号",
    .filters = type_filters,
    .sorts = type_sorts,
    .count_cap = -1,
};

/* ---- stations ---- */

/* The media of a station: a non-empty array of distinct known codes. */
static int media_ok(json_t *media, const char **msg)
{
    size_t i, j;
    json_t *x, *y;
    if (!json_is_array(media) || json_array_size(media) == 0 || json_array_size(media) > 7) {
        *msg = "许可充装介质须为非空数组，如 [\"LPG\"]";
        return ERR_INVALID;
    }
    json_array_foreach(media, i, x)
    {
        const char *m = json_string_value(x);
        int known = 0;
        for (const struct enum_value *e = cylinder_media; m && e->value; e++)
            known |= !strcmp(e->value, m);
        if (!known) {
            *msg = "未知的充装介质（可选 LPG、O2、N2、Ar、CO2、CNG、C2H2）";
            return ERR_INVALID;
        }
        json_array_foreach(media, j, y) if (j < i && json_equal(x, y))
        {
            *msg = "许可充装介质重复";
            return ERR_INVALID;
        }
    }
    return 0;
}

static void station_decorate(struct req *req, json_t *o)
{
    (void)req;
    flag_before_today(o, "licence_expires", "licence_expired");
}

static int parse_medium_member(const char *text, json_t **out, char *msg, size_t cap)
{
    for (const struct enum_value *e = cylinder_media; e->value; e++)
        if (!strcmp(e->value, text)) {
            if (out) {
                char quoted[16];
                snprintf(quoted, sizeof quoted, "\"%s\"", text);
                *out = json_string(quoted);
            }
            return 0;
        }
    snprintf(msg, cap, "未知的充装介质：%s", text);
    return ERR_INVALID;
}

/* Narrows a list to the caller's data: a station account to its station (column, a fixed
 * fragment such as " AND c.station = ?"), county staff to their county. */
static int scope(struct req *req, struct resp *resp, struct list_query *q, const char *column)
{
    if (is_station(req)) {
        list_where(q, column);
        return list_bind_text(q, req->user->entity) ? ERR_INTERNAL : 0;
    }
    const char *own = scope_region(req->user), *region = list_value(q, "region");
    if (!own)
        return 0;
    if (region && strcmp(region, own))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的数据", "region");
    list_set(q, "region", own);
    return 0;
}

static int stations_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    return scope(req, resp, q, " AND s.uscc = ?");
}

#define EXPIRED(col) LIST_TODAY_FLAG(col " < " LIST_TODAY)

static const struct list_filter station_filters[] = {
    {"region", NULL, NULL, refdata_parse_region},
    {"medium", " AND instr(s.media, ?) > 0", NULL, parse_medium_member},
    {"expired", EXPIRED("s.licence_expires"), NULL, list_parse_today_flag},
    {NULL},
};
static const struct list_sort station_sorts[] = {
    {"uscc", "s.uscc"}, {"licence_expires", "s.licence_expires"}, {NULL, NULL}};

static const struct list_def stations_list = {
    .rec = &cylinder_station_rec,
    .order = "s.uscc",
    .filename = "充装单位",
    .filters = station_filters,
    .sorts = station_sorts,
    .prepare = stations_prepare,
    .decorate = station_decorate,
};

/* Reads station uscc as p may see it; refuses into r otherwise. */
static int station_read(struct db *db, struct req *req, const char *uscc, json_t **out,
                        struct refusal *r)
{
    if (is_station(req) && strcmp(req->user->entity, uscc))
        return refuse(r, ERR_NOTFOUND, "not_found", "未找到该充装单位", NULL);
    int rc = rec_get(db, &cylinder_station_rec, uscc, out);
    if (rc == ERR_NOTFOUND)
        return refuse(r, rc, "not_found", "未找到该充装单位", NULL);
    if (!rc && scope_allows(req->user, text_of(*out, "region"))) {
        json_decref(*out);
        *out = NULL;
        return refuse(r, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的充装单位", NULL);
    }
    if (!rc)
        station_decorate(req, *out);
    return rc;
}

static int station_get(struct req *req, struct resp *resp)
{
    char uscc[20];
    snprintf(uscc, sizeof uscc, "%s", req_param(req, "uscc"));
    for (char *c = uscc; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    struct refusal r = {0};
    json_t *o = NULL;
    int rc = station_read(db_read(), req, uscc, &o, &r);
    return rc ? answer(resp, &r, rc) : reply_json(resp, 200, o);
}

static int station_create(struct req *req, struct resp *resp)
{
    json_t *v = json_deep_copy(req->json);
    upper_member(v, "uscc");
    const char *uscc = text_of(v, "uscc"), *msg;
    struct refusal r = {0};
    json_t *o = NULL;
    char region[16];
    int rc = 0;
    if (media_ok(json_object_get(v, "media"), &msg))
        rc = refuse(&r, ERR_INVALID, "validation_failed", msg, "media");
    struct db *w = rc ? NULL : db_write_begin();
    if (!rc && !w)
        rc = ERR_DB;
    if (!rc) {
        rc = registry_region_of(w, uscc, region);
        if (rc == ERR_NOTFOUND)
            rc = refuse(&r, ERR_INVALID, "unknown_entity",
                        "该统一社会信用代码不在市场主体库中，请先登记市场主体", "uscc");
    }
    if (!rc && scope_allows(req->user, region))
        rc = refuse(&r, ERR_FORBIDDEN, "forbidden", "只能登记本辖区的充装单位", "uscc");
    if (!rc) {
        json_object_set_new(v, "region", json_string(region));
        json_object_set_new(v, "created_at", json_integer(time_now()));
        rc = rec_insert(w, &cylinder_station_rec, v);
        if (rc == ERR_CONFLICT)
            rc = refuse(&r, rc, "duplicate",
                        "该单位已登记为充装单位，或充装许可证编号已被其他单位使用", "uscc");
    }
    char object[32];
    snprintf(object, sizeof object, "station:%s", uscc);
    if (!rc) {
        char *detail = json_dumps(req->json, JSON_COMPACT | JSON_SORT_KEYS);
        rc = audit(w, req, "station.create", object, detail);
        free(detail);
    }
    if (!rc)
        rc = station_read(w, req, uscc, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return answer(resp, &r, rc);
    }
    return reply_json(resp, 201, o);
}

static int station_patch(struct req *req, struct resp *resp)
{
    char uscc[20];
    snprintf(uscc, sizeof uscc, "%s", req_param(req, "uscc"));
    for (char *c = uscc; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    struct refusal r = {0};
    json_t *before = NULL, *o = NULL;
    const char *msg;
    int rc = 0;
    if (!field_any_given(cylinder_station_fields, req->json))
        return reply_error(resp, ERR_INVALID, "validation_failed", "没有要修改的字段", NULL);
    json_t *media = json_object_get(req->json, "media");
    if (media && media_ok(media, &msg))
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, "media");
    struct db *w = db_write_begin();
    rc = w ? station_read(w, req, uscc, &before, &r) : ERR_DB;
    char object[32];
    snprintf(object, sizeof object, "station:%s", uscc);
    if (!rc) {
        rc = audit_update(w, req->user, req->ip, &cylinder_station_rec, uscc, req->json, before,
                          "station.update", object);
        if (rc == ERR_CONFLICT)
            rc = refuse(&r, rc, "duplicate", "充装许可证编号已被其他单位使用", "licence_no");
    }
    if (!rc)
        rc = station_read(w, req, uscc, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(before);
    if (rc) {
        json_decref(o);
        return answer(resp, &r, rc);
    }
    return reply_json(resp, 200, o);
}

/* ---- fillers ---- */

static void filler_decorate(struct req *req, json_t *o)
{
    (void)req;
    flag_before_today(o, "cert_expires", "cert_expired");
}

static int fillers_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    return scope(req, resp, q, " AND f.station = ?");
}

static const struct list_filter filler_filters[] = {
    {"station"}, {"region", NULL, NULL, refdata_parse_region},
    {"active"},  {"expired", EXPIRED("f.cert_expires"), NULL, list_parse_today_flag},
    {NULL},
};
static const struct list_sort filler_sorts[] = {
    {"id", "f.id"}, {"cert_expires", "f.cert_expires"}, {NULL, NULL}};

static const struct list_def fillers_list = {
    .rec = &cylinder_filler_rec,
    .order = "f.id",
    .filename = "充装人员",
    .filters = filler_filters,
    .sorts = filler_sorts,
    .prepare = fillers_prepare,
    .decorate = filler_decorate,
};

static int filler_read(struct db *db, struct req *req, int64_t id, json_t **out, struct refusal *r)
{
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, id);
    int rc = rec_get(db, &cylinder_filler_rec, key, out);
    if (rc == ERR_NOTFOUND ||
        (!rc && is_station(req) && strcmp(req->user->entity, text_of(*out, "station")))) {
        if (!rc)
            json_decref(*out);
        *out = NULL;
        return refuse(r, ERR_NOTFOUND, "not_found", "未找到该充装人员", NULL);
    }
    if (!rc && scope_allows(req->user, text_of(*out, "region"))) {
        json_decref(*out);
        *out = NULL;
        return refuse(r, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的充装人员", NULL);
    }
    if (!rc)
        filler_decorate(req, *out);
    return rc;
}

static int filler_get(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = req_id_or_reply(req, resp, "id", "未找到该充装人员", &id);
    if (rc)
        return rc;
    struct refusal r = {0};
    json_t *o = NULL;
    rc = filler_read(db_read(), req, id, &o, &r);
    return rc ? answer(resp, &r, rc) : reply_json(resp, 200, o);
}

/* The station a filler or cylinder names: a registered filling station p may act for. Its
 * region goes to region. */
static int station_ref(struct db *w, struct req *req, const char *uscc, char region[16],
                       struct refusal *r)
{
    if (is_station(req) && strcmp(req->user->entity, uscc))
        return refuse(r, ERR_FORBIDDEN, "forbidden", "只能为本充装单位登记", "station");
    struct db_stmt *st;
    int rc = db_prepare(w, "SELECT region FROM cylinder_stations WHERE uscc = ?", &st);
    if (!rc)
        rc = db_bind_text(st, 1, uscc, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc)
        snprintf(region, 16, "%s", db_col_text(st, 0));
    db_done(st);
    if (rc == ERR_NOTFOUND)
        return refuse(r, ERR_INVALID, "unknown_station", "该单位不是已登记的充装单位", "station");
    if (!rc && scope_allows(req->user, region))
        return refuse(r, ERR_FORBIDDEN, "forbidden", "只能登记本辖区充装单位的数据", "station");
    return rc;
}

static int filler_create(struct req *req, struct resp *resp)
{
    json_t *v = json_deep_copy(req->json), *o = NULL;
    upper_member(v, "station");
    struct refusal r = {0};
    char region[16], object[32];
    int64_t id = 0;
    struct db *w = db_write_begin();
    int rc = w ? station_ref(w, req, text_of(v, "station"), region, &r) : ERR_DB;
    if (!rc) {
        json_object_set_new(v, "region", json_string(region));
        json_object_set_new(v, "created_at", json_integer(time_now()));
        rc = rec_insert(w, &cylinder_filler_rec, v);
        if (rc == ERR_CONFLICT)
            rc = refuse(&r, rc, "duplicate", "该作业人员证编号已登记", "cert_no");
    }
    if (!rc) {
        id = db_last_id(w);
        snprintf(object, sizeof object, "filler:%" PRId64, id);
        char *detail = json_dumps(req->json, JSON_COMPACT | JSON_SORT_KEYS);
        rc = audit(w, req, "filler.create", object, detail);
        free(detail);
    }
    if (!rc)
        rc = filler_read(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return answer(resp, &r, rc);
    }
    return reply_json(resp, 201, o);
}

static int filler_patch(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = req_id_or_reply(req, resp, "id", "未找到该充装人员", &id);
    if (rc)
        return rc;
    if (!field_any_given(cylinder_filler_fields, req->json))
        return reply_error(resp, ERR_INVALID, "validation_failed", "没有要修改的字段", NULL);
    struct refusal r = {0};
    json_t *before = NULL, *o = NULL;
    char key[24], object[32];
    snprintf(key, sizeof key, "%" PRId64, id);
    struct db *w = db_write_begin();
    rc = w ? filler_read(w, req, id, &before, &r) : ERR_DB;
    snprintf(object, sizeof object, "filler:%s", key);
    if (!rc) {
        rc = audit_update(w, req->user, req->ip, &cylinder_filler_rec, key, req->json, before,
                          "filler.update", object);
        if (rc == ERR_CONFLICT)
            rc = refuse(&r, rc, "duplicate", "该作业人员证编号已登记", "cert_no");
    }
    if (!rc)
        rc = filler_read(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(before);
    if (rc) {
        json_decref(o);
        return answer(resp, &r, rc);
    }
    return reply_json(resp, 200, o);
}

/* ---- cylinders ---- */

static void cylinder_decorate(struct req *req, json_t *o)
{
    (void)req;
    flag_before_today(o, "next_inspection", "inspection_overdue");
    flag_before_today(o, "life_ends", "service_life_exceeded");
}

static int cylinders_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    return scope(req, resp, q, " AND c.station = ?");
}

static const struct list_filter cylinder_filters[] = {
    {"station"},
    {"region", NULL, NULL, refdata_parse_region},
    {"type"},
    {"status"},
    {"ownership"},
    /* ?due=1: past the inspection day and still kept (a scrapped cylinder is due nothing). */
    {"due", LIST_TODAY_FLAG("c.next_inspection < " LIST_TODAY " AND c.status <> 'scrapped'"), NULL,
     list_parse_today_flag},
    {"life_exceeded", EXPIRED("c.life_ends"), NULL, list_parse_today_flag},
    {"due_by", " AND c.next_inspection <= ?", NULL, list_parse_date},
    {NULL},
};
static const struct list_sort cylinder_sorts[] = {
    {"code", "c.code"},
    {"manufactured", "c.manufactured"},
    {"next_inspection", "c.next_inspection"},
    {"life_ends", "c.life_ends"},
    {NULL, NULL},
};

static const struct list_def cylinders_list = {
    .rec = &cylinder_rec,
    .order = "c.id",
    .filename = "气瓶",
    .filters = cylinder_filters,
    .sorts = cylinder_sorts,
    .prepare = cylinders_prepare,
    .decorate = cylinder_decorate,
};

/* The {code} path parameter, normalised; NULL when it cannot be a code. */
static const char *code_param(struct req *req)
{
    char *s = (char *)req_param(req, "code");
    return s && !cylinders_code_normalize(s) ? s : NULL;
}

static int cylinder_read(struct db *db, struct req *req, const char *code, json_t **out,
                         struct refusal *r)
{
    int rc = code ? rec_get(db, &cylinder_rec, code, out) : ERR_NOTFOUND;
    if (rc == ERR_NOTFOUND ||
        (!rc && is_station(req) && strcmp(req->user->entity, text_of(*out, "station")))) {
        if (!rc)
            json_decref(*out);
        *out = NULL;
        return refuse(r, ERR_NOTFOUND, "not_found", "未找到该气瓶", NULL);
    }
    if (!rc && scope_allows(req->user, text_of(*out, "region"))) {
        json_decref(*out);
        *out = NULL;
        return refuse(r, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的气瓶", NULL);
    }
    if (!rc)
        cylinder_decorate(req, *out);
    return rc;
}

static int cylinder_get(struct req *req, struct resp *resp)
{
    struct refusal r = {0};
    json_t *o = NULL;
    int rc = cylinder_read(db_read(), req, code_param(req), &o, &r);
    return rc ? answer(resp, &r, rc) : reply_json(resp, 200, o);
}

static int32_t day_of(json_t *v, const char *name)
{
    const char *s = text_of(v, name);
    int32_t d;
    return s && !date_parse(s, strlen(s), &d) ? d : -1;
}

/* Checks the cylinder values v (the record as it will stand) and sets its derived members
 * (region from the station, next inspection, end of life). */
static int cylinder_values(struct db *w, struct req *req, json_t *v, struct refusal *r)
{
    struct cylinder_type_rules t;
    char region[16];
    int rc = cylinders_type_rules(w, text_of(v, "type"), &t);
    if (rc == ERR_NOTFOUND)
        return refuse(r, ERR_INVALID, "unknown_type",
                      "未知的气瓶型号，请查阅 /api/v1/cylinder-types", "type");
    if (!rc)
        rc = station_ref(w, req, text_of(v, "station"), region, r);
    if (rc)
        return rc;
    int32_t made = day_of(v, "manufactured"), last = day_of(v, "last_inspection"),
            today = date_today();
    if (made > today)
        return refuse(r, ERR_INVALID, "validation_failed", "制造日期不能晚于今天", "manufactured");
    if (last >= 0 && last < made)
        return refuse(r, ERR_INVALID, "validation_failed", "上次检验日期不能早于制造日期",
                      "last_inspection");
    if (last > today)
        return refuse(r, ERR_INVALID, "validation_failed", "上次检验日期不能晚于今天",
                      "last_inspection");
    char day[DATE_LEN + 1];
    json_object_set_new(v, "region", json_string(region));
    date_format(cylinders_next_inspection(&t, made, last), day);
    json_object_set_new(v, "next_inspection", json_string(day));
    date_format(cylinders_life_ends(&t, made, last), day);
    json_object_set_new(v, "life_ends", json_string(day));
    return 0;
}

static int cylinder_create(struct req *req, struct resp *resp)
{
    json_t *v = json_deep_copy(req->json), *o = NULL;
    upper_member(v, "type");
    char code[40];
    snprintf(code, sizeof code, "%s", text_of(v, "code"));
    if (cylinders_code_normalize(code)) {
        json_decref(v);
        return reply_error(resp, ERR_INVALID, "invalid_code",
                           "气瓶编码须为 4 到 32 位字母、数字或连字符", "code");
    }
    json_object_set_new(v, "code", json_string(code));
    if (!text_of(v, "station") && is_station(req))
        json_object_set_new(v, "station", json_string(req->user->entity));
    if (!text_of(v, "station")) {
        json_decref(v);
        return reply_error(resp, ERR_INVALID, "validation_failed", "请填写产权（托管）单位",
                           "station");
    }
    upper_member(v, "station");
    struct refusal r = {0};
    struct db *w = db_write_begin();
    int rc = w ? cylinder_values(w, req, v, &r) : ERR_DB;
    if (!rc) {
        json_object_set_new(v, "created_at", json_integer(time_now()));
        rc = rec_insert(w, &cylinder_rec, v);
        if (rc == ERR_CONFLICT)
            rc = refuse(&r, rc, "duplicate", "该气瓶编码已登记", "code");
    }
    if (!rc) {
        char object[64], *detail = json_dumps(req->json, JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(object, sizeof object, "cylinder:%s", code);
        rc = audit(w, req, "cylinder.create", object, detail);
        free(detail);
    }
    if (!rc)
        rc = cylinder_read(w, req, code, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return answer(resp, &r, rc);
    }
    return reply_json(resp, 201, o);
}

static int cylinder_patch(struct req *req, struct resp *resp)
{
    const char *code = code_param(req);
    if (!field_any_given(cylinder_fields, req->json))
        return reply_error(resp, ERR_INVALID, "validation_failed", "没有要修改的字段", NULL);
    struct refusal r = {0};
    json_t *before = NULL, *o = NULL, *v = json_deep_copy(req->json), *merged = NULL;
    upper_member(v, "station");
    struct db *w = db_write_begin();
    int rc = w ? cylinder_read(w, req, code, &before, &r) : ERR_DB;
    if (!rc) {
        merged = json_deep_copy(before);
        json_object_update(merged, v);
        rc = cylinder_values(w, req, merged, &r);
    }
    if (!rc) {
        const char *derived[] = {"region", "next_inspection", "life_ends"};
        for (size_t i = 0; i < 3; i++)
            json_object_set(v, derived[i], json_object_get(merged, derived[i]));
        char object[64];
        snprintf(object, sizeof object, "cylinder:%s", code);
        rc = audit_update(w, req->user, req->ip, &cylinder_rec, code, v, before, "cylinder.update",
                          object);
    }
    if (!rc)
        rc = cylinder_read(w, req, code, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(before);
    json_decref(merged);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return answer(resp, &r, rc);
    }
    return reply_json(resp, 200, o);
}

static int cylinder_qr(struct req *req, struct resp *resp)
{
    const char *code = code_param(req);
    struct refusal r = {0};
    json_t *o = NULL;
    int rc = cylinder_read(db_read(), req, code, &o, &r);
    if (rc)
        return answer(resp, &r, rc);
    json_decref(o);
    char url[512];
    snprintf(url, sizeof url, "%s/m/cylinders/%s", server_public_url(), code);
    strbuf_reset(&resp->body);
    rc = qr_svg(url, &resp->body);
    if (rc)
        return rc;
    resp->status = 200;
    resp->content_type = "image/svg+xml";
    resp_header(resp, "Cache-Control", "private, max-age=3600");
    return 0;
}

/* ---- the check ---- */

/* The calling station's code, or a 403 (an account that is not a station's). */
static int station_or_reply(struct req *req, struct resp *resp, const char **station)
{
    if (!is_station(req) || !*req->user->entity)
        return reply_error(resp, ERR_FORBIDDEN, "not_a_station",
                           "只有绑定充装单位的充装站账号（扫码终端）可以查验和登记充装", NULL);
    *station = req->user->entity;
    return 0;
}

static int not_a_station(struct resp *resp)
{
    return reply_error(resp, ERR_FORBIDDEN, "not_a_station", "该账号绑定的单位不是已登记的充装单位",
                       NULL);
}

/* The check is ROUTE_AUTH_RECHECKED: its caller may come from the router's token cache
 * (req->user_cached), which says who the token named a moment ago. No answer is given on that
 * alone: a refusal first reads the caller afresh (caller_fresh_or_reply), and the answer itself
 * comes from the statement that also re-reads the caller's session and user (facts_or_reply). */

/* For a cached caller: authenticates afresh and checks again it is a station's; 0 or an
 * error with resp answered. Returns 0 at once for a caller read from the database. */
static int caller_fresh_or_reply(struct req *req, struct resp *resp, const char **station)
{
    if (!req->user_cached)
        return 0;
    int rc = router_recheck_or_reply(req, resp);
    return rc ? rc : station_or_reply(req, resp, station);
}

/* Reads the check's facts for the calling station (with, for a cached caller, its session
 * and user in the same statement); when the cached principal no longer holds, the caller is
 * read afresh (refused with 401 or 403 if so) and the facts read again. 0 or an error. */
static int facts_or_reply(struct req *req, struct resp *resp, const char *code, int64_t filler,
                          const char *medium, struct cylinder_facts *f)
{
    const char *station = req->user->entity;
    unsigned char hash[32];
    if (req->user_cached)
        authz_token_hash(req->token, hash);
    int rc = cylinders_facts_read_as(db_read(), station, code, filler, medium,
                                     req->user_cached ? hash : NULL, f);
    if (req->user_cached &&
        (rc == ERR_NOTFOUND || (!rc && !cylinders_caller_holds(f, req->user, time_now())))) {
        rc = caller_fresh_or_reply(req, resp, &station);
        if (!rc)
            rc = cylinders_facts_read(db_read(), station, code, filler, medium, f);
    }
    return rc == ERR_NOTFOUND ? not_a_station(resp) : rc;
}

static int filling_check(struct req *req, struct resp *resp)
{
    const char *station = NULL;
    int rc = is_station(req) && *req->user->entity ? 0 : caller_fresh_or_reply(req, resp, &station);
    if (!rc)
        rc = station_or_reply(req, resp, &station);
    if (rc)
        return rc;
    char code[40];
    snprintf(code, sizeof code, "%s", text_of(req->json, "cylinder"));
    if (cylinders_code_normalize(code)) {
        rc = caller_fresh_or_reply(req, resp, &station);
        return rc ? rc
                  : reply_error(resp, ERR_INVALID, "invalid_code",
                                "气瓶编码须为 4 到 32 位字母、数字或连字符", "cylinder");
    }
    int64_t filler = json_integer_value(json_object_get(req->json, "filler"));
    const char *medium = text_of(req->json, "medium");
    struct cylinder_facts f;
    rc = facts_or_reply(req, resp, code, filler, medium, &f);
    if (rc)
        return rc;
    int64_t now = time_now();
    unsigned mask = cylinders_check(&f, date_of(now), now);
    cylinders_log_check(&f, code, filler, medium, mask, "check", req->user->id, now);
    strbuf_reset(&resp->body);
    if (cylinders_answer_write(mask, &f, &resp->body))
        return ERR_INTERNAL;
    resp->status = 200;
    resp->content_type = "application/json";
    return 0;
}

/* ---- fillings ---- */

static const struct field filling_body[] = {
    {"cylinder", FIELD_STRING, FIELD_REQUIRED, 40, "气瓶编码"},
    {"filler", FIELD_INT, FIELD_REQUIRED, 0, "充装人员编号", NULL, NULL, NULL, 1, INT64_MAX},
    {"medium", FIELD_STRING, FIELD_REQUIRED, 8, "充装介质", NULL, NULL, cylinder_media},
    {"weight_before", FIELD_NUMBER, FIELD_REQUIRED, 0, "充装前重量（kg）"},
    {"weight_after", FIELD_NUMBER, FIELD_REQUIRED, 0, "充装后重量（kg）"},
    {"filled_at", FIELD_STRING, FIELD_NULLABLE, 40, "充装时间"},
    {"client_ref", FIELD_STRING, FIELD_NULLABLE, 64, "扫码终端流水号"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct field check_body[] = {
    {"cylinder", FIELD_STRING, FIELD_REQUIRED, 40, "气瓶编码"},
    {"filler", FIELD_INT, FIELD_REQUIRED, 0, "充装人员编号", NULL, NULL, NULL, 1, INT64_MAX},
    {"medium", FIELD_STRING, FIELD_REQUIRED, 8, "充装介质", NULL, NULL, cylinder_media},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct field batch_body[] = {
    {"fillings", FIELD_ARRAY, FIELD_REQUIRED, 0, "充装记录"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* What became of one filling. */
struct outcome {
    int status; /* 201 recorded, 200 recorded before (client_ref), 409 refused, 422 invalid */
    int64_t id;
    unsigned mask;
    struct cylinder_facts f;
    const char *code, *field;
    char msg[256];
};

static int invalid(struct outcome *o, const char *code, const char *field, const char *msg)
{
    o->status = 422;
    o->code = code;
    o->field = field;
    snprintf(o->msg, sizeof o->msg, "%s", msg);
    return 0;
}

/* The time of item, when it is good: its filled_at (required offline), else now. */
static int item_time(json_t *item, int offline, int64_t now, int64_t *t, struct outcome *o)
{
    const char *at = text_of(item, "filled_at"), *code, *msg;
    if (!at) {
        *t = now;
        return offline ? invalid(o, "validation_failed", "filled_at",
                                 "离线补传的充装记录须给出充装时间 filled_at")
                       : 0;
    }
    if (cylinders_parse_instant(at, t))
        return invalid(o, "validation_failed", "filled_at",
                       "充装时间须为 RFC 3339 格式，如 2026-12-03T08:30:00+08:00");
    if (cylinders_time_ok(*t, now, &code, &msg))
        return invalid(o, code, "filled_at", msg);
    return 0;
}

static int find_client_ref(struct db *w, const char *station, const char *ref, int64_t *id)
{
    struct db_stmt *st;
    int rc =
        db_prepare(w, "SELECT id FROM cylinder_fillings WHERE station = ? AND client_ref = ?", &st);
    if (!rc)
        rc = db_bind_text(st, 1, station, -1);
    if (!rc)
        rc = db_bind_text(st, 2, ref, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc)
        *id = db_col_int(st, 0);
    db_done(st);
    return rc;
}

static int insert_filling(struct db *w, struct req *req, const char *code, json_t *item, int64_t t,
                          int64_t now, int offline, struct outcome *o)
{
    double before = json_number_value(json_object_get(item, "weight_before")),
           after = json_number_value(json_object_get(item, "weight_after"));
    int over = cylinders_overfilled(&o->f.type, before, after);
    const char *ref = text_of(item, "client_ref");
    struct db_stmt *st;
    int rc = db_prepare(w,
                        "INSERT INTO cylinder_fillings(cylinder, type, station, region, filler,"
                        " medium, weight_before, weight_after, net_weight, overfill, filled_at,"
                        " recorded_at, source, client_ref, recorded_by)"
                        " SELECT c.code, c.type, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
                        " FROM cylinders c WHERE c.code = ?",
                        &st);
    int k = 1;
    if (!rc)
        rc = db_bind_text(st, k++, o->f.station, -1);
    if (!rc)
        rc = db_bind_text(st, k++, o->f.region, -1);
    if (!rc)
        rc = db_bind_int(st, k++, json_integer_value(json_object_get(item, "filler")));
    if (!rc)
        rc = db_bind_text(st, k++, o->f.medium, -1);
    if (!rc)
        rc = db_bind_double(st, k++, before);
    if (!rc)
        rc = db_bind_double(st, k++, after);
    if (!rc)
        rc = db_bind_double(st, k++, cylinders_round(after - before, 0.001));
    if (!rc)
        rc = db_bind_int(st, k++, over);
    if (!rc)
        rc = db_bind_int(st, k++, t);
    if (!rc)
        rc = db_bind_int(st, k++, now);
    if (!rc)
        rc = db_bind_text(st, k++, offline ? "offline" : "online", -1);
    if (!rc)
        rc = ref ? db_bind_text(st, k++, ref, -1) : db_bind_null(st, k++);
    if (!rc)
        rc = db_bind_int(st, k++, req->user->id);
    if (!rc)
        rc = db_bind_text(st, k++, code, -1);
    if (!rc)
        rc = db_run(st);
    if (!rc)
        o->id = db_last_id(w);
    if (!rc)
        rc = db_prepare(w,
                        "UPDATE cylinders SET fillings = fillings + 1, updated_at = ?,"
                        " last_filled_at = CASE WHEN last_filled_at IS NULL OR last_filled_at < ?"
                        " THEN ? ELSE last_filled_at END WHERE code = ?",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, now);
    if (!rc)
        rc = db_bind_int(st, 2, t);
    if (!rc)
        rc = db_bind_int(st, 3, t);
    if (!rc)
        rc = db_bind_text(st, 4, code, -1);
    if (!rc)
        rc = db_run(st);
    if (!rc) {
        char object[32], detail[200];
        snprintf(object, sizeof object, "filling:%" PRId64, o->id);
        snprintf(detail, sizeof detail,
                 "{\"cylinder\":\"%s\",\"net_weight\":%.3f,\"overfill\":%s,\"source\":\"%s\"}",
                 code, after - before, over ? "true" : "false", offline ? "offline" : "online");
        rc = audit(w, req, "filling.record", object, detail);
    }
    return rc;
}

/* Judges and, when allowed, records the filling item for station on w (the caller's write
 * transaction) at its own time. The outcome goes to o; returns 0 or a database error. */
static int record_filling(struct db *w, struct req *req, const char *station, json_t *item,
                          int64_t now, int offline, struct outcome *o)
{
    const char *field;
    char code[40];
    memset(o, 0, sizeof *o);
    if (offline && field_check_body(filling_body, item, 0, &field, o->msg, sizeof o->msg)) {
        o->status = 422;
        o->code = "validation_failed";
        o->field = field;
        return 0;
    }
    snprintf(code, sizeof code, "%s", text_of(item, "cylinder"));
    if (cylinders_code_normalize(code))
        return invalid(o, "invalid_code", "cylinder", "气瓶编码须为 4 到 32 位字母、数字或连字符");
    double before = json_number_value(json_object_get(item, "weight_before")),
           after = json_number_value(json_object_get(item, "weight_after"));
    if (before < 0 || after < 0)
        return invalid(o, "validation_failed", before < 0 ? "weight_before" : "weight_after",
                       "重量不能为负数");
    if (before > 1000 || after > 1000)
        return invalid(o, "validation_failed", before > 1000 ? "weight_before" : "weight_after",
                       "重量超出合理范围（不超过 1000 kg）");
    int64_t t;
    if (item_time(item, offline, now, &t, o) || o->status)
        return 0;
    const char *ref = text_of(item, "client_ref");
    int rc = ref ? find_client_ref(w, station, ref, &o->id) : ERR_NOTFOUND;
    if (!rc) {
        o->status = 200;
        return 0;
    }
    if (rc != ERR_NOTFOUND)
        return rc;
    int64_t filler = json_integer_value(json_object_get(item, "filler"));
    const char *medium = text_of(item, "medium");
    rc = cylinders_facts_read(w, station, code, filler, medium, &o->f);
    if (rc)
        return rc;
    if (o->f.cylinder_known &&
        cylinders_weights_ok(&o->f.type, before, after, &o->field, o->msg, sizeof o->msg)) {
        o->status = 422;
        o->code = "implausible_weight";
        return 0;
    }
    if (!o->f.cylinder_known && after < before)
        return invalid(o, "validation_failed", "weight_after", "充装后重量不能小于充装前重量");
    if (o->f.cylinder_known &&
        (rc = cylinders_fillings_around(w, code, t, o->f.type.refill_seconds, &o->f)))
        return rc;
    o->mask = cylinders_check(&o->f, date_of(t), t);
    if (o->mask) {
        o->status = 409;
        cylinders_log_check(&o->f, code, filler, medium, o->mask, offline ? "batch" : "filling",
                            req->user->id, now);
        return 0;
    }
    o->status = 201;
    return insert_filling(w, req, code, item, t, now, offline, o);
}

static int filling_create(struct req *req, struct resp *resp)
{
    const char *station = NULL;
    int rc = station_or_reply(req, resp, &station);
    if (rc)
        return rc;
    struct outcome o;
    json_t *rec = NULL;
    int64_t now = time_now();
    struct db *w = db_write_begin();
    rc = w ? record_filling(w, req, station, req->json, now, 0, &o) : ERR_DB;
    if (rc == ERR_NOTFOUND) {
        db_write_end(w, rc);
        return not_a_station(resp);
    }
    if (!rc && o.status != 201 && o.status != 200)
        rc = ERR_CONFLICT; /* nothing of it stays */
    if (!rc) {
        char key[24];
        snprintf(key, sizeof key, "%" PRId64, o.id);
        rc = rec_get(w, &cylinder_filling_rec, key, &rec);
    }
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_CONFLICT && o.status == 422) {
        json_decref(rec);
        return reply_error(resp, ERR_INVALID, o.code, o.msg, o.field);
    }
    if (rc == ERR_CONFLICT && o.status == 409) {
        json_t *reasons = cylinders_reasons_json(o.mask, &o.f);
        json_t *body = json_pack("{sb sO s{ss ss sO}}", "allowed", 0, "reasons", reasons, "error",
                                 "code", "filling_refused", "message", "不允许充装，原因见 reasons",
                                 "reasons", reasons);
        json_decref(reasons);
        return reply_json(resp, 409, body);
    }
    if (rc) {
        json_decref(rec);
        return rc;
    }
    return reply_json(resp, o.status, rec);
}

/* One item of a batch, with its time for the judging order. */
struct item {
    size_t index;
    int64_t t;
    int timed;
};

static int by_time(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static json_t *outcome_json(size_t index, const struct outcome *o)
{
    json_t *a = json_pack("{sI si}", "index", (json_int_t)index, "status", o->status);
    if (o->status == 201 || o->status == 200)
        json_object_set_new(a, "id", json_integer(o->id));
    if (o->status == 200)
        json_object_set_new(a, "duplicate", json_true());
    if (o->status == 409)
        json_object_set_new(a, "reasons", cylinders_reasons_json(o->mask, &o->f));
    if (o->status == 422)
        json_object_set_new(
            a, "error",
            json_pack("{ss ss ss?}", "code", o->code, "message", o->msg, "field", o->field));
    return a;
}

static int filling_batch(struct req *req, struct resp *resp)
{
    const char *station = NULL;
    int rc = station_or_reply(req, resp, &station);
    if (rc)
        return rc;
    json_t *items = json_object_get(req->json, "fillings");
    size_t n = json_array_size(items);
    if (n == 0)
        return reply_error(resp, ERR_INVALID, "validation_failed", "fillings 不能为空", "fillings");
    if (n > CYL_BATCH_MAX)
        return reply_error(resp, ERR_INVALID, "too_many", "一次最多上传 500 条充装记录",
                           "fillings");
    int64_t now = time_now();
    struct item *order = calloc(n, sizeof *order);
    struct outcome *out = calloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        order[i].index = i;
        order[i].t = INT64_MAX;
        const char *at = json_is_object(it) ? text_of(it, "filled_at") : NULL;
        int64_t t;
        if (at && !cylinders_parse_instant(at, &t))
            order[i].t = t;
    }
    qsort(order, n, sizeof *order, by_time);
    size_t counts[4] = {0}; /* accepted, duplicate, refused, invalid */
    struct db *w = db_write_begin();
    rc = w ? 0 : ERR_DB;
    for (size_t k = 0; !rc && k < n; k++) {
        size_t i = order[k].index;
        json_t *it = json_array_get(items, i);
        struct outcome *o = &out[i];
        if (!json_is_object(it)) {
            memset(o, 0, sizeof *o);
            invalid(o, "validation_failed", NULL, "每条充装记录须为 JSON 对象");
            continue;
        }
        rc = db_exec(w, "SAVEPOINT item");
        if (!rc)
            rc = record_filling(w, req, station, it, now, 1, o);
        if (rc == ERR_NOTFOUND)
            break;
        if (!rc && o->status == 201)
            rc = db_exec(w, "RELEASE item");
        else if (!rc)
            rc = db_exec(w, "ROLLBACK TO item") || db_exec(w, "RELEASE item") ? ERR_DB : 0;
    }
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_NOTFOUND) {
        free(order);
        free(out);
        return not_a_station(resp);
    }
    json_t *results = NULL;
    if (!rc) {
        results = json_array();
        for (size_t i = 0; i < n; i++) {
            int s = out[i].status;
            counts[s == 201 ? 0 : s == 200 ? 1 : s == 409 ? 2 : 3]++;
            json_array_append_new(results, outcome_json(i, &out[i]));
        }
    }
    free(order);
    free(out);
    if (rc)
        return rc;
    return reply_json(resp, 200,
                      json_pack("{so sI sI sI sI}", "results", results, "accepted",
                                (json_int_t)counts[0], "duplicates", (json_int_t)counts[1],
                                "refused", (json_int_t)counts[2], "invalid",
                                (json_int_t)counts[3]));
}

static int fillings_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    return scope(req, resp, q, " AND g.station = ?");
}

static int parse_code_filter(const char *text, json_t **out, char *msg, size_t cap)
{
    char code[40];
    snprintf(code, sizeof code, "%s", text);
    if (strlen(text) >= sizeof code || cylinders_code_normalize(code)) {
        snprintf(msg, cap, "气瓶编码须为 4 到 32 位字母、数字或连字符");
        return ERR_INVALID;
    }
    if (out)
        *out = json_string(code);
    return 0;
}

static const struct list_filter filling_filters[] = {
    {"station"},
    {"region", NULL, NULL, refdata_parse_region},
    {"cylinder", " AND g.cylinder = ?", NULL, parse_code_filter},
    {"filler"},
    {"medium"},
    {"overfill"},
    {"source"},
    {"from", " AND g.filled_at >= ?", NULL, list_parse_from},
    {"to", " AND g.filled_at < ?", NULL, list_parse_to},
    {NULL},
};
static const struct list_sort filling_sorts[] = {
    {"id", "g.id"}, {"filled_at", "g.filled_at"}, {"net_weight", "g.net_weight"}, {NULL, NULL}};

static const struct list_def fillings_list = {
    .rec = &cylinder_filling_rec,
    .order = "g.id DESC",
    .filename = "充装记录",
    .filters = filling_filters,
    .sorts = filling_sorts,
    .prepare = fillings_prepare,
};

static int checks_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    return scope(req, resp, q, " AND k.station = ?");
}

static int parse_reason(const char *text, json_t **out, char *msg, size_t cap)
{
    if (cylinders_reason_of(text) < 0) {
        snprintf(msg, cap, "未知的拒绝原因代码：%s", text);
        return ERR_INVALID;
    }
    if (out) {
        char quoted[48];
        snprintf(quoted, sizeof quoted, "\"%s\"", text);
        *out = json_string(quoted);
    }
    return 0;
}

/* A county's checks: its stations' (the log has no index on region; see migration 020). */
#define IN_REGION(station)                                                                         \
    " AND " station " IN (SELECT uscc FROM cylinder_stations WHERE region = ?)"

static const struct list_filter check_filters[] = {
    {"station"},
    {"region", IN_REGION("k.station"), NULL, refdata_parse_region},
    {"cylinder", " AND k.cylinder = ?", NULL, parse_code_filter},
    {"allowed"},
    {"reason", " AND instr(k.reasons, ?) > 0", NULL, parse_reason},
    {"source"},
    {"from", " AND k.at >= ?", NULL, list_parse_from},
    {"to", " AND k.at < ?", NULL, list_parse_to},
    {NULL},
};
static const struct list_sort check_sorts[] = {{"id", "k.id"}, {"at", "k.at"}, {NULL, NULL}};

static const struct list_def checks_list = {
    .rec = &cylinder_check_rec,
    .order = "k.id DESC",
    .filename = "充装查验记录",
    .filters = check_filters,
    .sorts = check_sorts,
    .prepare = checks_prepare,
};

/* Binds the period, then the caller's scope (a station; else a region, when set). */
static int bind_period(struct db_stmt *st, int64_t from, int64_t to, const char *scope)
{
    int rc = db_bind_int(st, 1, from);
    if (!rc)
        rc = db_bind_int(st, 2, to);
    if (!rc && scope)
        rc = db_bind_text(st, 3, scope, -1);
    return rc;
}

static const char *const checks_stats_query[] = {"from", "to", "region", NULL};

/* GET /api/v1/filling-checks/stats?from=&to=&region=: the checks of a period (from: Monday of
 * this week, to: today, both days included) counted in the caller's scope — checks, refusals,
 * refusals by reason (every reason, in the answers' order) and the ten stations that refused
 * most. One pass over the period's rows instead of a list count per reason and per station. */
static int checks_stats(struct req *req, struct resp *resp)
{
    int32_t today = date_today(), from = today - (date_weekday(today) - 1), to = today;
    int rc = req_period_or_reply(req, resp, &from, &to);
    if (rc)
        return rc;
    const char *region = req_query(req, "region"), *own = scope_region(req->user);
    if (region && *region && !refdata_region_name(region))
        return reply_error(resp, ERR_INVALID, "validation_failed", "未知的行政区划代码", "region");
    if (own && region && *region && strcmp(region, own))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的数据", "region");
    const char *where = "", *scope = NULL;
    if (is_station(req))
        where = " AND station = ?", scope = req->user->entity;
    else if (own || (region && *region))
        where = IN_REGION("station"), scope = own ? own : region;
    int64_t t0 = date_start(from), t1 = date_start(to + 1);

    struct strbuf sql;
    strbuf_init(&sql, 1u << 14);
    strbuf_puts(&sql, "SELECT count(*), coalesce(sum(1 - allowed), 0)");
    for (int r = 0; r < CYL_NREASONS; r++)
        strbuf_printf(&sql,
                      ", coalesce(sum(CASE WHEN allowed = 0 AND instr(reasons, '\"%s\"') > 0"
                      " THEN 1 ELSE 0 END), 0)",
                      cylinders_reason_code(r));
    strbuf_printf(&sql, " FROM cylinder_checks WHERE at >= ? AND at < ?%s", where);
    struct db *db = db_read();
    struct db_stmt *st = NULL;
    json_t *reasons = json_array(), *stations = json_array(), *o = NULL;
    int64_t checks = 0, refused = 0;
    rc = db_prepare_once(db, strbuf_get(&sql), &st);
    if (!rc)
        rc = bind_period(st, t0, t1, scope);
    if (!rc)
        rc = db_row(st);
    if (!rc) {
        checks = db_col_int(st, 0);
        refused = db_col_int(st, 1);
        for (int r = 0; r < CYL_NREASONS; r++)
            json_array_append_new(reasons, json_pack("{ss sI}", "code", cylinders_reason_code(r),
                                                     "count", (json_int_t)db_col_int(st, 2 + r)));
    }
    db_finalize(st);
    strbuf_reset(&sql);
    strbuf_printf(&sql,
                  "SELECT station, count(*) FROM cylinder_checks WHERE at >= ? AND at < ?%s"
                  " AND allowed = 0 GROUP BY station ORDER BY 2 DESC, station LIMIT 10",
                  where);
    st = NULL;
    if (!rc)
        rc = db_prepare_once(db, strbuf_get(&sql), &st);
    if (!rc)
        rc = bind_period(st, t0, t1, scope);
    int step;
    while (!rc && (step = db_step(st)) == DB_ROW)
        json_array_append_new(stations, json_pack("{ss sI}", "station", db_col_text(st, 0),
                                                  "refused", (json_int_t)db_col_int(st, 1)));
    if (!rc && step != DB_DONE)
        rc = step;
    db_finalize(st);
    strbuf_dispose(&sql);
    size_t i;
    json_t *x;
    json_array_foreach(stations, i, x)
    {
        json_t *row = NULL;
        if (rc || rec_get(db, &cylinder_station_rec,
                          json_string_value(json_object_get(x, "station")), &row))
            continue; /* a check of a station since removed keeps its code */
        json_object_set(x, "name", json_object_get(row, "name"));
        json_decref(row);
    }
    char f[DATE_LEN + 1], t[DATE_LEN + 1];
    date_format(from, f);
    date_format(to, t);
    if (!rc)
        o = json_pack("{ss ss sI sI sO sO}", "from", f, "to", t, "checks", (json_int_t)checks,
                      "refused", (json_int_t)refused, "by_reason", reasons, "by_station", stations);
    json_decref(reasons);
    json_decref(stations);
    return rc ? rc : reply_json(resp, 200, o);
}

/* ---- 扫码查瓶 ---- */

static int public_cylinder(struct req *req, struct resp *resp)
{
    const char *code = code_param(req);
    if (!code)
        return reply_error(resp, ERR_NOTFOUND, "not_found", "未找到该气瓶，请核对瓶身编码", NULL);
    struct db *db = db_read();
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT c.code, c.type, t.name, t.medium, c.station, e.name, c.ownership,"
                        " c.manufactured, c.last_inspection, c.status, c.last_filled_at,"
                        " t.inspection_years, t.design_years, t.extended_years, r.name"
                        " FROM cylinders c JOIN cylinder_types t ON t.code = c.type"
                        " JOIN entities e ON e.uscc = c.station JOIN regions r ON r.code = c.region"
                        " WHERE c.code = ?",
                        &st);
    if (!rc)
        rc = db_bind_text(st, 1, code, -1);
    if (!rc)
        rc = db_row(st);
    if (rc == ERR_NOTFOUND) {
        db_done(st);
        return reply_error(resp, ERR_NOTFOUND, "not_found", "未找到该气瓶，请核对瓶身编码", NULL);
    }
    if (rc) {
        db_done(st);
        return rc;
    }
    struct cylinder_facts f = {0};
    f.cylinder_known = 1;
    const char *made = db_col_text(st, 7), *last = db_col_text(st, 8), *status = db_col_text(st, 9);
    date_parse(made, strlen(made), &f.manufactured);
    f.last_inspection = -1;
    if (last)
        date_parse(last, strlen(last), &f.last_inspection);
    f.scrapped = !strcmp(status, "scrapped");
    f.type.inspection_years = (int)db_col_int(st, 11);
    f.type.design_years = (int)db_col_int(st, 12);
    f.type.extended_years = (int)db_col_int(st, 13);
    int32_t today = date_today(),
            next = cylinders_next_inspection(&f.type, f.manufactured, f.last_inspection),
            ends = cylinders_life_ends(&f.type, f.manufactured, f.last_inspection);
    unsigned mask = (f.scrapped ? 1u << CYL_SCRAPPED : 0) |
                    (today > ends ? 1u << CYL_SERVICE_LIFE_EXCEEDED : 0) |
                    (today > next ? 1u << CYL_INSPECTION_OVERDUE : 0);
    char next_s[DATE_LEN + 1], ends_s[DATE_LEN + 1];
    date_format(next, next_s);
    date_format(ends, ends_s);
    json_t *o = json_pack(
        "{ss ss ss ss ss s{ss ss ss} ss ss ss ss? ss ss}", "code", db_col_text(st, 0), "type",
        db_col_text(st, 1), "type_name", db_col_text(st, 2), "medium", db_col_text(st, 3),
        "medium_name", field_enum_label(field_find(cylinder_fields, "medium"), db_col_text(st, 3)),
        "station", "uscc", db_col_text(st, 4), "name", db_col_text(st, 5), "region_name",
        db_col_text(st, 14), "ownership", db_col_text(st, 6), "ownership_name",
        field_enum_label(field_find(cylinder_fields, "ownership"), db_col_text(st, 6)),
        "manufactured", made, "last_inspection", last, "next_inspection", next_s, "life_ends",
        ends_s);
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(
        o, "status_name",
        json_string(field_enum_label(field_find(cylinder_fields, "status"), status)));
    int64_t last_filled = db_col_int(st, 10);
    db_done(st);
    json_t *filling = json_null();
    if (last_filled) {
        rc = db_prepare(db,
                        "SELECT g.filled_at, g.station, e.name, g.medium, g.net_weight, g.overfill"
                        " FROM cylinder_fillings g JOIN entities e ON e.uscc = g.station"
                        " WHERE g.cylinder = ? ORDER BY g.filled_at DESC LIMIT 1",
                        &st);
        if (!rc)
            rc = db_bind_text(st, 1, code, -1);
        if (!rc && db_step(st) == DB_ROW) {
            char at[RFC3339_LEN + 1];
            time_format_rfc3339(db_col_int(st, 0), at);
            filling =
                json_pack("{ss ss ss ss sf sb}", "filled_at", at, "station", db_col_text(st, 1),
                          "station_name", db_col_text(st, 2), "medium", db_col_text(st, 3),
                          "net_weight", db_col_double(st, 4), "overfill", (int)db_col_int(st, 5));
        }
        db_done(st);
    }
    json_object_set_new(o, "last_filling", filling);
    json_object_set_new(o, "may_use", json_boolean(mask == 0));
    json_object_set_new(o, "problems", cylinders_reasons_json(mask, &f));
    json_object_set_new(o, "message",
                        json_string(mask ? "该气瓶存在安全问题，请停止使用并联系充装单位"
                                         : "该气瓶在检验有效期和使用年限内，可以正常使用"));
    resp_header(resp, "Cache-Control", "public, max-age=60");
    return reply_json(resp, 200, o);
}

static const struct route routes[] = {
    {"GET", "/api/v1/cylinder-types", NULL, ROLES_ANY, NULL, 0, 0, &types_list},
    {"GET", "/api/v1/stations", NULL, ROLES_SEE, NULL, 0, 0, &stations_list},
    {"POST", "/api/v1/stations", station_create, ROLES_MANAGE, cylinder_station_fields,
     ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/stations/{uscc}", station_get, ROLES_SEE, NULL, 0, 0},
    {"PATCH", "/api/v1/stations/{uscc}", station_patch, ROLES_MANAGE, cylinder_station_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 0},
    {"GET", "/api/v1/fillers", NULL, ROLES_SEE, NULL, 0, 0, &fillers_list},
    {"POST", "/api/v1/fillers", filler_create, ROLES_MANAGE, cylinder_filler_fields,
     ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/fillers/{id}", filler_get, ROLES_SEE, NULL, 0, 0},
    {"PATCH", "/api/v1/fillers/{id}", filler_patch, ROLES_MANAGE, cylinder_filler_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 0},
    {"GET", "/api/v1/cylinders", NULL, ROLES_SEE, NULL, 0, 0, &cylinders_list},
    {"POST", "/api/v1/cylinders", cylinder_create, ROLES_SEE, cylinder_fields, ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/cylinders/{code}", cylinder_get, ROLES_SEE, NULL, 0, 0},
    {"PATCH", "/api/v1/cylinders/{code}", cylinder_patch, ROLES_SEE, cylinder_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 0},
    {"GET", "/api/v1/cylinders/{code}/qr.svg", cylinder_qr, ROLES_SEE, NULL, 0, 0},
    {"POST", "/api/v1/fillings/check", filling_check, ROLE_STATION, check_body,
     ROUTE_BODY_JSON | ROUTE_READ_ONLY | ROUTE_AUTH_RECHECKED, 4096},
    {"POST", "/api/v1/fillings", filling_create, ROLE_STATION, filling_body, ROUTE_BODY_JSON, 8192},
    {"POST", "/api/v1/fillings/batch", filling_batch, ROLE_STATION, batch_body, ROUTE_BODY_JSON,
     512u << 10},
    {"GET", "/api/v1/fillings", NULL, ROLES_SEE, NULL, 0, 0, &fillings_list},
    {"GET", "/api/v1/filling-checks", NULL, ROLES_SEE, NULL, 0, 0, &checks_list},
    {"GET", "/api/v1/filling-checks/stats", checks_stats, ROLES_SEE, NULL, 0, 0,
     .query = checks_stats_query},
    {"GET", "/api/v1/public/cylinders/{code}", public_cylinder, ROLES_PUBLIC, NULL, 0, 0},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {
    &cylinder_type_rec,
    &cylinder_station_rec,
    &cylinder_filler_rec,
    &cylinder_rec,
    &cylinder_filling_rec,
    &cylinder_check_rec,
    NULL,
};

static const struct audit_action actions[] = {
    {"station.create", "登记充装单位"}, {"station.update", "修改充装单位"},
    {"filler.create", "登记充装人员"},  {"filler.update", "修改充装人员"},
    {"cylinder.create", "登记气瓶"},    {"cylinder.update", "修改气瓶"},
    {"filling.record", "登记气瓶充装"}, {NULL, NULL},
};

const struct module cylinders_module = {
    .name = "cylinders",
    .label = "气瓶充装",
    .roles = ROLES_SEE,
    .routes = routes,
    .records = records,
    .actions = actions,
    .demo = cylinders_demo,
    .stop = cylinders_log_stop,
};
