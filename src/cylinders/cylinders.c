/* SPDX-License-Identifier: MIT */
/*
 * The records of M7 and its rules: the filling check (cylinders_check, every reason judged on
 * its own), service life and inspection dates, weights, instants, and the one query the check
 * is judged on. The rules are pure; cylinders_facts_read and cylinders_type_rules read the
 * database. The check log's writer is cylinders_log.c; HTTP is cylinders_routes.c.
 */
#include "cylinders/cylinders.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct enum_value cylinder_media[] = {
    {"LPG", "液化石油气"}, {"O2", "氧气"},        {"N2", "氮气"},   {"Ar", "氩气"},
    {"CO2", "二氧化碳"},   {"CNG", "压缩天然气"}, {"C2H2", "乙炔"}, {NULL, NULL},
};
const struct enum_value cylinder_statuses[] = {
    {"in_service", "在用"},
    {"due", "待检"},
    {"scrapped", "报废"},
    {NULL, NULL},
};
const struct enum_value cylinder_ownerships[] = {
    {"owned", "自有产权"},
    {"custody", "托管"},
    {NULL, NULL},
};
const struct enum_value cylinder_sources[] = {
    {"online", "在线充装"},
    {"offline", "离线补传"},
    {NULL, NULL},
};
static const struct enum_value check_sources[] = {
    {"check", "扫码查验"},
    {"filling", "充装登记"},
    {"batch", "离线补传"},
    {NULL, NULL},
};

/* ---- records ---- */

const struct field cylinder_type_fields[] = {
    {"code", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 16, "型号代码", "t.code"},
    {"name", FIELD_STRING, FIELD_REQUIRED, 100, "名称", "t.name"},
    {"medium", FIELD_STRING, FIELD_REQUIRED, 8, "充装介质", "t.medium", NULL, cylinder_media},
    {"standard", FIELD_STRING, FIELD_REQUIRED, 200, "产品标准", "t.standard"},
    {"inspection_standard", FIELD_STRING, FIELD_REQUIRED, 200, "定期检验标准",
     "t.inspection_standard"},
    {"inspection_years", FIELD_INT, FIELD_REQUIRED, 0, "检验周期（年）", "t.inspection_years"},
    {"design_years", FIELD_INT, FIELD_REQUIRED, 0, "设计使用年限（年）", "t.design_years"},
    {"extended_years", FIELD_INT, FIELD_NULLABLE, 0, "检验合格后可用至（年）", "t.extended_years"},
    {"refill_minutes", FIELD_INT, FIELD_REQUIRED, 0, "最短充装间隔（分钟）", "t.refill_minutes"},
    {"capacity_kg", FIELD_NUMBER, FIELD_REQUIRED, 0, "公称充装量（kg）", "t.capacity_kg"},
    {"tare_kg", FIELD_NUMBER, FIELD_REQUIRED, 0, "公称皮重（kg）", "t.tare_kg"},
    {"min_weight_kg", FIELD_NUMBER, FIELD_REQUIRED, 0, "称重下限（kg）", "t.min_weight_kg"},
    {"max_weight_kg", FIELD_NUMBER, FIELD_REQUIRED, 0, "称重上限（kg）", "t.max_weight_kg"},
    {"basis", FIELD_STRING, FIELD_REQUIRED | FIELD_MULTILINE, 500, "依据", "t.basis"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record cylinder_type_rec = {
    .name = "cylinder_type",
    .label = "气瓶型号",
    .table = "cylinder_types",
    .from = " FROM cylinder_types t",
    .key = "code",
    .key_expr = "t.code",
    .fields = cylinder_type_fields,
};

const struct field cylinder_station_fields[] = {
    {"uscc", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 18, "统一社会信用代码", "s.uscc"},
    {"name", FIELD_STRING, FIELD_READONLY, 0, "充装单位名称", "e.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "s.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"licence_no", FIELD_STRING, FIELD_REQUIRED, 64, "充装许可证编号", "s.licence_no"},
    {"licence_expires", FIELD_DATE, FIELD_REQUIRED, 10, "许可证有效期至", "s.licence_expires"},
    {"media", FIELD_ARRAY, FIELD_REQUIRED, 0, "许可充装介质", "s.media"},
    {"fillers", FIELD_INT, FIELD_READONLY, 0, "充装人员数",
     "(SELECT count(*) FROM cylinder_fillers f WHERE f.station = s.uscc)"},
    {"cylinders", FIELD_INT, FIELD_READONLY, 0, "登记气瓶数",
     "(SELECT count(*) FROM cylinders c WHERE c.station = s.uscc)"},
    {"created_at", FIELD_TIME, FIELD_INTERNAL, 0, "登记时间", "s.created_at"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record cylinder_station_rec = {
    .name = "station",
    .label = "充装单位",
    .table = "cylinder_stations",
    .from = " FROM cylinder_stations s",
    .joins = " JOIN entities e ON e.uscc = s.uscc JOIN regions r ON r.code = s.region",
    .key = "uscc",
    .key_expr = "s.uscc",
    .stamp = "updated_at",
    .fields = cylinder_station_fields,
};

const struct field cylinder_filler_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "f.id"},
    {"station", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 18, "充装单位统一社会信用代码",
     "f.station"},
    {"station_name", FIELD_STRING, FIELD_READONLY, 0, "充装单位", "e.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "f.region"},
    {"name", FIELD_STRING, FIELD_REQUIRED, 50, "姓名", "f.name"},
    {"cert_no", FIELD_STRING, FIELD_REQUIRED, 64, "作业人员证编号", "f.cert_no"},
    {"cert_expires", FIELD_DATE, FIELD_REQUIRED, 10, "证书有效期至", "f.cert_expires"},
    {"active", FIELD_BOOL, 0, 0, "在岗", "f.active", "1"},
    {"created_at", FIELD_TIME, FIELD_INTERNAL, 0, "登记时间", "f.created_at"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record cylinder_filler_rec = {
    .name = "filler",
    .label = "充装人员",
    .table = "cylinder_fillers",
    .from = " FROM cylinder_fillers f",
    .joins = " JOIN entities e ON e.uscc = f.station",
    .key = "id",
    .key_expr = "f.id",
    .stamp = "updated_at",
    .fields = cylinder_filler_fields,
};

const struct field cylinder_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "c.id"},
    {"code", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 32, "气瓶编码", "c.code"},
    {"type", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 16, "型号代码", "c.type"},
    {"type_name", FIELD_STRING, FIELD_READONLY, 0, "型号", "t.name"},
    {"medium", FIELD_STRING, FIELD_READONLY, 0, "充装介质", "t.medium", NULL, cylinder_media},
    {"maker", FIELD_STRING, FIELD_NULLABLE, 100, "制造单位", "c.maker", ""},
    {"serial", FIELD_STRING, FIELD_NULLABLE, 50, "出厂编号", "c.serial", ""},
    {"manufactured", FIELD_DATE, FIELD_REQUIRED | FIELD_KEY, 10, "制造日期", "c.manufactured"},
    {"station", FIELD_STRING, 0, 18, "产权（托管）单位统一社会信用代码", "c.station"},
    {"station_name", FIELD_STRING, FIELD_READONLY, 0, "产权（托管）单位", "e.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "c.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"ownership", FIELD_STRING, 0, 8, "产权性质", "c.ownership", "owned", cylinder_ownerships},
    {"last_inspection", FIELD_DATE, FIELD_NULLABLE, 10, "上次检验日期", "c.last_inspection"},
    {"status", FIELD_STRING, 0, 16, "状态", "c.status", "in_service", cylinder_statuses},
    {"next_inspection", FIELD_DATE, FIELD_INTERNAL, 10, "下次检验日期", "c.next_inspection"},
    {"life_ends", FIELD_DATE, FIELD_INTERNAL, 10, "使用年限至", "c.life_ends"},
    {"last_filled_at", FIELD_TIME, FIELD_INTERNAL | FIELD_NULLABLE, 0, "上次充装时间",
     "c.last_filled_at"},
    {"fillings", FIELD_INT, FIELD_INTERNAL, 0, "充装次数", "c.fillings", "0"},
    {"created_at", FIELD_TIME, FIELD_INTERNAL, 0, "登记时间", "c.created_at"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record cylinder_rec = {
    .name = "cylinder",
    .label = "气瓶",
    .table = "cylinders",
    .from = " FROM cylinders c",
    .joins = " JOIN cylinder_types t ON t.code = c.type JOIN entities e ON e.uscc = c.station"
             " JOIN regions r ON r.code = c.region",
    .key = "code",
    .key_expr = "c.code",
    .stamp = "updated_at",
    .fields = cylinder_fields,
};

const struct field cylinder_filling_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "g.id"},
    {"cylinder", FIELD_STRING, FIELD_REQUIRED, 32, "气瓶编码", "g.cylinder"},
    {"type", FIELD_STRING, FIELD_INTERNAL, 16, "型号代码", "g.type"},
    {"station", FIELD_STRING, FIELD_INTERNAL, 18, "充装单位统一社会信用代码", "g.station"},
    {"station_name", FIELD_STRING, FIELD_READONLY, 0, "充装单位", "e.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "g.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"filler", FIELD_INT, FIELD_REQUIRED, 0, "充装人员编号", "g.filler"},
    {"filler_name", FIELD_STRING, FIELD_READONLY, 0, "充装人员", "p.name"},
    {"medium", FIELD_STRING, FIELD_REQUIRED, 8, "充装介质", "g.medium", NULL, cylinder_media},
    {"weight_before", FIELD_NUMBER, FIELD_REQUIRED, 0, "充装前重量（kg）", "g.weight_before"},
    {"weight_after", FIELD_NUMBER, FIELD_REQUIRED, 0, "充装后重量（kg）", "g.weight_after"},
    {"net_weight", FIELD_NUMBER, FIELD_INTERNAL, 0, "充装量（kg）", "g.net_weight"},
    {"overfill", FIELD_BOOL, FIELD_INTERNAL, 0, "超装", "g.overfill", "0"},
    {"filled_at", FIELD_TIME, FIELD_INTERNAL, 0, "充装时间", "g.filled_at"},
    {"recorded_at", FIELD_TIME, FIELD_INTERNAL, 0, "上传时间", "g.recorded_at"},
    {"source", FIELD_STRING, FIELD_INTERNAL, 8, "来源", "g.source", "online", cylinder_sources},
    {"client_ref", FIELD_STRING, FIELD_NULLABLE, 64, "扫码终端流水号", "g.client_ref"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record cylinder_filling_rec = {
    .name = "filling",
    .label = "充装记录",
    .table = "cylinder_fillings",
    .from = " FROM cylinder_fillings g",
    .joins = " JOIN entities e ON e.uscc = g.station JOIN regions r ON r.code = g.region"
             " JOIN cylinder_fillers p ON p.id = g.filler",
    .key = "id",
    .key_expr = "g.id",
    .fields = cylinder_filling_fields,
};

const struct field cylinder_check_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "k.id"},
    {"at", FIELD_TIME, FIELD_INTERNAL, 0, "查验时间", "k.at"},
    {"station", FIELD_STRING, FIELD_INTERNAL, 18, "充装单位统一社会信用代码", "k.station"},
    {"station_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "充装单位", "e.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "k.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "行政区划", "r.name"},
    {"cylinder", FIELD_STRING, FIELD_INTERNAL, 32, "气瓶编码", "k.cylinder"},
    {"filler", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "充装人员编号", "k.filler"},
    {"medium", FIELD_STRING, FIELD_INTERNAL, 8, "充装介质", "k.medium"},
    {"allowed", FIELD_BOOL, FIELD_INTERNAL, 0, "允许充装", "k.allowed"},
    {"reasons", FIELD_ARRAY, FIELD_INTERNAL, 0, "拒绝原因", "k.reasons"},
    {"source", FIELD_STRING, FIELD_INTERNAL, 8, "来源", "k.source", "check", check_sources},
    {"actor", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "操作账号编号", "k.actor"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record cylinder_check_rec = {
    .name = "filling_check",
    .label = "充装查验记录",
    .table = "cylinder_checks",
    .from = " FROM cylinder_checks k",
    .joins = " LEFT JOIN entities e ON e.uscc = k.station LEFT JOIN regions r ON r.code = k.region",
    .key = "id",
    .key_expr = "k.id",
    .fields = cylinder_check_fields,
};

/* ---- reasons ---- */

static const char *const reason_codes[CYL_NREASONS] = {
    "unknown_cylinder",      "scrapped",
    "service_life_exceeded", "inspection_overdue",
    "not_station_cylinder",  "licence_expired",
    "medium_not_permitted",  "filler_not_certified",
    "wrong_medium",          "filled_too_recently",
};

const char *cylinders_reason_code(int reason)
{
    return reason >= 0 && reason < CYL_NREASONS ? reason_codes[reason] : NULL;
}

int cylinders_reason_of(const char *code)
{
    for (int i = 0; code && i < CYL_NREASONS; i++)
        if (!strcmp(code, reason_codes[i]))
            return i;
    return -1;
}

/* ---- dates ---- */

int32_t cylinders_add_years(int32_t day, int years)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    y += years;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        d = 28;
    return date_from_ymd(y, m, d);
}

int32_t cylinders_next_inspection(const struct cylinder_type_rules *t, int32_t manufactured,
                                  int32_t last_inspection)
{
    int32_t base = last_inspection >= 0 ? last_inspection : manufactured;
    return cylinders_add_years(base, t->inspection_years);
}

int32_t cylinders_life_ends(const struct cylinder_type_rules *t, int32_t manufactured,
                            int32_t last_inspection)
{
    int32_t design = cylinders_add_years(manufactured, t->design_years);
    if (t->extended_years > t->design_years && last_inspection >= 0 && last_inspection >= design)
        return cylinders_add_years(manufactured, t->extended_years);
    return design;
}

/* ---- the check ---- */

int cylinders_media_has(const char *media, const char *medium)
{
    if (!media || !medium || !*medium)
        return 0;
    size_t n = strlen(medium);
    for (const char *p = strchr(media, '"'); p; p = strchr(p + 1, '"')) {
        if (!strncmp(p + 1, medium, n) && p[1 + n] == '"')
            return 1;
        p = strchr(p + 1, '"'); /* the closing quote of this element */
        if (!p)
            break;
    }
    return 0;
}

unsigned cylinders_check(const struct cylinder_facts *f, int32_t today, int64_t now)
{
    unsigned m = 0;
    if (!f->cylinder_known) {
        m |= 1u << CYL_UNKNOWN_CYLINDER;
    } else {
        if (f->scrapped)
            m |= 1u << CYL_SCRAPPED;
        if (today > cylinders_life_ends(&f->type, f->manufactured, f->last_inspection))
            m |= 1u << CYL_SERVICE_LIFE_EXCEEDED;
        if (today > cylinders_next_inspection(&f->type, f->manufactured, f->last_inspection))
            m |= 1u << CYL_INSPECTION_OVERDUE;
        if (strcmp(f->cylinder_station, f->station))
            m |= 1u << CYL_NOT_STATION_CYLINDER;
        if (!f->medium || strcmp(f->medium, f->type.medium))
            m |= 1u << CYL_WRONG_MEDIUM;
        int64_t gap = f->type.refill_seconds;
        if ((f->last_filled_at && now - f->last_filled_at < gap) ||
            (f->next_filled_at && f->next_filled_at - now < gap))
            m |= 1u << CYL_FILLED_TOO_RECENTLY;
    }
    if (today > f->licence_expires)
        m |= 1u << CYL_LICENCE_EXPIRED;
    if (!cylinders_media_has(f->media, f->medium))
        m |= 1u << CYL_MEDIUM_NOT_PERMITTED;
    if (!f->filler_known || !f->filler_active || today > f->cert_expires)
        m |= 1u << CYL_FILLER_NOT_CERTIFIED;
    return m;
}

static const char *medium_label(const char *code)
{
    for (const struct enum_value *e = cylinder_media; code && e->value; e++)
        if (!strcmp(e->value, code))
            return e->label;
    return code ? code : "";
}

void cylinders_reason_message(int reason, const struct cylinder_facts *f, char *buf, size_t cap)
{
    char day[DATE_LEN + 1];
    switch (reason) {
    case CYL_UNKNOWN_CYLINDER: snprintf(buf, cap, "未登记的气瓶编码，不得充装"); break;
    case CYL_SCRAPPED: snprintf(buf, cap, "该气瓶已报废，不得充装"); break;
    case CYL_SERVICE_LIFE_EXCEEDED:
        date_format(cylinders_life_ends(&f->type, f->manufactured, f->last_inspection), day);
        snprintf(buf, cap, "该气瓶已超过使用年限（至 %s），不得充装", day);
        break;
    case CYL_INSPECTION_OVERDUE:
        date_format(cylinders_next_inspection(&f->type, f->manufactured, f->last_inspection), day);
        snprintf(buf, cap, "该气瓶定期检验已超期（应于 %s 前检验），不得充装", day);
        break;
    case CYL_NOT_STATION_CYLINDER:
        snprintf(buf, cap, "该气瓶不是本充装单位的自有产权或托管气瓶，不得充装");
        break;
    case CYL_LICENCE_EXPIRED:
        date_format(f->licence_expires, day);
        snprintf(buf, cap, "本单位气瓶充装许可证已过期（有效期至 %s），不得充装", day);
        break;
    case CYL_MEDIUM_NOT_PERMITTED:
        snprintf(buf, cap, "本单位未获准充装%s", medium_label(f->medium));
        break;
    case CYL_FILLER_NOT_CERTIFIED:
        if (!f->filler_known)
            snprintf(buf, cap, "充装人员不是本单位登记的持证人员");
        else if (!f->filler_active)
            snprintf(buf, cap, "充装人员已停止作业，不得充装");
        else {
            date_format(f->cert_expires, day);
            snprintf(buf, cap, "充装人员作业证书已过期（有效期至 %s）", day);
        }
        break;
    case CYL_WRONG_MEDIUM:
        snprintf(buf, cap, "该气瓶只能充装%s，不能充装%s", medium_label(f->type.medium),
                 medium_label(f->medium));
        break;
    case CYL_FILLED_TOO_RECENTLY: {
        long hours = (long)(f->type.refill_seconds / 3600),
             minutes = (long)(f->type.refill_seconds % 3600 / 60);
        if (minutes)
            snprintf(buf, cap, "该气瓶距上次充装不足 %ld 小时 %ld 分钟，不得重复充装", hours,
                     minutes);
        else
            snprintf(buf, cap, "该气瓶距上次充装不足 %ld 小时，不得重复充装", hours);
        break;
    }
    default: snprintf(buf, cap, "不得充装"); break;
    }
}

int cylinders_answer_write(unsigned mask, const struct cylinder_facts *f, struct strbuf *out)
{
    if (!mask)
        return strbuf_puts(out, "{\"allowed\":true}");
    int rc = strbuf_puts(out, "{\"allowed\":false,\"reasons\":[");
    char msg[256];
    for (int i = 0, first = 1; !rc && i < CYL_NREASONS; i++) {
        if (!(mask & (1u << i)))
            continue;
        cylinders_reason_message(i, f, msg, sizeof msg);
        rc = strbuf_printf(out, "%s{\"code\":\"%s\",\"message\":", first ? "" : ",",
                           reason_codes[i]);
        if (!rc)
            rc = strbuf_json_string(out, msg, strlen(msg));
        if (!rc)
            rc = strbuf_putc(out, '}');
        first = 0;
    }
    return rc ? rc : strbuf_puts(out, "]}");
}

json_t *cylinders_reasons_json(unsigned mask, const struct cylinder_facts *f)
{
    json_t *a = json_array();
    char msg[256];
    for (int i = 0; i < CYL_NREASONS; i++) {
        if (!(mask & (1u << i)))
            continue;
        cylinders_reason_message(i, f, msg, sizeof msg);
        json_array_append_new(a, json_pack("{ss ss}", "code", reason_codes[i], "message", msg));
    }
    return a;
}

/* ---- codes, weights, instants ---- */

void cylinders_copy(char *out, size_t cap, const char *s)
{
    /* The check copies a dozen short strings per request; snprintf's format machinery was a
     * visible share of it. */
    size_t n = s ? strnlen(s, cap - 1) : 0;
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
}

int cylinders_code_normalize(char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 4 || n > 32)
        return ERR_INVALID;
    for (char *c = code; *c; c++) {
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return ERR_INVALID;
    }
    return 0;
}

int cylinders_weights_ok(const struct cylinder_type_rules *t, double before, double after,
                         const char **field, char *msg, size_t cap)
{
    const double lo = t->min_weight_kg, hi = t->max_weight_kg;
    if (!isfinite(before) || before < lo || before > hi) {
        *field = "weight_before";
        snprintf(msg, cap, "充装前重量须在 %.1f 至 %.1f kg 之间（该型号气瓶的合理称重范围）", lo,
                 hi);
        return ERR_INVALID;
    }
    if (!isfinite(after) || after < lo || after > hi) {
        *field = "weight_after";
        snprintf(msg, cap, "充装后重量须在 %.1f 至 %.1f kg 之间（该型号气瓶的合理称重范围）", lo,
                 hi);
        return ERR_INVALID;
    }
    if (after < before) {
        *field = "weight_after";
        snprintf(msg, cap, "充装后重量不能小于充装前重量");
        return ERR_INVALID;
    }
    return 0;
}

double cylinders_round(double x, double unit)
{
    double q = x / unit;
    return (double)(int64_t)(q + (q < 0 ? -0.5 : 0.5)) * unit;
}

int cylinders_overfilled(const struct cylinder_type_rules *t, double before, double after)
{
    /* Weights come from a scale with 0.1 kg steps; compare in grams to stay exact. */
    return cylinders_round((after - before) * 1000, 1) > cylinders_round(t->capacity_kg * 1000, 1);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int cylinders_parse_instant(const char *s, int64_t *out)
{
    int hh, mm, ss, oh = 0, om = 0;
    int32_t day;
    if (!s || strlen(s) < 20 || date_parse(s, DATE_LEN, &day) || (s[10] != 'T' && s[10] != 't') ||
        digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mm) || s[16] != ':' ||
        digits(s + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 59)
        return ERR_INVALID;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return ERR_INVALID;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int sign = 0;
    if ((*p == 'Z' || *p == 'z') && !p[1]) {
        sign = 1;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && !digits(p + 1, 2, &oh) &&
               p[3] == ':' && !digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
        sign = *p == '+' ? 1 : -1;
    } else {
        return ERR_INVALID;
    }
    *out = (int64_t)day * 86400 + hh * 3600 + mm * 60 + ss - sign * (oh * 3600 + om * 60);
    return 0;
}

int cylinders_time_ok(int64_t t, int64_t now, const char **code, const char **msg)
{
    if (t > now + CYL_CLOCK_SKEW) {
        *code = "future_time";
        *msg = "充装时间不能晚于当前时间";
        return ERR_INVALID;
    }
    if (t < now - (int64_t)CYL_OFFLINE_DAYS * 86400) {
        *code = "too_old";
        *msg = "充装时间早于 7 天前，离线记录须在 7 天内上传";
        return ERR_INVALID;
    }
    return 0;
}

/* ---- reading ---- */

static int32_t day_col(struct db_stmt *st, int i)
{
    const char *s = db_col_text(st, i);
    int32_t d;
    return s && !date_parse(s, strlen(s), &d) ? d : -1;
}

static void text_col(struct db_stmt *st, int i, char *out, size_t cap)
{
    cylinders_copy(out, cap, db_col_text(st, i));
}

/* Columns from `first` on: medium, inspection_years, design_years, extended_years,
 * refill_minutes, capacity_kg, tare_kg, min_weight_kg, max_weight_kg. */
static void type_cols(struct db_stmt *st, int first, struct cylinder_type_rules *t)
{
    text_col(st, first, t->medium, sizeof t->medium);
    t->inspection_years = (int)db_col_int(st, first + 1);
    t->design_years = (int)db_col_int(st, first + 2);
    t->extended_years = (int)db_col_int(st, first + 3);
    t->refill_seconds = db_col_int(st, first + 4) * 60;
    t->capacity_kg = db_col_double(st, first + 5);
    t->tare_kg = db_col_double(st, first + 6);
    t->min_weight_kg = db_col_double(st, first + 7);
    t->max_weight_kg = db_col_double(st, first + 8);
}

#define TYPE_COLS                                                                                  \
    "t.medium, t.inspection_years, t.design_years, t.extended_years, t.refill_minutes,"            \
    " t.capacity_kg, t.tare_kg, t.min_weight_kg, t.max_weight_kg"

int cylinders_type_rules(struct db *db, const char *code, struct cylinder_type_rules *t)
{
    struct db_stmt *st;
    int rc = db_prepare(db, "SELECT " TYPE_COLS " FROM cylinder_types t WHERE t.code = ?", &st);
    if (!rc)
        rc = db_bind_text(st, 1, code, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc) {
        memset(t, 0, sizeof *t);
        type_cols(st, 0, t);
    }
    db_done(st);
    return rc;
}

/* Columns from `first` on: the session's end, its user's id, role, entity and disabled flag
 * (all NULL when no session matched). */
static void caller_cols(struct db_stmt *st, int first, struct cylinder_facts *f)
{
    f->caller.found = db_col_type(st, first) != DB_NULL;
    f->caller.expires_at = db_col_int(st, first);
    f->caller.user = db_col_int(st, first + 1);
    text_col(st, first + 2, f->caller.role, sizeof f->caller.role);
    text_col(st, first + 3, f->caller.entity, sizeof f->caller.entity);
    f->caller.disabled = db_col_int(st, first + 4) != 0;
}

/* One statement for the whole check: the station's row drives, the filler, the cylinder
 * and its type are index look-ups joined to it; so are the caller's session and user, so
 * that who asks is judged in the same snapshot as what is asked (and costs no second
 * read transaction). */
const char cylinders_facts_sql[] =
    "SELECT s.region, s.licence_expires, s.media, f.id, f.active, f.cert_expires, c.station,"
    " c.status, c.manufactured, c.last_inspection, c.last_filled_at, " TYPE_COLS
    ", ss.expires_at, u.id, u.role, u.entity, u.disabled"
    " FROM cylinder_stations s"
    " LEFT JOIN cylinder_fillers f ON f.id = ? AND f.station = s.uscc"
    " LEFT JOIN cylinders c ON c.code = ?"
    " LEFT JOIN cylinder_types t ON t.code = c.type"
    " LEFT JOIN sessions ss ON ss.token_hash = ?"
    " LEFT JOIN users u ON u.id = ss.user_id"
    " WHERE s.uscc = ?";

int cylinders_facts_read(struct db *db, const char *station, const char *cylinder, int64_t filler,
                         const char *medium, struct cylinder_facts *f)
{
    return cylinders_facts_read_as(db, station, cylinder, filler, medium, NULL, f);
}

int cylinders_facts_read_as(struct db *db, const char *station, const char *cylinder,
                            int64_t filler, const char *medium, const unsigned char *token_hash,
                            struct cylinder_facts *f)
{
    struct db_stmt *st;
    int rc = db_prepare(db, cylinders_facts_sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, filler);
    if (!rc)
        rc = db_bind_text(st, 2, cylinder, -1);
    if (!rc)
        rc = token_hash ? db_bind_blob(st, 3, token_hash, 32) : db_bind_null(st, 3);
    if (!rc)
        rc = db_bind_text(st, 4, station, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc) {
        memset(f, 0, sizeof *f);
        snprintf(f->station, sizeof f->station, "%s", station);
        text_col(st, 0, f->region, sizeof f->region);
        f->licence_expires = day_col(st, 1);
        text_col(st, 2, f->media, sizeof f->media);
        f->medium = medium;
        f->filler_known = db_col_type(st, 3) != DB_NULL;
        f->filler_active = db_col_int(st, 4) != 0;
        f->cert_expires = day_col(st, 5);
        f->cylinder_known = db_col_type(st, 6) != DB_NULL;
        if (f->cylinder_known) {
            text_col(st, 6, f->cylinder_station, sizeof f->cylinder_station);
            const char *status = db_col_text(st, 7);
            f->scrapped = status && !strcmp(status, "scrapped");
            f->manufactured = day_col(st, 8);
            f->last_inspection = day_col(st, 9);
            f->last_filled_at = db_col_int(st, 10);
            type_cols(st, 11, &f->type);
        }
        caller_cols(st, 20, f);
    }
    db_done(st);
    return rc;
}

int cylinders_caller_holds(const struct cylinder_facts *f, const struct principal *p, int64_t now)
{
    return f->caller.found && f->caller.expires_at > now && !f->caller.disabled &&
           f->caller.user == p->id && role_of(f->caller.role) == p->role &&
           !strcmp(f->caller.entity, p->entity);
}

int cylinders_fillings_around(struct db *db, const char *cylinder, int64_t t, int64_t window,
                              struct cylinder_facts *f)
{
    struct db_stmt *st;
    int rc =
        db_prepare(db,
                   "SELECT (SELECT max(filled_at) FROM cylinder_fillings WHERE cylinder = ?"
                   " AND filled_at <= ? AND filled_at > ?), (SELECT min(filled_at) FROM"
                   " cylinder_fillings WHERE cylinder = ? AND filled_at > ? AND filled_at < ?)",
                   &st);
    if (!rc)
        rc = db_bind_text(st, 1, cylinder, -1);
    if (!rc)
        rc = db_bind_int(st, 2, t);
    if (!rc)
        rc = db_bind_int(st, 3, t - window);
    if (!rc)
        rc = db_bind_text(st, 4, cylinder, -1);
    if (!rc)
        rc = db_bind_int(st, 5, t);
    if (!rc)
        rc = db_bind_int(st, 6, t + window);
    if (!rc)
        rc = db_row(st);
    if (!rc) {
        f->last_filled_at = db_col_int(st, 0);
        f->next_filled_at = db_col_int(st, 1);
    }
    db_done(st);
    return rc;
}
