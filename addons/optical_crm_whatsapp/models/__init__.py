from . import (
    ir_config_parameter,
    optical_crm_communication,
    optical_crm_communication_whatsapp,
    optical_crm_step_mixin,
    optical_crm_whatsapp_account,
    optical_crm_whatsapp_message,
    optical_crm_whatsapp_template,
    res_partner,
)
