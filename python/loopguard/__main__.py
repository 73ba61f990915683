"""``python -m loopguard``: runs the binary the wheel installed into the scripts directory."""

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


def main() -> None:
    loopguard = find_loopguard_bin()
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.call([loopguard, *sys.argv[1:]]))
    os.execvp(loopguard, [loopguard, *sys.argv[1:]])


if __name__ == "__main__":
    main()
