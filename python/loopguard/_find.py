"""Where the wheel put the ``loopguard`` executable."""

import os
import sys
import sysconfig


def find_loopguard_bin() -> str:
    """The path of the installed ``loopguard`` executable."""
    exe = "loopguard" + (sysconfig.get_config_var("EXE") or "")
    # The scheme of this interpreter first, then a user install (`pip install --user`), then
    # the directory this package sits in (`pip install --target`).
    candidates = [os.path.join(sysconfig.get_path("scripts"), exe)]
    user_scheme = {"nt": "nt_user", "posix": "posix_user"}.get(os.name)
    if sys.version_info >= (3, 10):
        user_scheme = sysconfig.get_preferred_scheme("user")
    if user_scheme in sysconfig.get_scheme_names():
        candidates.append(os.path.join(sysconfig.get_path("scripts", scheme=user_scheme), exe))
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates.append(os.path.join(package_root, "bin", exe))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError("the loopguard executable was not found in: " + ", ".join(candidates))
