"""The Gradio face of the playground: app settings, the chat turn, the payload views, the page.

Only this package imports gradio; the library (``playground``) never does.
"""

from .layout import build_app, launch_options
from .netguard import protect_process
from .settings import AppSettings

__all__ = ["AppSettings", "build_app", "launch_options", "protect_process"]
