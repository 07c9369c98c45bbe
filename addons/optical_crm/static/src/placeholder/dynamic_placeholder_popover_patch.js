import { DynamicPlaceholderPopover } from "@web/views/fields/dynamic_placeholder_popover";
import { patch } from "@web/core/utils/patch";

/**
 * The placeholder picker lists only searchable fields, which leaves out the
 * computed fields a model declares as its placeholders
 * (``mail_allowed_qweb_expressions``: a communication's first name, event
 * date, personal links): those are offered too.
 */
patch(DynamicPlaceholderPopover.prototype, {
    filter(fieldDef, path) {
        const fullPath = `object${path ? `.${path}` : ""}.${fieldDef.name}`;
        if (
            this.allowedQwebExpressions.includes(fullPath) &&
            !["one2many", "boolean", "many2many"].includes(fieldDef.type)
        ) {
            return true;
        }
        return super.filter(...arguments);
    },
});
