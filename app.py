"""HF Endpoint Playground: chat with a Hugging Face endpoint and see the wire.

    python3 dev.py run      # or, inside the virtual environment: python app.py

Settings come from the environment and a ``.env`` file (see .env.example). On a
Hugging Face Space this file is the entry point (``app_file: app.py``).
"""

import os

from dotenv import load_dotenv

load_dotenv()  # the app's settings; the library never reads .env itself
# Before gradio is imported: no version check or telemetry calls, no run history in the browser.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["GRADIO_RUN_HISTORY"] = "False"

from playground_ui import AppSettings, build_app, launch_options, protect_process  # noqa: E402

settings = AppSettings.from_env()
protect_process(settings)  # on a public Space: connections go only to the public addresses they checked
demo = build_app(settings)

if __name__ == "__main__":
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    print(f"HF Endpoint Playground: open http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port} in your browser.", flush=True)
    demo.launch(server_name=host, server_port=port, **launch_options(settings))
