from . import optical_crm_step_mixin
from . import optical_crm_communication
from . import survey_user_input
