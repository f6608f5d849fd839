"""What Chainer 7.8.1 (2020, its last release) needs from numpy and Python that today's removed.

Import this before the first `import chainer` (every module of ours that imports chainer does).
Where nothing is missing (Python 3.11 with numpy 1.26) it adds nothing. It imports numpy, so a
script sets its BLAS thread variables before importing anything that imports this.
"""
import sys
import types

import numpy

# chainer/_environment_check.py imports numpy.distutils.system_info for a macOS-only BLAS check;
# numpy.distutils is gone on Python 3.12+ and in numpy 2. No BLAS info makes that check pass.
try:
    import numpy.distutils.system_info  # noqa: F401
except ImportError:
    _system_info = types.ModuleType('numpy.distutils.system_info')
    _system_info.get_info = lambda name, notfound_action=0: {}
    _distutils = types.ModuleType('numpy.distutils')
    _distutils.system_info = _system_info
    sys.modules['numpy.distutils'] = _distutils
    sys.modules['numpy.distutils.system_info'] = _system_info

# chainer/functions/array/as_strided.py reads np.sctypes['int'] and ['float'] at import; numpy 2
# removed np.sctypes. numpy 1.26's lists.
if 'sctypes' not in vars(numpy):
    numpy.sctypes = {
        'int': [numpy.int8, numpy.int16, numpy.int32, numpy.int64],
        'uint': [numpy.uint8, numpy.uint16, numpy.uint32, numpy.uint64],
        'float': [numpy.float16, numpy.float32, numpy.float64, numpy.longdouble],
        'complex': [numpy.complex64, numpy.complex128, numpy.clongdouble],
        'others': [bool, object, bytes, str, numpy.void],
    }
