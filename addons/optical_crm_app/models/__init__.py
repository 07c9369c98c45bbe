from . import optical_app_device
from . import optical_app_message
from . import optical_app_pairing_attempt
from . import optical_app_push
from . import optical_app_report
from . import optical_crm_campaign
from . import optical_crm_communication
from . import res_partner
