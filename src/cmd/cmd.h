/* SPDX-License-Identifier: MIT */
/*
 * The command line: one table of commands (main.c), one table of options shared by all of
 * them, each option also readable from a JIANGUAN_* environment variable. Commands return the
 * process exit status.
 */
#ifndef JG_CMD_H
#define JG_CMD_H

#include <stddef.h>

struct opt {
    const char *name; /* "db" for --db */
    const char *env;  /* "JIANGUAN_DB", or NULL */
    const char *def;  /* default value, or NULL */
    const char *help;
    int flag; /* takes no value */
};

#define OPT_MAX 24

/* Parses argv against opts (NULL-name terminated) into values (indexed like opts; defaults
 * and environment applied). Returns 0, 1 when --help was printed, 2 on a usage error (printed
 * to stderr). */
int opts_parse(int argc, char **argv, const struct opt *opts, const char *usage,
               const char *values[OPT_MAX] /* out */);
/* Prints usage and the option list. */
void opts_help(const char *usage, const struct opt *opts);
/* Reads one line from standard input into buf without its newline; returns 0 or -1. */
int read_secret_line(char *buf, size_t cap);

int cmd_serve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_migrate_data(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_openapi(int argc, char **argv);

/* Opens the database named by --db for a command (init creates and loads reference data). */
int cmd_open_db(const char *path, int create);

#endif
