"""Run the notebooks at small sizes under pytest (nbmake): each reads SIM_NOTEBOOK_QUICK.

The kernels nbmake starts inherit this process's environment, so setting the variable here
makes every notebook pick its quick sizes (see the notebooks' setup cell). Reading them
as committed shows the full-size outputs.
"""

import os

os.environ.setdefault("SIM_NOTEBOOK_QUICK", "1")
