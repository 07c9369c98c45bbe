from . import test_satisfaction
from . import test_access_matrix
