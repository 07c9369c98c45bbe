from . import test_access_matrix, test_whatsapp_buttons, test_whatsapp_channel, test_whatsapp_webhook
