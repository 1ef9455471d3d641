/* SPDX-License-Identifier: MIT */
/*
 * names.h - plausible Chinese names and addresses for demo market entities.
 *
 * Owns the word lists and patterns that turn a struct rng into person names,
 * enterprise names (企业名称), individual-business names (个体工商户字号),
 * cooperative names (农民专业合作社) and addresses in the reference city,
 * Liaocheng (聊城市).  It generates look-alike data only: it checks nothing
 * against the registry and guarantees no uniqueness (enterprise duplicates are
 * rare, individual-business duplicates are expected, as in real life).
 *
 * Every generator writes UTF-8 into buf[0..cap), always NUL-terminated when
 * cap > 0, and returns the length in bytes (without the NUL), or -1 if the
 * result would not fit; then buf holds "".  The number of values drawn from
 * the rng does not depend on cap, so the stream stays in step either way.
 */
#ifndef JIANGUAN_CORE_NAMES_H
#define JIANGUAN_CORE_NAMES_H

#include <stddef.h>

#include "core/rng.h"

/* The county-level areas of the city, indexed 0 .. NAMES_COUNTY_COUNT - 1. */
#define NAMES_COUNTY_COUNT 11

/*
 * Returns the name of county index (0 东昌府区, 1 茌平区, 2 阳谷县, 3 莘县,
 * 4 东阿县, 5 冠县, 6 高唐县, 7 临清市, 8 经济技术开发区, 9 高新技术产业开发区,
 * 10 江北水城旅游度假区) as a static string, or NULL if index is out of range.
 */
const char *names_county(int index);

/* Writes a person name: a weighted common surname and 1-2 given-name characters. */
int names_person(struct rng *r, char *buf /* out */, size_t cap);

/*
 * Writes an enterprise name: prefix (county_name, its short form, 聊城市, 聊城
 * or 山东), a 2-character trade name, industry_word and a company form, e.g.
 * 阳谷县华泰纺织有限公司.  county_name NULL draws one of the counties; a
 * development zone is replaced by the city, as zones do not appear in names.
 * industry_word NULL draws one.
 */
int names_enterprise(struct rng *r, const char *county_name, const char *industry_word,
                     char *buf /* out */, size_t cap);

/*
 * Writes an individual-business name: county_name, a proprietor-style part
 * (老王, 李记, 小张, a trade name, ...) and trade_word, e.g. 茌平区李记五金店.
 * county_name NULL draws a county; trade_word NULL draws one.  A development
 * zone is written with the city in front (聊城经济技术开发区…).
 */
int names_individual(struct rng *r, const char *county_name, const char *trade_word,
                     char *buf /* out */, size_t cap);

/*
 * Writes a farmers' cooperative name, e.g. 莘县鑫丰蔬菜种植专业合作社.
 * county_name NULL draws one of the eight counties; a zone is written as for
 * names_individual().
 */
int names_cooperative(struct rng *r, const char *county_name, char *buf /* out */, size_t cap);

/*
 * Writes an address in county county_index (see names_county()), e.g.
 * 山东省聊城市东昌府区柳园街道光岳路88号; returns -1 (buf "") for an index out
 * of range.
 */
int names_address(struct rng *r, int county_index, char *buf /* out */, size_t cap);

#endif
