from . import test_satisfaction
from . import test_survey_render_security
