/* SPDX-License-Identifier: MIT */
/* The list of modules: the one place a new module is added (see docs/modules.md). */
#include "http/module.h"

#include <string.h>

extern const struct module system_module, exports_module, refdata_module, audit_module,
    accounts_module, registry_module;
extern const struct module catalogue_module;

extern const struct module demands_module, inspections_module, enforcement_module;
extern const struct module cylinders_module;
extern const struct module equipment_module;

const struct module *const modules[] = {
    &system_module,
    &exports_module,
    &refdata_module,
    &audit_module,
    &accounts_module,
    &registry_module,
    &catalogue_module,
    &demands_module,
    &inspections_module,
    &enforcement_module,
    &cylinders_module,
    &equipment_module,
    NULL,
};

int modules_init(void)
{
    static int done;
    if (done)
        return 0;
    for (const struct module *const *m = modules; *m; m++) {
        int rc = (*m)->init ? (*m)->init() : 0;
        if (rc)
            return rc;
    }
    done = 1;
    return 0;
}

const char *module_action_label(const char *action)
{
    for (const struct module *const *m = modules; *m; m++)
        for (const struct audit_action *a = (*m)->actions; a && a->action; a++)
            if (!strcmp(a->action, action))
                return a->label;
    return NULL;
}
