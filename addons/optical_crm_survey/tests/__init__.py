from . import test_satisfaction
from . import test_survey_shop
from . import test_access_matrix
from . import test_survey_render_security
