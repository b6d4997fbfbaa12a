"""Find a Chromium-family browser (Chromium, Google Chrome, Microsoft Edge) to print the board pack to PDF.

Looked for, in order:

1. the ``CHROMIUM_PATH`` environment variable, when it names a file;
2. the program names of :data:`BROWSER_NAMES` on the ``PATH`` (``chromium``, ``chromium-browser``,
   ``google-chrome``, ``chrome``, ``msedge``, …);
3. where the installers put them: on Windows under ``%ProgramFiles%``, ``%ProgramFiles(x86)%`` and
   ``%LocalAppData%`` (``Google\\Chrome\\Application\\chrome.exe``, ``Microsoft\\Edge\\Application\\msedge.exe``,
   ``Chromium\\Application\\chrome.exe``); on macOS in ``/Applications`` and ``~/Applications`` (Google
   Chrome.app, Chromium.app, Microsoft Edge.app); on Linux ``/usr/bin``, ``/snap/bin``, ``/opt/google/chrome``
   and ``/opt/microsoft/msedge``.

All of them print HTML to PDF the same way (``--headless --print-to-pdf``). When none is found,
:data:`PDF_NEEDS_CHROMIUM` says, in words, how to get one.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

#: Program names tried on the PATH, in order.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge",
                 "microsoft-edge", "microsoft-edge-stable")
#: Windows: folders under each of these environment variables' paths.
WINDOWS_ROOTS = ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")
WINDOWS_PROGRAMS = (r"Google\Chrome\Application\chrome.exe", r"Microsoft\Edge\Application\msedge.exe",
                    r"Chromium\Application\chrome.exe")
#: macOS: application bundles and the program inside each.
MACOS_APPS = ("Google Chrome.app/Contents/MacOS/Google Chrome", "Chromium.app/Contents/MacOS/Chromium",
              "Microsoft Edge.app/Contents/MacOS/Microsoft Edge")
#: Linux: usual install places not always on the PATH.
LINUX_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium", "/usr/bin/google-chrome",
               "/opt/google/chrome/chrome", "/usr/bin/microsoft-edge", "/opt/microsoft/msedge/msedge")

PDF_NEEDS_CHROMIUM = (
    "The PDF is printed by the Chromium web browser or a browser built on it (Google Chrome or Microsoft Edge), and "
    "none was found on this computer. To get one: on Windows, Microsoft Edge comes with Windows 10 and 11 (or "
    "install Google Chrome); on a Mac, install Google Chrome or Microsoft Edge into Applications; on Debian or "
    "Ubuntu, install the chromium package (sudo apt-get install chromium). If the browser is installed somewhere "
    "else, set the CHROMIUM_PATH environment variable to its program file. The HTML board pack works without it "
    "and can be printed to PDF from any browser.")


def candidate_paths(platform: str, environ: Mapping[str, str], home: str) -> list[str]:
    """The install places to look at on ``platform`` (``sys.platform``), in order.

    >>> candidate_paths("darwin", {}, "/Users/ann")[0]
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'
    """
    if platform.startswith("win"):
        roots = [environ[name] for name in WINDOWS_ROOTS if environ.get(name)]
        return [str(PureWindowsPath(root) / program) for root in roots for program in WINDOWS_PROGRAMS]
    if platform == "darwin":
        folders = ["/Applications", str(PurePosixPath(home) / "Applications")]
        return [str(PurePosixPath(folder) / app) for folder in folders for app in MACOS_APPS]
    return list(LINUX_PATHS)


def find_browser(*, environ: Mapping[str, str] | None = None, platform: str | None = None, home: str | None = None,
                 which: Callable[[str], str | None] = shutil.which,
                 is_file: Callable[[str], bool] = os.path.isfile, names: Iterable[str] = BROWSER_NAMES) -> str | None:
    """The first Chromium-family browser found (see the module docstring), or None.

    Every argument defaults to this computer's (environment, ``sys.platform``, home folder, PATH search, file
    test); tests pass fakes.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    home = str(Path.home()) if home is None else home
    override = environ.get("CHROMIUM_PATH")
    if override and is_file(override):
        return override
    for name in names:
        found = which(name)
        if found:
            return found
    for path in candidate_paths(platform, environ, home):
        if is_file(path):
            return path
    return None
