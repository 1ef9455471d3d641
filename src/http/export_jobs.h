/* SPDX-License-Identifier: MIT */
/* Background exports (POST /api/v1/exports): see export_jobs.c. */
#ifndef JG_EXPORT_JOBS_H
#define JG_EXPORT_JOBS_H

/* Stops the running jobs (they fail), waits for their threads and forgets every job. Called
 * when the server stops. */
void export_jobs_shutdown(void);

#endif
