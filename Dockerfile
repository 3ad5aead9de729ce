# HF Endpoint Playground: for a Docker Space or any container host.
#   docker build -t hf-playground . && docker run -p 7860:7860 -e HF_TOKEN=hf_... hf-playground
FROM python:3.11-slim

# A non-root user with uid 1000, as Hugging Face Spaces run containers.
RUN useradd --create-home --uid 1000 user
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    GRADIO_ANALYTICS_ENABLED=False \
    GRADIO_RUN_HISTORY=False
USER user
WORKDIR /home/user/app

# Requirements first, in their own layer: code changes do not reinstall them.
COPY --chown=user requirements.txt .
RUN pip install --user -r requirements.txt

COPY --chown=user . .

EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/', timeout=4)" || exit 1

CMD ["python", "app.py"]
