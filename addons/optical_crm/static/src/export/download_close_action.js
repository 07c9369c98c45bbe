import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";

/**
 * Downloads a file, then closes the dialog that asked for it (the export):
 * Odoo's own URL action downloads but leaves the dialog open.
 * params: {url, data} as Odoo's `download` takes them.
 */
async function downloadAndClose(env, action) {
    await download({ url: action.params.url, data: action.params.data });
    return { type: "ir.actions.act_window_close" };
}

registry.category("actions").add("optical_crm_download_and_close", downloadAndClose);
