import { ActivityMarkAsDone } from "@mail/core/web/activity_markasdone_popover";
import { patch } from "@web/core/utils/patch";
import { useService } from "@web/core/utils/hooks";

/**
 * "Mark Done" on a phone callback activity (chatter, systray) offers the
 * same choice as the call list's outcome dialog instead of a bare "done".
 */
patch(ActivityMarkAsDone.prototype, {
    setup() {
        super.setup(...arguments);
        this.orm = useService("orm");
        this.actionService = useService("action");
    },

    get opticalCallId() {
        const call = this.props.activity.optical_callback_communication_id;
        return Array.isArray(call) ? call[0] : call || false;
    },

    async onClickOpticalCallOutcome() {
        const { res_id, res_model } = this.props.activity;
        const thread = this.env.services["mail.store"].Thread.insert({ model: res_model, id: res_id });
        const action = await this.orm.call("optical.crm.communication", "action_open_callback_wizard", [
            [this.opticalCallId],
        ]);
        this.props.close?.();
        await this.actionService.doAction(action, {
            onClose: async () => {
                this.props.onActivityChanged(thread);
                await thread.fetchNewMessages();
            },
        });
    },
});
