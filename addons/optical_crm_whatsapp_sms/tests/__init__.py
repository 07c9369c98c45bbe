from . import test_whatsapp_sms
