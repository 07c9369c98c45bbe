from . import res_company
from . import res_config_settings
from . import res_partner
from . import optical_crm_landing_page
from . import optical_crm_step_mixin
from . import optical_crm_communication
from . import sms_sms
from . import optical_crm_analysis
