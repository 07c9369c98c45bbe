from . import optical_crm_whatsapp_reply
